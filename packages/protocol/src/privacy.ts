import { type Static, Type } from '@sinclair/typebox';
import { Id, Timestamp } from './models.js';
import { Nullable } from './nullable.js';

/**
 * A data export: a user's profile, memberships, the messages they sent and the files they
 * uploaded, built in the background into one `.tar.gz` archive. `url` is a short-lived signed
 * link to the archive, present only while `status` is `ready`; `GET` the export again for a
 * fresh one.
 */
export const DataExport = Type.Object({
  id: Id,
  userId: Id,
  /** `pending` (waiting for a node), `building`, `ready` (download it until `expiresAt`) or `failed`. */
  status: Type.Union([Type.Literal('pending'), Type.Literal('building'), Type.Literal('ready'), Type.Literal('failed')]),
  createdAt: Timestamp,
  readyAt: Type.Union([Timestamp, Type.Null()]),
  /** When the archive is deleted; null until it is ready. */
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  /** The archive's size in bytes once ready. */
  size: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  /** The download link (a path on the relay), valid until `urlExpiresAt`; null unless ready. */
  url: Type.Union([Type.String(), Type.Null()]),
  urlExpiresAt: Type.Union([Timestamp, Type.Null()]),
});
export type DataExport = Static<typeof DataExport>;

/** A conversation's own retention: messages older than `days` days are deleted; null follows the relay's `retention.messageDays`, 0 keeps them. */
export const ConversationRetention = Type.Object({
  conversationId: Id,
  days: Type.Union([Type.Integer({ minimum: 0, maximum: 36_500 }), Type.Null()]),
});
export type ConversationRetention = Static<typeof ConversationRetention>;

export const SetRetentionBody = Type.Object(
  { days: Nullable(Type.Integer({ minimum: 0, maximum: 36_500 })) },
  { additionalProperties: false },
);
export type SetRetentionBody = Static<typeof SetRetentionBody>;

/** What an erasure did. */
export const ErasureResult = Type.Object({
  userId: Id,
  /** `tombstone` or `anonymise`, as `privacy.eraseMode` says. */
  mode: Type.Union([Type.Literal('tombstone'), Type.Literal('anonymise')]),
  /** Messages tombstoned or anonymised. */
  messages: Type.Integer({ minimum: 0 }),
  /** Files deleted from storage. */
  files: Type.Integer({ minimum: 0 }),
});
export type ErasureResult = Static<typeof ErasureResult>;
