import type { Metadata } from '@chat4all/protocol';

/** Metadata columns hold JSON text. */
export const parseMetadata = (text: string): Metadata => JSON.parse(text) as Metadata;
