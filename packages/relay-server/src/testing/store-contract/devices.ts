import { beforeEach, describe, expect, it } from 'vitest';
import { planSettings } from '../../inbox/settings.js';
import type { DeviceInput, Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** Push devices: what every adapter's `store.devices` must do. */
export function devicesContract(fixture: StoreFixture): void {
  describe('devices', () => {
    const { group, now } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });
    const device = (over: { id: string; userId: string; endpoint: string; p256dh?: string; now?: number; max?: number }) =>
      store.devices.register({ p256dh: 'key', auth: 'secret', now, max: 2, ...over });
    /** The devices a message from `senderId` notifies when only mutes count. */
    const toNotify = async (conversationId: string, senderId: string | null, at: number) =>
      (await store.pushPreferences.recipients({ conversationId, senderId, threadId: null, now: at }))
        .filter((recipient) => !recipient.muted)
        .map((recipient) => recipient.device);
    const token = (
      over: { id: string; userId: string; token: string; now?: number } & (
        | { kind: 'fcm' }
        | { kind: 'apns'; environment: 'production' | 'sandbox' }
      ),
    ) => store.devices.register({ now, max: 2, ...over } as DeviceInput);

    it('registers one device per endpoint: again updates its keys, another user takes it over, past the limit is refused', async () => {
      const first = await device({ id: 'd1', userId: 'ana', endpoint: 'https://push.example/1' });
      expect(first).toMatchObject({ ok: true, created: true, device: { id: 'd1', userId: 'ana', kind: 'webpush', p256dh: 'key' } });
      const again = await device({ id: 'd9', userId: 'ana', endpoint: 'https://push.example/1', p256dh: 'new', now: now + 1 });
      expect(again).toMatchObject({ ok: true, created: false, device: { id: 'd1', p256dh: 'new' } });
      expect(again.ok && again.device.updatedAt).toBe(new Date(now + 1).toISOString());
      await device({ id: 'd2', userId: 'ana', endpoint: 'https://push.example/2' });
      expect(await device({ id: 'd3', userId: 'ana', endpoint: 'https://push.example/3' })).toEqual({
        ok: false,
        code: 'TOO_MANY_DEVICES',
      });
      // Bob signs in on ana's browser: the endpoint is his now, and ana has room again.
      expect(await device({ id: 'd4', userId: 'bob', endpoint: 'https://push.example/1' })).toMatchObject({ ok: true, created: true });
      expect((await store.devices.list('ana')).map((d) => d.id)).toEqual(['d2']);
      expect((await store.devices.list('bob')).map((d) => d.id)).toEqual(['d4']);
    });

    it('registers FCM and APNs tokens: one device per token, updated again, moved to another user, counted with the rest', async () => {
      const fcm = await token({ id: 'f1', userId: 'ana', kind: 'fcm', token: 'fcm-token:1' });
      expect(fcm).toMatchObject({ ok: true, created: true, device: { id: 'f1', userId: 'ana', kind: 'fcm', token: 'fcm-token:1' } });
      expect(fcm.ok && fcm.device.endpoint).toBeUndefined();
      const apns = await token({ id: 'a1', userId: 'ana', kind: 'apns', token: 'ab'.repeat(32), environment: 'sandbox' });
      expect(apns).toMatchObject({ ok: true, created: true, device: { kind: 'apns', token: 'ab'.repeat(32), environment: 'sandbox' } });
      // The same token again: the same device, its environment updated.
      const again = await token({ id: 'a9', userId: 'ana', kind: 'apns', token: 'ab'.repeat(32), environment: 'production', now: now + 1 });
      expect(again).toMatchObject({ ok: true, created: false, device: { id: 'a1', environment: 'production' } });
      // A token is not an endpoint: the same string as another kind is another device, and the limit counts every kind.
      expect(await token({ id: 'x1', userId: 'ana', kind: 'fcm', token: 'ab'.repeat(32) })).toEqual({
        ok: false,
        code: 'TOO_MANY_DEVICES',
      });
      expect(await token({ id: 'f2', userId: 'bob', kind: 'fcm', token: 'fcm-token:1' })).toMatchObject({ ok: true, created: true });
      expect((await store.devices.list('ana')).map((d) => [d.id, d.kind])).toEqual([['a1', 'apns']]);
      expect(await store.devices.list('bob')).toMatchObject([{ id: 'f2', kind: 'fcm', token: 'fcm-token:1' }]);
      const conv = await group(['bob']);
      expect(await toNotify(conv.id, 'ana', now)).toMatchObject([{ id: 'f2', kind: 'fcm', token: 'fcm-token:1' }]);
    });

    it('removes only the owner’s device, forgets any, and finds the devices a message should notify', async () => {
      const conv = await group(['bob', 'cid']);
      await device({ id: 'a1', userId: 'ana', endpoint: 'https://push.example/a' });
      await device({ id: 'b1', userId: 'bob', endpoint: 'https://push.example/b' });
      await device({ id: 'c1', userId: 'cid', endpoint: 'https://push.example/c' });
      await store.inbox.updateSettings(
        { conversationId: conv.id, userId: 'cid', patch: { mutedUntil: now + 60_000 }, now },
        planSettings(5),
      );
      expect((await toNotify(conv.id, 'ana', now)).map((d) => d.id)).toEqual(['b1']);
      expect((await toNotify(conv.id, null, now)).map((d) => d.id).sort()).toEqual(['a1', 'b1']);
      // The mute has passed.
      expect((await toNotify(conv.id, 'ana', now + 60_000)).map((d) => d.id).sort()).toEqual(['b1', 'c1']);
      expect(await store.devices.remove('ana', 'b1')).toBe(false);
      expect(await store.devices.remove('bob', 'b1')).toBe(true);
      expect(await store.devices.forget('c1')).toBe(true);
      expect(await store.devices.forget('c1')).toBe(false);
      expect(await toNotify(conv.id, 'ana', now + 60_000)).toEqual([]);
    });
  });
}
