/**
 * Version of the wire protocol described in `docs/protocol.md`. A client states the
 * version it speaks when it opens the WebSocket (`?v=1`); the relay refuses versions it
 * does not support with `PROTOCOL_VERSION_UNSUPPORTED`.
 */
export const PROTOCOL_VERSION = 1;

/** Every protocol version this build of the relay can serve. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1];
