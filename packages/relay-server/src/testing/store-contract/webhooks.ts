import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** App webhook endpoints and their call queue: what every adapter's `store.webhooks` must do. */
export function webhooksContract(fixture: StoreFixture): void {
  describe('webhooks', () => {
    const { now } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });

    const endpoint = (id: string, events: string[]) => ({
      id,
      url: 'https://example.com/hooks',
      events,
      secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0',
      description: null,
      enabled: true,
      failures: 0,
      disabledReason: null,
      createdAt: now,
      updatedAt: now,
    });

    it('keeps a failure counted while an endpoint is being changed', async () => {
      await store.webhooks.create(endpoint('wh2', ['*']));
      await Promise.all([
        store.webhooks.update('wh2', { description: 'orders' }, now + 1),
        store.webhooks.countFailure('wh2', true, 10, 'failing', now + 1),
      ]);
      expect(await store.webhooks.get('wh2')).toMatchObject({ description: 'orders', failures: 1, enabled: true });
    });

    it('keeps app webhook endpoints and their queued calls: once per event, leased, retried, finished', async () => {
      const hook = endpoint('wh1', ['message.created']);
      await store.webhooks.create(hook);
      expect(await store.webhooks.get('wh1')).toEqual(hook);
      expect(await store.webhooks.update('wh1', { enabled: false, failures: 3, disabledReason: 'failing' }, now + 1)).toMatchObject({
        enabled: false,
        failures: 3,
        disabledReason: 'failing',
        updatedAt: now + 1,
      });
      expect(await store.webhooks.update('nope', { enabled: true }, now)).toBeNull();
      await store.webhooks.update('wh1', { enabled: true, failures: 0, disabledReason: null }, now + 1);
      await Promise.all([1, 2].map(() => store.webhooks.countFailure('wh1', true, 3, 'failing', now + 2)));
      expect(await store.webhooks.get('wh1')).toMatchObject({ failures: 2, enabled: true });
      expect(await store.webhooks.countFailure('wh1', true, 3, 'failing', now + 3)).toMatchObject({
        failures: 3,
        enabled: false,
        disabledReason: 'failing',
      });
      expect(await store.webhooks.countFailure('wh1', false, 3, '', now + 4)).toMatchObject({ failures: 0, enabled: false });
      const call = {
        webhookId: 'wh1',
        eventId: 'e1',
        type: 'message.created',
        payload: '{}',
        attempts: 0,
        nextAttemptAt: now,
        createdAt: now,
      };
      await store.webhooks.enqueueCalls([call, call, { ...call, eventId: 'e2', nextAttemptAt: now + 100 }]);
      const [claimed, none] = await Promise.all([store.webhooks.claimCalls(now, 1000, 10), store.webhooks.claimCalls(now, 1000, 10)]);
      expect([...(claimed ?? []), ...(none ?? [])]).toEqual([{ ...call, nextAttemptAt: now + 1000 }]);
      await store.webhooks.retryCall('wh1', 'e1', 1, now + 50);
      expect((await store.webhooks.claimCalls(now + 100, 1000, 10)).map((c) => [c.eventId, c.attempts]).sort()).toEqual([
        ['e1', 1],
        ['e2', 0],
      ]);
      await store.webhooks.finishCall('wh1', 'e1', now + 200);
      // Done: not claimed, and not queued again while it is remembered.
      await store.webhooks.enqueueCalls([call]);
      expect((await store.webhooks.claimCalls(now + 5000, 1000, 10)).map((c) => c.eventId)).toEqual(['e2']);
      await store.webhooks.purgeCalls(now + 201);
      await store.webhooks.enqueueCalls([call]);
      expect((await store.webhooks.claimCalls(now + 10_000, 1000, 10)).map((c) => c.eventId).sort()).toEqual(['e1', 'e2']);
      expect((await store.webhooks.list()).map((w) => w.id)).toEqual(['wh1']);
      expect(await store.webhooks.delete('wh1')).toBe(true);
      expect(await store.webhooks.delete('wh1')).toBe(false);
      expect(await store.webhooks.claimCalls(now + 100_000, 1000, 10)).toEqual([]);
    });
  });
}
