import type { ConversationPage, ConversationSummary } from '@chat4all/protocol';
import { describe, expect, it } from 'vitest';
import type { Rest } from '../rest.js';
import { Store } from '../store.js';
import { summary as base, message as text } from './fixtures.test-support.js';
import { LiveConversationQuery, matchesFilters } from './query.js';

const summary = (id: string, lastSeq: number, at: string): ConversationSummary => ({ ...base(id, lastSeq, at), type: 'group', title: id });
const message = (conversationId: string, seq: number, createdAt: string) => text(conversationId, seq, 'bob', createdAt);

/** A relay whose answers the test hands out one at a time. */
function pendingRest() {
  const asked: Array<{ path: string; answer: (page: ConversationPage) => void; fail: (error: Error) => void }> = [];
  const rest = {
    request: (_method: string, path: string) =>
      new Promise((answer, fail) => {
        asked.push({ path, answer: answer as (page: ConversationPage) => void, fail });
      }),
  } as unknown as Rest;
  return { rest, asked };
}

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('a filtered view of the conversation list', () => {
  it('matches on each filter given', () => {
    const c = { ...summary('a', 1, '2026-12-01T12:00:00.000Z'), status: 'pending' as const, assigneeId: 'ana', teamId: 'billing' };
    expect(matchesFilters(c, { status: 'pending', assigneeId: 'ana', assigned: true, teamId: 'billing', archived: false })).toBe(true);
    expect(matchesFilters(c, { assigned: false })).toBe(false);
    expect(matchesFilters(c, { status: 'open' })).toBe(false);
  });

  it('keeps what it learnt while an answer was on its way: the newer of each conversation, in the list’s order', async () => {
    const { rest, asked } = pendingRest();
    const query = new LiveConversationQuery(
      rest,
      { status: 'open' },
      30,
      new Store('idle' as const),
      () => undefined,
      () => undefined,
    );
    await until(() => asked.length === 1);
    expect(asked[0]?.path).toBe('/v1/conversations?limit=30&status=open');
    asked[0]?.answer({
      conversations: [summary('a', 3, '2026-12-01T12:00:00.000Z'), summary('b', 5, '2026-12-01T11:00:00.000Z')],
      nextCursor: null,
    });
    await until(() => !query.state.getSnapshot().loading);

    // A conversation it does not hold gets a message: it asks again; meanwhile a message moves b up.
    query.follow({ type: 'message.created', message: message('c', 1, '2026-12-01T13:00:00.000Z') }, 'me');
    await until(() => asked.length === 2);
    query.follow({ type: 'message.created', message: message('b', 6, '2026-12-01T14:00:00.000Z') }, 'me');
    expect(query.state.getSnapshot().conversations.map((c) => c.id)).toEqual(['b', 'a']);
    // The answer was read before b's message: b stays as the view has it, c joins, in order.
    asked[1]?.answer({
      conversations: [
        summary('c', 1, '2026-12-01T13:00:00.000Z'),
        summary('a', 3, '2026-12-01T12:00:00.000Z'),
        summary('b', 5, '2026-12-01T11:00:00.000Z'),
      ],
      nextCursor: null,
    });
    await until(() => query.state.getSnapshot().conversations.length === 3);
    expect(query.state.getSnapshot().conversations.map((c) => [c.id, c.lastSeq])).toEqual([
      ['b', 6],
      ['c', 1],
      ['a', 3],
    ]);

    // A failed ask ends the loading and says why; the next frame asks again.
    query.follow({ type: 'message.created', message: message('d', 1, '2026-12-01T15:00:00.000Z') }, 'me');
    await until(() => asked.length === 3);
    asked[2]?.fail(new Error('offline'));
    await until(() => query.state.getSnapshot().error !== null);
    expect(query.state.getSnapshot()).toMatchObject({ loading: false, error: new Error('offline') });
    query.close();
    query.follow({ type: 'message.created', message: message('e', 1, '2026-12-01T16:00:00.000Z') }, 'me');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(asked).toHaveLength(3);
  });
});
