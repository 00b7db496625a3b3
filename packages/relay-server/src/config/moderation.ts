import { Type } from '@sinclair/typebox';

/** What the sender of a message a blocklist entry rejects is told, unless the entry says. */
export const BLOCKED = 'The message contains blocked content';

/** `moderation`: content rules and the before-send hook (see the relay's `moderation/`). */
export const ModerationConfigSchema = Type.Object(
  {
    /**
     * Words and patterns, each refusing the message (`reject`) or starring out what matched
     * (`mask`). Matched case-insensitively against the text folded to NFKC, zero-width
     * characters ignored. Patterns are RE2 syntax, matched in linear time. @default []
     */
    blocklist: Type.Array(
      Type.Object(
        {
          /** A word or phrase, matched whole (not inside a longer word). */
          word: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          /** An RE2 regular expression (no backreferences or lookarounds), at most 500 characters. */
          pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
          /** @default 'reject' */
          action: Type.Optional(Type.Union([Type.Literal('reject'), Type.Literal('mask')], { default: 'reject' })),
          /** What the sender is told when it rejects. @default 'The message contains blocked content' */
          reason: Type.Optional(Type.String({ default: BLOCKED, minLength: 1, maxLength: 500 })),
        },
        { additionalProperties: false },
      ),
      { default: [], maxItems: 10_000 },
    ),
    links: Type.Object(
      {
        /** `allow` any link, `deny` every link, or `allowlist`: only links to `domains` (and their subdomains). @default 'allow' */
        policy: Type.Union([Type.Literal('allow'), Type.Literal('deny'), Type.Literal('allowlist')], { default: 'allow' }),
        /** The domains `allowlist` lets through, e.g. `example.com`. @default [] */
        domains: Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.-]+$' }), { default: [] }),
        /** What the sender is told. @default 'Links to that site are not allowed' */
        reason: Type.String({ default: 'Links to that site are not allowed', minLength: 1, maxLength: 500 }),
      },
      { default: {}, additionalProperties: false },
    ),
    files: Type.Object(
      {
        /** MIME types a file message may have (`image/png`, or `image/*`); empty allows any. @default [] */
        mimeTypes: Type.Array(
          Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9!#$&^_.+-]+/([A-Za-z0-9!#$&^_.+-]+|\\*)$' }),
          {
            default: [],
          },
        ),
        /** File name extensions a file message may have (`pdf`, no dot); empty allows any. @default [] */
        extensions: Type.Array(Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9]+$' }), { default: [] }),
        /** What the sender is told. @default 'Files of that type are not allowed' */
        reason: Type.String({ default: 'Files of that type are not allowed', minLength: 1, maxLength: 500 }),
      },
      { default: {}, additionalProperties: false },
    ),
    /**
     * The app's before-send hook: an endpoint the relay posts each new message to, signed like
     * the app webhooks, before storing it; it answers allow, reject or replace.
     */
    beforeSend: Type.Object(
      {
        /** The hook's URL; none calls no hook. */
        url: Type.Optional(Type.String({ pattern: '^https?://' })),
        /** The Standard Webhooks secret the calls are signed with (`whsec_` and base64). Required with `url`. */
        secret: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9+/=]{16,}$' })),
        /** A call taking longer gets the fallback. @default 2000 */
        timeoutMs: Type.Integer({ default: 2000, minimum: 50, maximum: 30_000 }),
        /** What a message gets when the hook does not answer as documented: `allow` or `reject`. @default 'allow' */
        fallback: Type.Union([Type.Literal('allow'), Type.Literal('reject')], { default: 'allow' }),
        /** What the sender is told when the fallback rejects. @default 'The message could not be checked; try again later' */
        fallbackReason: Type.String({ default: 'The message could not be checked; try again later', minLength: 1, maxLength: 500 }),
        /** Let the hook be on a private, loopback or link-local address (development, or a network you trust). @default false */
        allowPrivateAddresses: Type.Boolean({ default: false }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);
