import { Type } from '@sinclair/typebox';

/** `privacy`: data exports and erasure (see the relay's `privacy/`). */
export const PrivacyConfigSchema = Type.Object(
  {
    /**
     * What erasing a user does to the messages they sent: `'tombstone'` deletes each one as its
     * author would (text, attachments, reactions and metadata gone; members get `message.deleted`),
     * `'anonymise'` keeps them and takes the sender off. @default 'tombstone'
     */
    eraseMode: Type.Union([Type.Literal('tombstone'), Type.Literal('anonymise')], { default: 'tombstone' }),
    /** How long a ready export's archive is kept before it is deleted, in ms. @default 86400000 */
    exportKeepMs: Type.Integer({ default: 86_400_000, minimum: 1_000 }),
    /** How long a download link to an export works, in seconds; `GET` the export again for a new one. @default 300 */
    exportLinkTtlSeconds: Type.Integer({ default: 300, minimum: 10, maximum: 86_400 }),
    /** How long a node holds an export it builds before another may take it over (the node died). @default 300000 */
    exportLeaseMs: Type.Integer({ default: 300_000, minimum: 1_000 }),
    /** How often each node looks for an export to build and for expired archives, in ms. @default 5000 */
    pollIntervalMs: Type.Integer({ default: 5_000, minimum: 50 }),
    /** Builds of one export before it is marked failed. @default 3 */
    maxAttempts: Type.Integer({ default: 3, minimum: 1, maximum: 20 }),
  },
  { default: {}, additionalProperties: false },
);

/** `retention`: how long messages and files are kept, and the sweep that deletes older ones. */
export const RetentionConfigSchema = Type.Object(
  {
    /**
     * Messages (and the files they carry) older than this many days are deleted by the retention
     * sweep; 0 keeps them for ever. A conversation's own retention (`PUT /v1/conversations/:id/retention`) overrides it. @default 0
     */
    messageDays: Type.Integer({ default: 0, minimum: 0, maximum: 36_500 }),
    /** How often a node tries to run the sweep (one node at a time runs it), in ms. @default 3600000 */
    sweepIntervalMs: Type.Integer({ default: 3_600_000, minimum: 50 }),
    /** Messages one sweep run deletes at most; the next run continues where it stopped. @default 10000 */
    maxPerRun: Type.Integer({ default: 10_000, minimum: 1 }),
    /** Messages read and deleted per batch. @default 200 */
    batchSize: Type.Integer({ default: 200, minimum: 1, maximum: 5_000 }),
    /** How long a node holds the sweep without renewing before another may take it over, in ms. @default 120000 */
    leaseMs: Type.Integer({ default: 120_000, minimum: 100 }),
  },
  { default: {}, additionalProperties: false },
);
