import type { InboundEvent } from '@chat4all/connectors';
import { jsonProblem, MessageContent } from '@chat4all/protocol';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { badText, RelayError } from '../errors.js';

const Text = (maxLength: number) => Type.String({ maxLength });
const Key = Type.String({ minLength: 1, maxLength: 256 });
const Nullable = <T extends ReturnType<typeof Text>>(schema: T) => Type.Union([schema, Type.Null()]);
const Instant = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T', maxLength: 64 });

/** One event a connector made of a platform's update, as the store may take it. */
const InboundEventSchema = Type.Union([
  Type.Object({
    kind: Type.Literal('message'),
    externalId: Key,
    conversationKey: Key,
    from: Type.Object({ id: Key, name: Nullable(Text(256)), username: Nullable(Text(256)) }),
    text: Text(65_536),
    file: Type.Union([
      Type.Object({
        platformFileId: Key,
        name: Nullable(Text(1024)),
        type: Nullable(Text(255)),
        size: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
      }),
      Type.Null(),
    ]),
    content: Type.Optional(Type.Union([MessageContent, Type.Null()])),
    sentAt: Instant,
    replyToExternalId: Type.Union([Key, Type.Null()]),
  }),
  Type.Object({ kind: Type.Literal('edit'), externalId: Key, conversationKey: Key, text: Text(65_536), at: Instant }),
  Type.Object({ kind: Type.Literal('delete'), externalId: Key, conversationKey: Key, at: Instant }),
  Type.Object({
    kind: Type.Literal('reaction'),
    externalId: Key,
    conversationKey: Key,
    from: Type.Object({ id: Key, name: Nullable(Text(256)), username: Nullable(Text(256)) }),
    keys: Type.Array(Text(256), { maxItems: 100 }),
    at: Instant,
  }),
  Type.Object({ kind: Type.Literal('moved'), conversationKey: Key, to: Key, at: Instant }),
  Type.Object({
    kind: Type.Literal('status'),
    externalId: Key,
    status: Type.Union(['sent', 'delivered', 'read', 'failed'].map((s) => Type.Literal(s))),
    at: Instant,
    error: Type.Union([
      Type.Object({ code: Text(64), platformCode: Nullable(Text(256)), message: Text(4096), retry: Type.String() }),
      Type.Null(),
    ]),
  }),
  Type.Object({
    kind: Type.Literal('watermark'),
    conversationKey: Key,
    status: Type.Union([Type.Literal('delivered'), Type.Literal('read')]),
    before: Instant,
  }),
]);

const Event = TypeCompiler.Compile(InboundEventSchema);

/** The instant an event carries: when a message was sent, a status reached, or a watermark set. */
function instantOf(event: InboundEvent): string {
  if (event.kind === 'message') return event.sentAt;
  return event.kind === 'watermark' ? event.before : event.at;
}

/** Why the store cannot take an event (text it cannot hold, not the documented shape, a date that is none), or `null`. */
function whyUnusable(event: unknown): string | null {
  const problem = jsonProblem(event);
  if (problem) return `${problem.path} ${problem.message}`;
  if (!Event.Check(event)) {
    const first = Event.Errors(event).First();
    return first ? `${first.path || '/'} ${first.message}` : 'not an event of the documented shape';
  }
  return Number.isFinite(Date.parse(instantOf(event as InboundEvent))) ? null : 'its date is not a date';
}

/**
 * Parses a verified webhook body with its connector. A body that is signed but not the
 * platform's documented shape (a field of the wrong type, an id too long, a date that is
 * none, text no store can hold) is BAD_REQUEST and nothing in it is stored: a connector
 * reading a hostile payload must not fail deep inside the store.
 */
export function parseInbound(body: unknown, parse: (body: unknown) => InboundEvent[], platform: string): InboundEvent[] {
  const refused = (details?: unknown) =>
    new RelayError('BAD_REQUEST', `The webhook body is not a ${platform} update this relay can read`, { details });
  const problem = jsonProblem(body);
  if (problem) throw badText(problem);
  let events: InboundEvent[];
  try {
    events = parse(body);
  } catch (error) {
    throw Object.assign(refused(), { cause: error });
  }
  for (const [index, event] of events.entries()) {
    const why = whyUnusable(event);
    if (why) throw refused([{ path: `/${index}`, message: why }]);
  }
  return events;
}

/**
 * The events of a batch a connector produced by itself (Telegram polling, a loopback
 * channel) that the store can take, in order; the others are passed to `dropped`, so one
 * unreadable update neither stops the channel nor holds back the good ones.
 */
export function usableEvents(events: readonly InboundEvent[], dropped: (event: unknown, why: string) => void): InboundEvent[] {
  return events.filter((event) => {
    const why = whyUnusable(event);
    if (why) dropped(event, why);
    return why === null;
  });
}
