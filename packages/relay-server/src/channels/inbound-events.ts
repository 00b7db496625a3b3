import type { InboundEvent } from '@chat4all/connectors';
import { jsonProblem } from '@chat4all/protocol';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { badText, RelayError } from '../errors.js';

const Text = (maxLength: number) => Type.String({ maxLength });
const Key = Type.String({ minLength: 1, maxLength: 256 });
const Nullable = <T extends ReturnType<typeof Text>>(schema: T) => Type.Union([schema, Type.Null()]);
const Instant = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T', maxLength: 64 });

/** The events a connector made of a webhook, checked before any of them reaches the store. */
const InboundEvents = TypeCompiler.Compile(
  Type.Array(
    Type.Union([
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
        sentAt: Instant,
        replyToExternalId: Type.Union([Key, Type.Null()]),
      }),
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
    ]),
  ),
  [],
);

/**
 * Parses a verified webhook body with its connector. A body that is signed but not the
 * platform's documented shape (a field of the wrong type, an id too long, a date that is
 * none) is BAD_REQUEST and nothing in it is stored: a connector reading a hostile payload
 * must not fail deep inside the store.
 */
export function parseInbound(body: unknown, parse: (body: unknown) => InboundEvent[], platform: string): InboundEvent[] {
  const problem = jsonProblem(body);
  if (problem) throw badText(problem);
  let events: InboundEvent[];
  try {
    events = parse(body);
  } catch (error) {
    throw new RelayError('BAD_REQUEST', `The webhook body is not a ${platform} update this relay can read`, { cause: error });
  }
  if (!InboundEvents.Check(events)) {
    const first = InboundEvents.Errors(events).First();
    throw new RelayError('BAD_REQUEST', `The webhook body is not a ${platform} update this relay can read`, {
      details: first ? [{ path: first.path, message: first.message }] : undefined,
    });
  }
  return events;
}
