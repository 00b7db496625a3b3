import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** Users, logins and refresh tokens: what every adapter's `store.users` must do. */
export function usersContract(fixture: StoreFixture): void {
  describe('users', () => {
    const { now } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });

    it('upserts users, keeping fields that are not given', async () => {
      const updated = await store.users.upsert({ id: 'ana', avatarUrl: 'https://a/b.png' }, now + 1);
      expect(updated).toMatchObject({ id: 'ana', displayName: 'ANA', avatarUrl: 'https://a/b.png' });
      expect(await store.users.ensure('ana', 'other', now)).toBe(false);
      expect(await store.users.ensure('dan', 'Dan', now)).toBe(true);
      expect((await store.users.get('dan'))?.displayName).toBe('Dan');
      expect(await store.users.get('nobody')).toBeNull();
      expect(await store.users.existingIds(['ana', 'zed', 'bob'])).toEqual(new Set(['ana', 'bob']));
    });

    it('finds app users by the start of their display name, a word of it, or their id, by name, a page at a time', async () => {
      const { contactInput } = fixture;
      await store.users.upsert({ id: 'u-dora', displayName: 'Dora Maria' }, now);
      await store.users.upsert({ id: 'ed_1', displayName: null }, now);
      await store.users.upsert({ id: 'edx1', displayName: null }, now);
      // A contact is a member of conversations, not someone in the app's directory.
      await store.contacts.ensure(contactInput('5511999990000', { displayName: 'Maria Contact' }));
      const ids = async (prefix: string) => (await store.users.directory(prefix, null, 10)).users.map((u) => u.id);
      expect(await ids('do')).toEqual(['u-dora']);
      expect(await ids('DORA M')).toEqual(['u-dora']);
      expect(await ids('ma')).toEqual(['u-dora']);
      expect(await ids('u-d')).toEqual(['u-dora']);
      // `_` and `%` are matched as written.
      expect(await ids('ed_')).toEqual(['ed_1']);
      expect(await ids('%')).toEqual([]);
      expect(await ids('zz')).toEqual([]);
      const pages: string[][] = [];
      let after = null;
      do {
        const page: Awaited<ReturnType<Store['users']['directory']>> = await store.users.directory('', after, 2);
        pages.push(page.users.map((u) => u.id));
        after = page.next;
      } while (after);
      // By display name, else id, lower-cased: ana, bob, cid, dora maria, ed_1, edx1.
      expect(pages.flat()).toEqual(['ana', 'bob', 'cid', 'u-dora', 'ed_1', 'edx1']);
      expect(pages[0]).toEqual(['ana', 'bob']);
      // A name written with a letter outside ASCII is found as written; an erased user is no longer listed.
      await store.users.upsert({ id: 'u-elodie', displayName: 'Élodie' }, now);
      expect(await ids('Élo')).toEqual(['u-elodie']);
      await store.privacy.eraseIdentity('u-dora', now + 1);
      expect(await ids('u-d')).toEqual([]);
      expect((await store.users.directory('', null, 50)).users.map((u) => u.id)).not.toContain('u-dora');
    });

    it('keeps private metadata apart from the user others read', async () => {
      const user = await store.users.upsert({ id: 'ana', metadata: { team: 'sales' }, privateMetadata: { crmId: 42 } }, now + 2);
      expect(user).not.toHaveProperty('privateMetadata');
      expect(await store.users.get('ana')).toMatchObject({ metadata: { team: 'sales' } });
      expect(await store.users.privateMetadata('ana')).toEqual({ crmId: 42 });
      await store.users.upsert({ id: 'ana', displayName: 'Ana' }, now + 3);
      expect(await store.users.privateMetadata('ana')).toEqual({ crmId: 42 });
      expect(await store.users.privateMetadata('bob')).toEqual({});
      expect(await store.users.privateMetadata('nobody')).toBeNull();
    });

    it('creates accounts with unique usernames, case-insensitively', async () => {
      const user = await store.users.createAccount({ userId: 'u1', username: 'Eve', passwordHash: 'h', displayName: 'Eve' }, now);
      expect(user).toMatchObject({ id: 'u1', displayName: 'Eve' });
      expect(await store.users.createAccount({ userId: 'u2', username: 'eve', passwordHash: 'h', displayName: null }, now)).toBe(false);
      expect(await store.users.getAccount('EVE')).toEqual({ userId: 'u1', passwordHash: 'h' });
      expect(await store.users.get('u2')).toBeNull();
    });

    it('rotates refresh tokens and revokes the family on reuse', async () => {
      await store.users.insertRefreshToken({ tokenHash: 't1', familyId: 'f', userId: 'ana', expiresAt: now + 1000 });
      expect(await store.users.rotateRefreshToken('t1', { tokenHash: 't2', expiresAt: now + 1000 }, now)).toEqual({
        ok: true,
        userId: 'ana',
        familyId: 'f',
      });
      expect(await store.users.refreshFamilyRevoked('f')).toBe(false);
      expect(await store.users.rotateRefreshToken('t1', { tokenHash: 't3', expiresAt: now + 1000 }, now)).toEqual({
        ok: false,
        reason: 'reused',
        userId: 'ana',
        familyId: 'f',
      });
      expect(await store.users.refreshFamilyRevoked('f')).toBe(true);
      // t2 was valid, but the reuse of t1 revoked its family.
      expect(await store.users.rotateRefreshToken('t2', { tokenHash: 't4', expiresAt: now + 1000 }, now)).toEqual({
        ok: false,
        reason: 'invalid',
      });
      expect(await store.users.rotateRefreshToken('nope', { tokenHash: 't5', expiresAt: now + 1000 }, now)).toEqual({
        ok: false,
        reason: 'invalid',
      });
      await store.users.insertRefreshToken({ tokenHash: 'old', familyId: 'g', userId: 'ana', expiresAt: now - 1 });
      expect(await store.users.rotateRefreshToken('old', { tokenHash: 't6', expiresAt: now + 1000 }, now)).toEqual({
        ok: false,
        reason: 'invalid',
      });
      await store.users.insertRefreshToken({ tokenHash: 'h1', familyId: 'h', userId: 'ana', expiresAt: now + 1000 });
      expect(await store.users.revokeRefreshFamily('h1')).toEqual({ userId: 'ana', familyId: 'h' });
      expect(await store.users.refreshFamilyRevoked('h')).toBe(true);
      expect(await store.users.revokeRefreshFamily('unknown')).toBeNull();
      expect(await store.users.refreshFamilyRevoked('unknown')).toBe(false);
      expect(await store.users.rotateRefreshToken('h1', { tokenHash: 'h2', expiresAt: now + 1000 }, now)).toEqual({
        ok: false,
        reason: 'invalid',
      });
    });
  });
}
