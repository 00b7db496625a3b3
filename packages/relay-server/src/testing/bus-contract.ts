import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, BusEnvelope, ConversationEnvelope } from '../bus/types.js';

/** Creates a bus. For a shared bus, each call is another node on the same backend. */
export type BusFactory = () => Bus | Promise<Bus>;

export interface BusCapabilities {
  /** Instances made by the factory reach each other (one per relay node, over a shared backend). */
  shared: boolean;
}

const envelope = (conversationId: string, n: number): ConversationEnvelope => ({
  kind: 'conversation',
  conversationId,
  event: { type: 'typing', conversationId, userId: `u${n}`, active: true },
});

/** Collects what a bus delivers and lets a test await a count. */
function collector(bus: Bus) {
  const seen: Array<{ envelope: BusEnvelope; publishedAt: number }> = [];
  let wake: () => void = () => {};
  const unsubscribe = bus.subscribe((env, publishedAt) => {
    seen.push({ envelope: env, publishedAt });
    wake();
  });
  return {
    seen,
    unsubscribe,
    async count(n: number): Promise<void> {
      while (seen.length < n) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

/**
 * The behaviour every `Bus` adapter must have. An adapter's test file is:
 *
 * ```ts
 * import { busContract } from '@chat4all/relay-server/testing';
 * busContract('redis-streams', () => new RedisStreamsBus({ redis }), { shared: true });
 * ```
 *
 * Tests of a capability the adapter does not declare are not registered.
 */
export function busContract(name: string, makeBus: BusFactory, capabilities: BusCapabilities = { shared: false }): void {
  describe(`Bus contract: ${name}`, () => {
    const opened: Bus[] = [];
    const open = async () => {
      const bus = await makeBus();
      opened.push(bus);
      return bus;
    };
    afterEach(async () => {
      for (const bus of opened.splice(0)) await bus.close();
    });

    it('delivers every envelope to every subscriber, with the time it was published', async () => {
      const bus = await open();
      const a = collector(bus);
      const b = collector(bus);
      const before = performance.timeOrigin + performance.now();
      await bus.publish(envelope('c1', 1));
      await Promise.all([a.count(1), b.count(1)]);
      expect(a.seen[0]?.envelope).toEqual(envelope('c1', 1));
      expect(b.seen[0]?.envelope).toEqual(envelope('c1', 1));
      expect(a.seen[0]?.publishedAt).toBeGreaterThanOrEqual(before - 1);
      expect(a.seen[0]?.publishedAt).toBeLessThanOrEqual(performance.timeOrigin + performance.now() + 1);
    });

    it('keeps publish order within a conversation', async () => {
      const bus = await open();
      const seen = collector(bus);
      for (let n = 0; n < 200; n++) void bus.publish(envelope(n % 2 === 0 ? 'even' : 'odd', n));
      await seen.count(200);
      for (const conversationId of ['even', 'odd']) {
        const order = seen.seen
          .map((s) => s.envelope)
          .filter((e) => e.kind === 'conversation' && e.conversationId === conversationId)
          .map((e) => (e.kind === 'conversation' && e.event.type === 'typing' ? Number(e.event.userId.slice(1)) : -1));
        expect(order).toEqual([...order].sort((x, y) => x - y));
        expect(order).toHaveLength(100);
      }
    });

    it('never runs listeners inside publish, so fan-out cannot block the append path', async () => {
      const bus = await open();
      const seen = collector(bus);
      const pending = bus.publish(envelope('c1', 1));
      expect(seen.seen).toHaveLength(0);
      await pending;
      await seen.count(1);
    });

    it('stops delivering to a listener that unsubscribed', async () => {
      const bus = await open();
      const gone = collector(bus);
      const kept = collector(bus);
      gone.unsubscribe();
      await bus.publish(envelope('c1', 1));
      await bus.publish(envelope('c1', 2));
      await kept.count(2);
      expect(gone.seen).toHaveLength(0);
    });

    it('carries presence envelopes whole', async () => {
      const bus = await open();
      const seen = collector(bus);
      const presence: BusEnvelope = {
        kind: 'presence',
        userId: 'ana',
        event: { type: 'presence', userId: 'ana', status: 'away', lastSeenAt: '2026-11-25T10:00:00.000Z' },
      };
      await bus.publish(presence);
      await seen.count(1);
      expect(seen.seen[0]?.envelope).toEqual(presence);
    });

    it('carries session revocations whole', async () => {
      const bus = await open();
      const seen = collector(bus);
      const revoked: BusEnvelope = { kind: 'session', userId: 'ana', sessionId: 'family-1' };
      await bus.publish(revoked);
      await seen.count(1);
      expect(seen.seen[0]?.envelope).toEqual(revoked);
    });

    if (!capabilities.shared) return;
    it('reaches the other nodes of a shared bus', async () => {
      const first = await open();
      const second = await open();
      const remote = collector(second);
      await first.publish(envelope('c1', 1));
      await remote.count(1);
      expect(remote.seen[0]?.envelope).toEqual(envelope('c1', 1));
    });
  });
}
