import { randomUUID } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SharedState } from '../shared/types.js';

/** Creates shared state. For a shared backend, each call is another node on the same backend. */
export type SharedStateFactory = () => SharedState | Promise<SharedState>;

export interface SharedStateCapabilities {
  /** Instances made by the factory see each other's state (one per relay node, over a shared backend). */
  shared: boolean;
}

/**
 * The behaviour every `SharedState` adapter must have. An adapter's test file is:
 *
 * ```ts
 * import { sharedStateContract } from '@chat4all/relay-server/testing';
 * sharedStateContract('redis', () => new RedisSharedState({ redis }), { shared: true });
 * ```
 */
export function sharedStateContract(
  name: string,
  makeState: SharedStateFactory,
  capabilities: SharedStateCapabilities = { shared: false },
): void {
  describe(`SharedState contract: ${name}`, () => {
    const opened: SharedState[] = [];
    const open = async () => {
      const state = await makeState();
      opened.push(state);
      return state;
    };
    afterEach(async () => {
      for (const state of opened.splice(0)) await state.close();
    });
    // Keys are unique per test so adapters over a shared backend need no cleanup between tests.
    const id = (label: string) => `${label}-${randomUUID()}`;

    it('allows a burst, then refuses with the wait until the next token', async () => {
      const state = await open();
      const [ana, bob] = [id('ana'), id('bob')];
      const rate = { perMinute: 60, burst: 3 };
      const decisions = [];
      for (let i = 0; i < 4; i++) decisions.push(await state.consume('send', ana, rate));
      expect(decisions.slice(0, 3)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
      expect(decisions[3]).toMatchObject({ ok: false });
      const wait = (decisions[3] as { retryAfterMs: number }).retryAfterMs;
      expect(wait).toBeGreaterThan(900);
      expect(wait).toBeLessThanOrEqual(1_000);
      expect(await state.consume('send', bob, rate)).toEqual({ ok: true });
      expect(await state.consume('login', ana, rate)).toEqual({ ok: true });
    });

    it('counts a user’s connections against a maximum and frees a slot on close', async () => {
      const state = await open();
      const user = id('user');
      expect(await state.addConnection(user, 'c1', 2)).toBe(true);
      expect(await state.addConnection(user, 'c2', 2)).toBe(true);
      expect(await state.addConnection(user, 'c3', 2)).toBe(false);
      expect(await state.addConnection(user, 'c2', 2)).toBe(true);
      expect(await state.removeConnection(user, 'c1')).toBe(1);
      expect(await state.addConnection(user, 'c3', 2)).toBe(true);
      expect(await state.connected([user, id('nobody')])).toEqual(new Set([user]));
      await state.renewConnections([
        { userId: user, connectionId: 'c2' },
        { userId: user, connectionId: 'c3' },
      ]);
      expect(await state.removeConnection(user, 'c2')).toBe(1);
      expect(await state.removeConnection(user, 'c3')).toBe(0);
      expect(await state.connected([user])).toEqual(new Set());
      expect(await state.removeConnection(user, 'c3')).toBe(0);
    });

    it('moves presence through the state machine and reports only changes', async () => {
      const state = await open();
      const user = id('user');
      expect(await state.presence([user])).toEqual([{ userId: user, status: 'offline', lastSeenAt: null }]);
      await state.addConnection(user, 'c1', 5);
      const online = await state.applyPresence(user, 'connect', 60_000);
      expect(online).toMatchObject({ userId: user, status: 'online' });
      expect(Date.parse(online?.lastSeenAt ?? '')).toBeGreaterThan(Date.now() - 5_000);
      expect(await state.applyPresence(user, 'connect', 60_000)).toBeUndefined();
      expect(await state.applyPresence(user, 'idle', 60_000)).toBeUndefined();
      expect(await state.applyPresence(user, 'idle', 0)).toMatchObject({ status: 'away' });
      expect(await state.applyPresence(user, 'activity', 60_000)).toMatchObject({ status: 'online' });
      expect(await state.applyPresence(user, 'expire', 60_000)).toBeUndefined();
      await state.removeConnection(user, 'c1');
      const offline = await state.applyPresence(user, 'expire', 60_000);
      expect(offline).toMatchObject({ status: 'offline' });
      expect(await state.presence([user])).toEqual([offline]);
      expect(await state.reapPresence(0)).not.toContainEqual(expect.objectContaining({ userId: user }));
    });

    it('starts, renews and stops typing, reporting only starts and stops', async () => {
      const state = await open();
      const key = { conversationId: id('c'), userId: id('u') };
      expect(await state.startTyping(key, 60_000)).toBe(true);
      expect(await state.startTyping(key, 60_000)).toBe(false);
      expect(await state.stopTyping(key)).toBe(true);
      expect(await state.stopTyping(key)).toBe(false);
    });

    it('keeps typing in a thread apart from typing in its conversation, and hands an expired one out with its thread', async () => {
      const state = await open();
      const key = { conversationId: id('c'), userId: id('u') };
      const inThread = { ...key, threadId: '0192f0c1-7a2b-7c3d-8e4f-5a6b7c8d9e0f' };
      expect(await state.startTyping(key, 60_000)).toBe(true);
      expect(await state.startTyping(inThread, 30)).toBe(true);
      expect(await state.startTyping(inThread, 30)).toBe(false);
      const taken: unknown[] = [];
      await vi.waitFor(
        async () => {
          taken.push(...(await state.takeExpiredTyping()).filter((k) => k.conversationId === key.conversationId));
          expect(taken).toEqual([inThread]);
        },
        { timeout: 2_000, interval: 20 },
      );
      expect(await state.stopTyping(inThread)).toBe(false);
      expect(await state.stopTyping(key)).toBe(true);
    });

    it('hands out an expired typing indicator once', async () => {
      const state = await open();
      const key = { conversationId: id('c'), userId: id('u') };
      const other = { conversationId: key.conversationId, userId: id('u') };
      await state.startTyping(key, 30);
      await state.startTyping(other, 60_000);
      const taken: unknown[] = [];
      await vi.waitFor(
        async () => {
          taken.push(...(await state.takeExpiredTyping()).filter((k) => k.conversationId === key.conversationId));
          expect(taken).toEqual([key]);
        },
        { timeout: 2_000, interval: 20 },
      );
      expect(await state.takeExpiredTyping()).not.toContainEqual(key);
      expect(await state.stopTyping(other)).toBe(true);
    });

    it('keeps a push note until a read that covers its highest seq takes it, once, and lets it lapse', async () => {
      const state = await open();
      const [user, conversation] = [id('u'), id('c')];
      expect(await state.takeNotified(user, conversation, 100)).toBe(false);
      await state.markNotified(user, conversation, 5, 60_000);
      await state.markNotified(user, conversation, 3, 60_000);
      expect(await state.takeNotified(id('u'), conversation, 100)).toBe(false);
      // A read short of the push leaves the note: the push is still unread.
      expect(await state.takeNotified(user, conversation, 4)).toBe(false);
      expect(await state.takeNotified(user, conversation, 5)).toBe(true);
      expect(await state.takeNotified(user, conversation, 5)).toBe(false);
      await state.markNotified(user, conversation, 6, 20);
      // A lapse is the passing of time itself: nothing to await but the clock.
      await setTimeout(60);
      expect(await state.takeNotified(user, conversation, 6)).toBe(false);
    });

    it('keeps the push notes of pairs whose ids join to the same text apart', async () => {
      const state = await open();
      // Ids may hold `:`: user `a:b` in conversation `c`, and user `a` in conversation `b:c`.
      const a = id('a');
      await state.markNotified(`${a}:b`, 'c', 5, 60_000);
      expect(await state.takeNotified(a, 'b:c', 100)).toBe(false);
      await state.markNotified(a, 'b:c', 7, 60_000);
      expect(await state.takeNotified(`${a}:b`, 'c', 6)).toBe(true);
      expect(await state.takeNotified(a, 'b:c', 6)).toBe(false);
      expect(await state.takeNotified(a, 'b:c', 7)).toBe(true);
    });

    if (!capabilities.shared) return;

    it('shares a push note between nodes: one read takes it', async () => {
      const [a, b] = [await open(), await open()];
      const [user, conversation] = [id('u'), id('c')];
      await a.markNotified(user, conversation, 1, 60_000);
      await b.markNotified(user, conversation, 2, 60_000);
      expect(await a.takeNotified(user, conversation, 1)).toBe(false);
      const taken = await Promise.all([a.takeNotified(user, conversation, 2), b.takeNotified(user, conversation, 2)]);
      expect(taken.sort()).toEqual([false, true]);
    });

    it('shares limits, connection counts, presence and typing between nodes', async () => {
      const [a, b] = [await open(), await open()];
      const user = id('user');
      const rate = { perMinute: 60, burst: 2 };
      expect(await a.consume('send', user, rate)).toEqual({ ok: true });
      expect(await b.consume('send', user, rate)).toEqual({ ok: true });
      expect(await a.consume('send', user, rate)).toMatchObject({ ok: false });

      expect(await a.addConnection(user, 'on-a', 2)).toBe(true);
      expect(await b.addConnection(user, 'on-b', 2)).toBe(true);
      expect(await b.addConnection(user, 'on-b-2', 2)).toBe(false);

      expect(await a.applyPresence(user, 'connect', 60_000)).toMatchObject({ status: 'online' });
      expect(await b.applyPresence(user, 'connect', 60_000)).toBeUndefined();
      expect(await a.removeConnection(user, 'on-a')).toBe(1);
      expect(await a.applyPresence(user, 'expire', 60_000)).toBeUndefined();
      expect((await b.presence([user]))[0]?.status).toBe('online');

      const key = { conversationId: id('c'), userId: user };
      expect(await a.startTyping(key, 30)).toBe(true);
      expect(await b.startTyping(key, 30)).toBe(false);
      const taken: unknown[] = [];
      await vi.waitFor(
        async () => {
          const [fromA, fromB] = await Promise.all([a.takeExpiredTyping(), b.takeExpiredTyping()]);
          taken.push(...[...fromA, ...fromB].filter((k) => k.conversationId === key.conversationId));
          expect(taken).toEqual([key]);
        },
        { timeout: 2_000, interval: 20 },
      );
    });
  });
}
