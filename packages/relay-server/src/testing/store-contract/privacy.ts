import { beforeEach, describe, expect, it } from 'vitest';
import { appendPlan } from '../../messages/append-plan.js';
import type { Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** A person's data: what every adapter's `store.privacy` must do. */
export function privacyContract(fixture: StoreFixture): void {
  describe('privacy', () => {
    const { group, now, input, contactInput } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });

    it('gives each waiting export to one claimer, takes back one whose lease lapsed, and lists those past their expiry', async () => {
      await store.privacy.createExport('e1', 'ana', now);
      await store.privacy.createExport('e2', 'bob', now + 1);
      const claims = await Promise.all([store.privacy.claimExport(now, 1000), store.privacy.claimExport(now, 1000)]);
      expect(claims.map((c) => c?.id).sort()).toEqual(['e1', 'e2']);
      expect(claims.every((c) => c?.status === 'building' && c.attempts === 1)).toBe(true);
      expect(await store.privacy.claimExport(now + 999, 1000)).toBeNull();
      // Both builders die, e1's after renewing its lease: each is taken again once its own lease lapsed, one attempt more.
      await store.privacy.renewExport('e1', now + 1500);
      expect(await store.privacy.claimExport(now + 1001, 1000)).toMatchObject({ id: 'e2', attempts: 2 });
      expect(await store.privacy.claimExport(now + 1001, 1000)).toBeNull();
      expect(await store.privacy.claimExport(now + 1501, 1000)).toMatchObject({ id: 'e1', attempts: 2 });
      expect(await store.privacy.finishExport('e1', 123, now + 2000, now + 10_000)).toBe(true);
      await store.privacy.failExport('e2', 'broken');
      expect(await store.privacy.getExport('e1')).toMatchObject({
        status: 'ready',
        size: 123,
        readyAt: now + 2000,
        expiresAt: now + 10_000,
      });
      expect(await store.privacy.getExport('e2')).toMatchObject({ status: 'failed', error: 'broken' });
      expect(await store.privacy.claimExport(now + 100_000, 1000)).toBeNull();
      expect(await store.privacy.expiredExports(now + 10_000, 10)).toEqual([]);
      expect(await store.privacy.expiredExports(now + 10_001, 10)).toEqual(['e1']);
      expect(await store.privacy.exportsOf('ana')).toEqual(['e1']);
      await store.privacy.deleteExport('e1');
      expect(await store.privacy.getExport('e1')).toBeNull();
      // An export deleted while it was built (its user erased) is not brought back by its builder.
      expect(await store.privacy.finishExport('e1', 123, now + 3000, now + 10_000)).toBe(false);
      expect(await store.privacy.getExport('e1')).toBeNull();
    });

    it('finds what a user sent and owns, and the files of messages; anonymises a user’s messages in batches', async () => {
      const conversation = await group(['bob']);
      const ids = ['m1', 'm2', 'm3'];
      await store.messages.append(
        ids.map((id) => input({ id, conversationId: conversation.id })),
        appendPlan,
      );
      await store.messages.append([input({ id: 'b1', conversationId: conversation.id, senderId: 'bob' })], appendPlan);
      const first = await store.privacy.messagesBySender('ana', null, 2);
      expect(first.map((m) => m.id)).toEqual(['m1', 'm2']);
      expect((await store.privacy.messagesBySender('ana', 'm2', 2)).map((m) => m.id)).toEqual(['m3']);
      const upload = {
        id: 'f'.repeat(32),
        ownerId: 'ana',
        conversationId: conversation.id,
        name: 'a.txt',
        type: 'text/plain',
        size: 1,
        sha256: null,
        width: null,
        height: null,
        thumbnail: null,
        complete: false,
        messageId: null,
        createdAt: now,
        expiresAt: now + 1000,
      };
      await store.uploads.create(upload);
      await store.uploads.complete(upload.id, 'a'.repeat(64), now + 1000);
      await store.uploads.attach(upload.id, 'm2');
      expect((await store.privacy.uploadsByOwner('ana', null, 10)).map((u) => u.id)).toEqual([upload.id]);
      expect(await store.privacy.uploadsByOwner('bob', null, 10)).toEqual([]);
      expect(await store.privacy.uploadsOfMessages(['m1', 'm2'])).toEqual([upload.id]);
      expect(await store.privacy.uploadsOfMessages([])).toEqual([]);
      expect(await store.privacy.memberships('bob')).toEqual([
        { conversationId: conversation.id, type: 'group', title: conversation.title, role: 'member', joinedAt: expect.any(Number) },
      ]);
      expect(await store.privacy.anonymiseMessages('ana', 2)).toBe(2);
      expect(await store.privacy.anonymiseMessages('ana', 2)).toBe(1);
      expect(await store.privacy.messagesBySender('ana', null, 10)).toEqual([]);
      expect((await store.messages.get(conversation.id, 'm1'))?.senderId).toBeNull();
      expect((await store.messages.get(conversation.id, 'b1'))?.senderId).toBe('bob');
    });

    it('forgets who a user or contact is: profile blank, login gone, refresh tokens revoked, devices and identities removed', async () => {
      await store.users.upsert(
        { id: 'ana', displayName: 'Ana', avatarUrl: 'https://a.example/a.png', metadata: { a: 1 }, privateMetadata: { p: 1 } },
        now,
      );
      await store.users.createAccount({ userId: 'eve', username: 'eve', passwordHash: 'h', displayName: 'Eve' }, now);
      await store.users.insertRefreshToken({ tokenHash: 't1', familyId: 'f1', userId: 'eve', expiresAt: now + 1000 });
      await store.users.insertRefreshToken({ tokenHash: 't2', familyId: 'f2', userId: 'eve', expiresAt: now + 1000 });
      await store.devices.register({ id: 'd1', userId: 'eve', endpoint: 'https://push.example/e', p256dh: 'k', auth: 's', now, max: 5 });
      expect((await store.privacy.eraseIdentity('eve', now)).sort()).toEqual(['f1', 'f2']);
      expect(await store.users.getAccount('eve')).toBeNull();
      expect(await store.users.refreshFamilyRevoked('f1')).toBe(true);
      expect(await store.devices.list('eve')).toEqual([]);
      expect(await store.users.get('eve')).toMatchObject({ id: 'eve', displayName: null });
      expect(await store.privacy.eraseIdentity('eve', now)).toEqual([]);
      await store.privacy.eraseIdentity('ana', now);
      expect(await store.users.get('ana')).toMatchObject({ displayName: null, avatarUrl: null, metadata: {} });
      expect(await store.users.privateMetadata('ana')).toEqual({});

      const { contact } = await store.contacts.ensure(contactInput('5511999990000'));
      await store.privacy.eraseIdentity(contact.id, now);
      expect(await store.contacts.find('wa-main', '5511999990000')).toBeNull();
      expect(JSON.stringify(await store.contacts.get(contact.id))).not.toContain('5511999990000');
    });

    it('holds the sweep for one holder at a time, keeps its cursor, and walks conversations and their old live messages', async () => {
      expect(await store.privacy.claimSweep('s', 'a', now, 1000)).toEqual({ cursor: null });
      expect(await store.privacy.claimSweep('s', 'b', now + 999, 1000)).toBeNull();
      expect(await store.privacy.saveSweep('s', 'b', 'x', now + 2000)).toBe(false);
      expect(await store.privacy.saveSweep('s', 'a', 'c1', now + 2000)).toBe(true);
      expect(await store.privacy.claimSweep('s', 'a', now + 1500, 1000)).toEqual({ cursor: 'c1' });
      expect(await store.privacy.claimSweep('s', 'b', now + 2501, 1000)).toEqual({ cursor: 'c1' });
      expect(await store.privacy.saveSweep('s', 'a', null, 0)).toBe(false);

      const [one, two] = [await group(), await group()].sort((x, y) => (x.id < y.id ? -1 : 1)) as [
        Awaited<ReturnType<typeof group>>,
        Awaited<ReturnType<typeof group>>,
      ];
      expect((await store.privacy.retentionTargets(null, 10)).map((t) => t.id)).toEqual([one.id, two.id]);
      expect(await store.privacy.setRetention(two.id, 7)).toBe(true);
      expect(await store.privacy.setRetention('nope', 7)).toBe(false);
      expect(await store.privacy.retentionTargets(one.id, 10)).toEqual([{ id: two.id, retentionDays: 7 }]);
      expect(await store.privacy.getRetention(one.id)).toBeNull();
      expect(await store.privacy.getRetention('nope')).toBeUndefined();
      await store.messages.append(
        [
          input({ id: 'old1', conversationId: one.id, now: now - 3000 }),
          input({ id: 'old2', conversationId: one.id, now: now - 2000 }),
          input({ id: 'new', conversationId: one.id, now }),
        ],
        appendPlan,
      );
      await store.messages.delete(one.id, 'old1', now);
      expect((await store.privacy.expiredMessages(one.id, now, 10)).map((m) => m.id)).toEqual(['old2']);
      expect((await store.privacy.expiredMessages(one.id, now + 1, 1)).map((m) => m.id)).toEqual(['old2']);
    });
  });
}
