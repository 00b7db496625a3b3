import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planReactions, type ReactionChange } from '../messages/reactions.js';
import type { AppendInput, ContactInput, ContactOutcome, DeliveryRecord, Store } from '../store/types.js';

/** Creates a fresh, empty store (migrations not yet run) for each test. */
export type StoreFactory = () => Store | Promise<Store>;

/**
 * The behaviour every `Store` adapter must have. An adapter's test file is:
 *
 * ```ts
 * import { storeContract } from '@chat4all/relay-server/testing';
 * storeContract('postgres', () => new PostgresStore({ sql }));
 * ```
 */
export function storeContract(name: string, makeStore: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const now = 1_700_000_000_000;

    beforeEach(async () => {
      store = await makeStore();
      await store.migrate();
      for (const id of ['ana', 'bob', 'cid']) await store.users.upsert({ id, displayName: id.toUpperCase() }, now);
    });
    afterEach(async () => {
      await store.close();
    });

    const input = (over: Partial<AppendInput> & { conversationId: string }): AppendInput => ({
      id: randomUUID(),
      senderId: 'ana',
      kind: 'text',
      text: 'hello',
      metadata: {},
      attachment: null,
      content: null,
      replyTo: null,
      now,
      ...over,
    });
    const group = async (memberIds = ['bob']) =>
      store.conversations.createGroup({ id: randomUUID(), title: 'g', avatarUrl: null, metadata: {}, ownerId: 'ana', memberIds, now });

    it('migrates twice without harm and answers ping', async () => {
      await store.migrate();
      await expect(store.ping()).resolves.toBeUndefined();
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

    it('keeps one private conversation per pair, in either order', async () => {
      const first = await store.conversations.createPrivate({ id: randomUUID(), userIds: ['ana', 'bob'], now });
      const second = await store.conversations.createPrivate({ id: randomUUID(), userIds: ['bob', 'ana'], now });
      expect(first.created).toBe(true);
      expect(second).toEqual({ conversation: first.conversation, created: false });
      expect((await store.conversations.listMembers(first.conversation.id)).map((m) => m.userId).sort()).toEqual(['ana', 'bob']);
    });

    it('manages group members and roles, logging each change as an event', async () => {
      const conv = await group(['bob']);
      expect(await store.conversations.getMember(conv.id, 'ana')).toMatchObject({ role: 'owner', deliveredSeq: 0, readSeq: 0 });
      expect(await store.conversations.addMembers(conv.id, ['bob', 'cid'], 'admin', now)).toEqual([
        { member: expect.objectContaining({ userId: 'cid', role: 'admin' }), eventSeq: 1 },
      ]);
      expect(await store.conversations.setMemberRole(conv.id, 'cid', 'member', now)).toMatchObject({
        member: { userId: 'cid', role: 'member' },
        eventSeq: 2,
      });
      expect(await store.conversations.removeMember(conv.id, 'bob', now)).toBe(3);
      expect(await store.conversations.removeMember(conv.id, 'bob', now)).toBeNull();
      expect(await store.conversations.getMember(conv.id, 'bob')).toBeNull();
      expect(await store.conversations.setMemberRole(conv.id, 'bob', 'admin', now)).toBeNull();
      const updated = await store.conversations.update(conv.id, { title: 'renamed', metadata: { a: 1 } }, now);
      expect(updated).toMatchObject({ title: 'renamed', metadata: { a: 1 }, avatarUrl: null, lastEventSeq: 4 });
      expect(await store.conversations.update('missing', { title: 'x' }, now)).toBeNull();
      expect(await store.conversations.listEvents(conv.id, 0, 10)).toEqual([
        { eventSeq: 1, type: 'member.added', messageId: null, userId: 'cid' },
        { eventSeq: 2, type: 'member.updated', messageId: null, userId: 'cid' },
        { eventSeq: 3, type: 'member.removed', messageId: null, userId: 'bob' },
        { eventSeq: 4, type: 'conversation.updated', messageId: null, userId: null },
      ]);
      expect((await store.conversations.listEvents(conv.id, 2, 1)).map((e) => e.eventSeq)).toEqual([3]);
    });

    it('assigns per-conversation seq 1..n in one batch and across batches', async () => {
      const a = await group();
      const b = await group();
      const batch = [input({ conversationId: a.id }), input({ conversationId: b.id }), input({ conversationId: a.id })];
      const outcomes = await store.messages.append(batch);
      expect(outcomes.map((o) => (o.ok ? [o.message.conversationId, o.message.seq] : o.code))).toEqual([
        [a.id, 1],
        [b.id, 1],
        [a.id, 2],
      ]);
      const [next] = await store.messages.append([input({ conversationId: a.id })]);
      expect(next).toMatchObject({ ok: true, created: true, message: { seq: 3 } });
      expect((await store.conversations.get(a.id))?.lastSeq).toBe(3);
    });

    it('is idempotent on the message id, within a batch and forever after', async () => {
      const conv = await group();
      const first = input({ conversationId: conv.id });
      const [original] = await store.messages.append([first]);
      const retried = await store.messages.append([{ ...first, now: now + 5000, text: 'changed' }, { ...first }]);
      for (const outcome of retried) {
        expect(outcome).toEqual({ ok: true, created: false, message: original?.ok ? original.message : undefined });
      }
      const page = await store.messages.list(conv.id, { limit: 10 });
      expect(page.messages).toHaveLength(1);
    });

    it('stores every field of a batch exactly as given, whatever characters it holds', async () => {
      const conv = await group();
      const awkward = ['NULL', 'null', '', '"quoted", {braced}, back\\slash', 'line\nbreak\ttab', 'emoji 👋🏽 and ünïcödé', "it's"];
      const first = input({ conversationId: conv.id, text: 'first' });
      const batch = [
        first,
        ...awkward.map((text, i) =>
          input({ conversationId: conv.id, text, metadata: { text, n: i, nested: { list: [null, true, text] } }, replyTo: first.id }),
        ),
        input({ conversationId: conv.id, senderId: null, kind: 'system', text: 'NULL' }),
        input({
          conversationId: conv.id,
          kind: 'file',
          text: '',
          attachment: {
            uploadId: 'u1',
            name: 'a "b", {c}.txt',
            type: 'text/plain',
            size: 3,
            sha256: 'ab'.repeat(32),
            width: null,
            height: null,
          },
        }),
      ];
      const outcomes = await store.messages.append(batch);
      expect(outcomes.every((o) => o.ok && o.created)).toBe(true);
      const { messages } = await store.messages.list(conv.id, { after: 0, limit: 50 });
      expect(messages.map((m) => [m.id, m.seq, m.senderId, m.kind, m.text, m.metadata, m.attachment ?? null, m.replyTo ?? null])).toEqual(
        batch.map((b, i) => [b.id, i + 1, b.senderId, b.kind, b.text, b.metadata, b.attachment, b.replyTo]),
      );
    });

    it('refuses an id reused by another sender or conversation', async () => {
      const conv = await group(['bob']);
      const other = await group();
      const msg = input({ conversationId: conv.id });
      await store.messages.append([msg]);
      const outcomes = await store.messages.append([
        { ...msg, senderId: 'bob' },
        { ...msg, conversationId: other.id },
      ]);
      expect(outcomes).toEqual([
        { ok: false, code: 'MESSAGE_ID_CONFLICT' },
        { ok: false, code: 'MESSAGE_ID_CONFLICT' },
      ]);
    });

    it('answers a non-member, or a member removed since, who sends a stored id as any other non-member send', async () => {
      const conv = await group(['bob']);
      const sent = input({ conversationId: conv.id, senderId: 'bob' });
      await store.messages.append([sent]);
      expect(await store.messages.append([{ ...sent, senderId: 'cid' }])).toEqual([{ ok: false, code: 'CONVERSATION_NOT_FOUND' }]);
      await store.conversations.removeMember(conv.id, 'bob', Date.now());
      expect(await store.messages.append([sent])).toEqual([{ ok: false, code: 'CONVERSATION_NOT_FOUND' }]);
    });

    it('refuses non-members, unknown conversations and foreign reply targets without consuming a seq', async () => {
      const conv = await group(['bob']);
      const other = await group();
      const [foreign] = await store.messages.append([input({ conversationId: other.id })]);
      const outcomes = await store.messages.append([
        input({ conversationId: conv.id, senderId: 'cid' }),
        input({ conversationId: 'missing' }),
        input({ conversationId: conv.id, replyTo: foreign?.ok ? foreign.message.id : null }),
        input({ conversationId: conv.id, senderId: null, kind: 'system' }),
      ]);
      expect(outcomes.map((o) => (o.ok ? o.message.seq : o.code))).toEqual([
        'CONVERSATION_NOT_FOUND',
        'CONVERSATION_NOT_FOUND',
        'REPLY_TARGET_NOT_FOUND',
        1,
      ]);
    });

    it('pages history by seq in both directions', async () => {
      const conv = await group();
      await store.messages.append(Array.from({ length: 25 }, (_, i) => input({ conversationId: conv.id, text: `m${i + 1}` })));
      const latest = await store.messages.list(conv.id, { limit: 10 });
      expect(latest.messages.map((m) => m.seq)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
      expect(latest.hasMore).toBe(true);
      const older = await store.messages.list(conv.id, { before: 6, limit: 10 });
      expect(older).toMatchObject({ hasMore: false });
      expect(older.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
      const newer = await store.messages.list(conv.id, { after: 20, limit: 3 });
      expect(newer.messages.map((m) => m.text)).toEqual(['m21', 'm22', 'm23']);
      expect(newer.hasMore).toBe(true);
      expect((await store.messages.list(conv.id, { after: 25, limit: 3 })).messages).toEqual([]);
    });

    it('edits and tombstones messages, keeping the seq, with one event per change', async () => {
      const conv = await group();
      const [appended] = await store.messages.append([input({ conversationId: conv.id, metadata: { k: 'v' } })]);
      const id = appended?.ok ? appended.message.id : '';
      const edited = await store.messages.edit(conv.id, id, 'edited', now + 10);
      expect(edited).toMatchObject({ message: { text: 'edited', editedAt: new Date(now + 10).toISOString(), seq: 1 }, eventSeq: 1 });
      const deleted = await store.messages.delete(conv.id, id, now + 20);
      expect(deleted).toMatchObject({
        message: { text: '', metadata: {}, seq: 1, deletedAt: new Date(now + 20).toISOString() },
        eventSeq: 2,
      });
      expect(await store.messages.delete(conv.id, id, now + 30)).toEqual({ message: deleted?.message, eventSeq: null });
      expect(await store.messages.edit(conv.id, id, 'again', now + 40)).toEqual({ message: deleted?.message, eventSeq: null });
      expect(await store.messages.edit(conv.id, randomUUID(), 'x', now)).toBeNull();
      expect(await store.messages.delete(conv.id, randomUUID(), now)).toBeNull();
      expect(await store.messages.get('other', id)).toBeNull();
      expect(await store.messages.getMany(conv.id, [id, randomUUID()])).toEqual([deleted?.message]);
      expect((await store.conversations.listEvents(conv.id, 0, 10)).map((e) => [e.type, e.messageId])).toEqual([
        ['message.updated', id],
        ['message.deleted', id],
      ]);
      expect((await store.conversations.get(conv.id))?.lastEventSeq).toBe(2);
    });

    it('changes reactions by plan in one transaction, with an event per change, and drops them on delete', async () => {
      const conv = await group();
      const [appended] = await store.messages.append([input({ conversationId: conv.id })]);
      const id = appended?.ok ? appended.message.id : '';
      const limits = { perUser: 1, keysPerMessage: 2 };
      const react = (userId: string, change: ReactionChange, at = now) =>
        store.messages.react(conv.id, id, userId, (current) => planReactions(current, userId, change, limits, at), at);
      expect(await react('bob', { add: '👍' })).toMatchObject({
        ok: true,
        message: { reactions: [{ key: '👍', count: 1, userIds: ['bob'] }] },
        eventSeq: 1,
      });
      // Concurrent changes by two members are both kept.
      await Promise.all([react('ana', { add: '👍' }, now + 1), react('cid', { add: '🎉' }, now + 2)]);
      expect((await store.messages.get(conv.id, id))?.reactions).toEqual([
        { key: '👍', count: 2, userIds: ['bob', 'ana'] },
        { key: '🎉', count: 1, userIds: ['cid'] },
      ]);
      expect(await react('bob', { add: '👍' })).toMatchObject({ ok: true, eventSeq: null });
      expect(await react('bob', { add: '❤️' })).toEqual({ ok: false, code: 'TOO_MANY_REACTIONS' });
      // One per user: bob's new reaction replaces his first.
      await react('bob', { add: '🎉' }, now + 3);
      const [listed] = (await store.messages.list(conv.id, { limit: 10 })).messages;
      expect(listed?.reactions).toEqual([
        { key: '👍', count: 1, userIds: ['ana'] },
        { key: '🎉', count: 2, userIds: ['cid', 'bob'] },
      ]);
      expect(await store.messages.react(conv.id, randomUUID(), 'bob', () => null, now)).toBeNull();
      await store.messages.delete(conv.id, id, now + 4);
      expect(await react('ana', { remove: '👍' })).toMatchObject({ ok: true, message: { reactions: [] }, eventSeq: null });
      expect((await store.conversations.listEvents(conv.id, 0, 10)).map((e) => [e.type, e.userId])).toEqual([
        ['reaction.updated', 'bob'],
        ['reaction.updated', expect.any(String)],
        ['reaction.updated', expect.any(String)],
        ['reaction.updated', 'bob'],
        ['message.deleted', null],
      ]);
    });

    it('moves receipt horizons only forward, never past the last seq, read implying delivered', async () => {
      const conv = await group(['bob']);
      await store.messages.append(Array.from({ length: 5 }, () => input({ conversationId: conv.id })));
      const receipt = (kind: 'delivered' | 'read', seq: number, userId = 'bob') => ({ conversationId: conv.id, userId, kind, seq, now });
      const outcomes = await store.messages.applyReceipts([
        receipt('delivered', 3),
        receipt('delivered', 2),
        receipt('read', 2),
        receipt('read', 99),
        receipt('read', 1),
        receipt('read', 1, 'cid'),
      ]);
      expect(outcomes).toEqual([
        { ok: true, deliveredSeq: 3, readSeq: 0, eventSeq: 1 },
        { ok: true, deliveredSeq: 3, readSeq: 0, eventSeq: null },
        { ok: true, deliveredSeq: 3, readSeq: 2, eventSeq: 2 },
        { ok: true, deliveredSeq: 5, readSeq: 5, eventSeq: 3 },
        { ok: true, deliveredSeq: 5, readSeq: 5, eventSeq: null },
        { ok: false, code: 'CONVERSATION_NOT_FOUND' },
      ]);
      expect(await store.conversations.getMember(conv.id, 'bob')).toMatchObject({ deliveredSeq: 5, readSeq: 5 });
      expect((await store.conversations.listEvents(conv.id, 0, 10)).map((e) => [e.type, e.userId])).toEqual([
        ['receipt', 'bob'],
        ['receipt', 'bob'],
        ['receipt', 'bob'],
      ]);
      const [summary] = await store.conversations.list('bob', { limit: 1, after: null });
      expect(summary?.unreadCount).toBe(0);
    });

    it('reports each member’s resume position and who shares a conversation', async () => {
      const a = await group(['bob']);
      const b = await store.conversations.createPrivate({ id: randomUUID(), userIds: ['ana', 'cid'], now });
      await store.messages.append([input({ conversationId: a.id }), input({ conversationId: a.id })]);
      await store.messages.applyReceipts([{ conversationId: a.id, userId: 'bob', kind: 'read', seq: 1, now }]);
      const state = await store.conversations.syncState('ana');
      expect(state.sort((x, y) => x.conversationId.localeCompare(y.conversationId))).toEqual(
        [
          { conversationId: a.id, lastSeq: 2, lastEventSeq: 1 },
          { conversationId: b.conversation.id, lastSeq: 0, lastEventSeq: 0 },
        ].sort((x, y) => x.conversationId.localeCompare(y.conversationId)),
      );
      expect(await store.conversations.syncState('nobody')).toEqual([]);
      expect(await store.conversations.sharingConversation('bob', ['ana', 'cid', 'ghost'])).toEqual(new Set(['ana']));
      expect(await store.conversations.sharingConversation('ana', ['bob', 'cid'])).toEqual(new Set(['bob', 'cid']));
    });

    it('lists a member’s conversations by last activity with last message and unread count, paginated', async () => {
      const convs = [await group(['bob']), await group(['bob']), await group(['bob'])];
      const middle = convs[1]?.id as string;
      await store.messages.append([
        input({ conversationId: middle, senderId: 'ana', text: 'from ana', now: now + 100 }),
        input({ conversationId: middle, senderId: 'bob', text: 'from bob', now: now + 101 }),
      ]);
      const page1 = await store.conversations.list('bob', { limit: 2, after: null });
      expect(page1[0]).toMatchObject({
        id: middle,
        unreadCount: 1,
        memberCount: 2,
        role: 'member',
        lastMessage: { text: 'from bob', seq: 2 },
      });
      const last = page1[1];
      if (!last) throw new Error('expected two conversations');
      const page2 = await store.conversations.list('bob', {
        limit: 2,
        after: { lastActivityAt: Date.parse(last.lastActivityAt), id: last.id },
      });
      expect(page2).toHaveLength(1);
      const all = new Set([...page1, ...page2].map((c) => c.id));
      expect(all).toEqual(new Set(convs.map((c) => c.id)));
      expect(await store.conversations.list('cid', { limit: 10, after: null })).toEqual([]);
    });

    it('keeps uploads: owner, conversation, completion with checksum, one message, expiry', async () => {
      const conversation = await group();
      const record = {
        id: `up${randomUUID().replaceAll('-', '')}`,
        ownerId: 'ana',
        conversationId: conversation.id,
        name: 'photo.jpg',
        type: 'image/jpeg',
        size: 3 * 1024 ** 3,
        sha256: null,
        width: 640,
        height: 480,
        complete: false,
        messageId: null,
        createdAt: now,
        expiresAt: now + 1000,
      };
      await store.uploads.create(record);
      expect(await store.uploads.get(record.id)).toEqual(record);
      expect(await store.uploads.attach(record.id, randomUUID())).toBeNull();
      expect(await store.uploads.countOpen(record.ownerId)).toBe(1);
      const sha256 = 'a'.repeat(64);
      const complete = await store.uploads.complete(record.id, sha256, now + 5000);
      expect(await store.uploads.countOpen(record.ownerId)).toBe(0);
      expect(complete).toEqual({ ...record, complete: true, sha256, expiresAt: now + 5000 });
      expect(await store.uploads.expired(now + 4999, 10)).toEqual([]);
      expect(await store.uploads.expired(now + 5000, 10)).toEqual([record.id]);

      const messageId = randomUUID();
      expect(await store.uploads.attach(record.id, messageId)).toEqual({ ...complete, messageId, expiresAt: null });
      expect(await store.uploads.attach(record.id, messageId)).toMatchObject({ messageId });
      expect(await store.uploads.attach(record.id, randomUUID())).toBeNull();
      expect(await store.uploads.expired(now + 10_000, 10)).toEqual([]);

      const attachment = { uploadId: record.id, name: 'photo.jpg', type: 'image/jpeg', size: record.size, sha256, width: 640, height: 480 };
      const [sent] = await store.messages.append([
        input({ id: messageId, conversationId: conversation.id, kind: 'file', text: '', attachment }),
      ]);
      expect(sent).toMatchObject({ ok: true, message: { kind: 'file', text: '', attachment } });
      expect(await store.messages.get(conversation.id, messageId)).toMatchObject({ kind: 'file', attachment });
      const deleted = await store.messages.delete(conversation.id, messageId, now + 1);
      expect(deleted?.message.attachment).toBeNull();

      await store.uploads.delete(record.id);
      expect(await store.uploads.get(record.id)).toBeNull();
    });

    const whatsapp = { id: 'wa-main', type: 'whatsapp' } as const;
    const contactInput = (externalId: string, over: Partial<ContactInput> = {}): ContactInput => ({
      channel: whatsapp,
      externalId,
      displayName: 'Maria',
      username: null,
      inboundAt: now,
      newContactId: `contact:${randomUUID()}`,
      conversation: { id: randomUUID(), memberIds: ['ana', 'bob'], metadata: { channel: 'whatsapp' } },
      now,
      ...over,
    });

    it('creates a contact once per channel identity, with its conversation, even when asked concurrently', async () => {
      const outcomes = await Promise.all(
        [contactInput('5511999990000'), contactInput('5511999990000')].map((i) => store.contacts.ensure(i)),
      );
      expect(outcomes.filter((o) => o.created)).toHaveLength(1);
      const [first, second] = outcomes as [ContactOutcome, ContactOutcome];
      expect(second.contact.id).toBe(first.contact.id);
      expect(second.conversation.id).toBe(first.conversation.id);
      const { contact, conversation } = first;
      expect(contact).toMatchObject({
        displayName: 'Maria',
        conversationId: conversation.id,
        preferredChannelId: null,
        identities: [
          {
            channelId: 'wa-main',
            channel: 'whatsapp',
            externalId: '5511999990000',
            displayName: 'Maria',
            lastInboundAt: new Date(now).toISOString(),
          },
        ],
      });
      expect(conversation).toMatchObject({ type: 'group', title: 'Maria', metadata: { channel: 'whatsapp' } });
      expect((await store.conversations.listMembers(conversation.id)).map((m) => [m.userId, m.role])).toEqual([
        ['ana', 'owner'],
        ['bob', 'member'],
        [contact.id, 'member'],
      ]);
      // Later messages refresh the name and the last inbound time, and keep the contact.
      const again = await store.contacts.ensure(contactInput('5511999990000', { displayName: 'Maria S.', inboundAt: now + 5 }));
      expect(again).toMatchObject({ created: false, contact: { id: contact.id, identities: [{ displayName: 'Maria S.' }] } });
      expect(again.contact.identities[0]?.lastInboundAt).toBe(new Date(now + 5).toISOString());
      expect(await store.contacts.get(contact.id)).toEqual(again.contact);
      expect(await store.contacts.get('contact:nobody')).toBeNull();
      expect(await store.contacts.setPreferredChannel(contact.id, 'wa-main')).toBe(true);
      expect(await store.contacts.setPreferredChannel(contact.id, 'tg-other')).toBe(false);
      expect((await store.contacts.get(contact.id))?.preferredChannelId).toBe('wa-main');
      const other = await store.contacts.ensure(contactInput('5511888880000', { now: now + 10 }));
      expect((await store.contacts.list({ limit: 10, after: null })).map((c) => c.id)).toEqual([other.contact.id, contact.id]);
      expect((await store.contacts.list({ limit: 10, after: other.contact.id })).map((c) => c.id)).toEqual([contact.id]);
    });

    it('records a delivery per contact with each new message, and moves it with logged events', async () => {
      const { contact, conversation } = await store.contacts.ensure(contactInput('5511999990000'));
      const [toContact, fromContact, system] = await store.messages.append([
        input({ conversationId: conversation.id }),
        input({ conversationId: conversation.id, senderId: contact.id }),
        input({ conversationId: conversation.id, senderId: null, kind: 'system' }),
      ]);
      expect(toContact).toMatchObject({ ok: true, created: true, dispatch: true });
      expect(fromContact).toMatchObject({ ok: true, created: true });
      expect(fromContact?.ok && fromContact.dispatch).toBeFalsy();
      expect(system?.ok && system.dispatch).toBeFalsy();
      const messageId = toContact?.ok ? toContact.message.id : '';
      const retried = await store.messages.append([input({ id: messageId, conversationId: conversation.id })]);
      expect(retried[0]?.ok && retried[0].dispatch).toBeFalsy();

      const [delivery] = await store.deliveries.listForMessage(messageId);
      expect(delivery).toMatchObject({ messageId, contactId: contact.id, status: 'pending', attempts: 0, nextAttemptAt: now, dead: false });
      // Due now: one caller leases it, the next finds nothing until the lease runs out.
      const [claimed, none] = await Promise.all([store.deliveries.claimDue(now, 1000, 10), store.deliveries.claimDue(now, 1000, 10)]);
      expect([...(claimed ?? []), ...(none ?? [])].map((d) => d.id)).toEqual([delivery?.id]);
      expect(await store.deliveries.claimDue(now + 999, 1000, 10)).toEqual([]);
      expect((await store.deliveries.claimDue(now + 1000, 1000, 10)).map((d) => d.id)).toEqual([delivery?.id]);

      const id = delivery?.id as string;
      const before = await store.conversations.get(conversation.id);
      const sent = await store.deliveries.update(
        { id },
        () => ({
          status: 'sent',
          channelId: 'wa-main',
          channel: 'whatsapp',
          recipientId: '5511999990000',
          externalId: 'wamid.1',
          attempts: 1,
          nextAttemptAt: null,
          history: { status: 'sent', at: now + 1 },
        }),
        now + 1,
      );
      expect(sent?.eventSeq).toBe((before?.lastEventSeq ?? 0) + 1);
      expect(sent?.delivery).toMatchObject({ status: 'sent', externalId: 'wamid.1', history: [{ status: 'sent', at: now + 1 }] });
      expect(await store.deliveries.get({ channelId: 'wa-main', externalId: 'wamid.1' })).toEqual(sent?.delivery);
      expect(await store.conversations.listEvents(conversation.id, before?.lastEventSeq ?? 0, 10)).toEqual([
        { eventSeq: sent?.eventSeq, type: 'delivery.updated', messageId, userId: contact.id },
      ]);
      // A lease change alone is not an event; declining changes nothing.
      expect((await store.deliveries.update({ id }, () => ({ nextAttemptAt: now + 50 }), now + 2))?.eventSeq).toBeNull();
      expect(await store.deliveries.update({ id }, () => null, now + 3)).toBeNull();
      expect(await store.deliveries.update({ id: 'missing' }, () => ({ status: 'read' }), now + 3)).toBeNull();
      expect(await store.deliveries.get({ channelId: 'wa-main', externalId: 'wamid.none' })).toBeNull();
      expect((await store.deliveries.listTo('wa-main', '5511999990000', now, 'read', 10)).map((d) => d.id)).toEqual([id]);
      expect((await store.deliveries.listTo('wa-main', '5511999990000', now, 'delivered', 10)).map((d) => d.id)).toEqual([id]);
      expect(await store.deliveries.listTo('wa-main', '5511999990000', now - 1, 'read', 10)).toEqual([]);
      expect(await store.deliveries.listTo('wa-main', 'someone-else', now, 'read', 10)).toEqual([]);
      await store.deliveries.update({ id }, () => ({ status: 'delivered' }), now + 4);
      expect(await store.deliveries.listTo('wa-main', '5511999990000', now, 'delivered', 10)).toEqual([]);
      expect(await store.deliveries.listTo('wa-main', '5511999990000', now, 'read', 10)).toHaveLength(1);
    });

    it('makes only the first pending delivery to a contact in a conversation due, so they go out in order', async () => {
      const { conversation } = await store.contacts.ensure(contactInput('5511999990000'));
      const sends = await store.messages.append([1, 2].map((n) => input({ conversationId: conversation.id, now: now + n })));
      const [first, second] = await Promise.all(
        sends.map(async (o) => (await store.deliveries.listForMessage(o.ok ? o.message.id : ''))[0] as DeliveryRecord),
      );
      expect([first?.seq, second?.seq]).toEqual([1, 2]);
      expect((await store.deliveries.claimDue(now + 10, 1000, 10)).map((d) => d.id)).toEqual([first?.id]);
      // Waiting for a retry still holds the next one back; once the first is sent, the next is due.
      expect(await store.deliveries.claimDue(now + 5000, 1000, 10)).toHaveLength(1);
      await store.deliveries.update({ id: first?.id as string }, () => ({ status: 'sent', nextAttemptAt: null }), now + 6000);
      expect((await store.deliveries.claimDue(now + 6000, 1000, 10)).map((d) => d.id)).toEqual([second?.id]);
    });

    it('keeps statuses that came before their send was recorded, hands them out once, forgets old ones', async () => {
      await store.deliveries.keepEarlyStatus(
        { channelId: 'wa-main', externalId: 'wamid.9', status: 'read', at: now + 2, error: null },
        now - 1000,
      );
      await store.deliveries.keepEarlyStatus(
        { channelId: 'wa-main', externalId: 'wamid.9', status: 'delivered', at: now + 1, error: null },
        now - 1000,
      );
      await store.deliveries.keepEarlyStatus(
        { channelId: 'wa-main', externalId: 'wamid.old', status: 'delivered', at: now - 5000, error: null },
        now - 1000,
      );
      const failed = { code: 'UNAVAILABLE', platformCode: '131000', message: 'x' };
      await store.deliveries.keepEarlyStatus(
        { channelId: 'wa-main', externalId: 'wamid.8', status: 'failed', at: now, error: failed },
        now - 1000,
      );
      expect(await store.deliveries.takeEarlyStatuses('wa-main', 'wamid.9')).toEqual([
        { status: 'delivered', at: now + 1, error: null },
        { status: 'read', at: now + 2, error: null },
      ]);
      expect(await store.deliveries.takeEarlyStatuses('wa-main', 'wamid.9')).toEqual([]);
      expect(await store.deliveries.takeEarlyStatuses('wa-main', 'wamid.8')).toEqual([{ status: 'failed', at: now, error: failed }]);
      // Kept before `forgetBefore` of a later keep: forgotten.
      await store.deliveries.keepEarlyStatus(
        { channelId: 'wa-main', externalId: 'wamid.7', status: 'sent', at: now, error: null },
        now - 1000,
      );
      expect(await store.deliveries.takeEarlyStatuses('wa-main', 'wamid.old')).toEqual([]);
    });

    it('keeps dead letters apart, listed oldest first and counted', async () => {
      const { conversation } = await store.contacts.ensure(contactInput('5511999990000'));
      const sends = await store.messages.append([1, 2, 3].map((n) => input({ conversationId: conversation.id, now: now + n })));
      const ids: string[] = [];
      for (const outcome of sends) {
        const [delivery] = await store.deliveries.listForMessage(outcome.ok ? outcome.message.id : '');
        ids.push(delivery?.id as string);
      }
      for (const id of [ids[2], ids[0]] as string[])
        await store.deliveries.update({ id }, () => ({ channelId: 'wa-main', status: 'failed', dead: true, nextAttemptAt: null }), now + 5);
      expect(await store.deliveries.countDeadLetters()).toBe(2);
      expect((await store.deliveries.listDeadLetters({ limit: 10, after: null })).map((d) => d.id)).toEqual([ids[0], ids[2]]);
      expect((await store.deliveries.listDeadLetters({ limit: 10, after: ids[0] as string })).map((d) => d.id)).toEqual([ids[2]]);
      expect(await store.deliveries.listDeadLetters({ limit: 10, after: null, channelId: 'tg' })).toEqual([]);
      expect(await store.deliveries.claimDue(now + 10, 1000, 10)).toHaveLength(1);
    });

    it('holds a channel account once, and on resume makes its waiting deliveries due; keeps a delivery’s parts', async () => {
      const { conversation } = await store.contacts.ensure(contactInput('5511999990001'));
      const [sent] = await store.messages.append([input({ conversationId: conversation.id, now })]);
      const [delivery] = await store.deliveries.listForMessage(sent?.ok ? sent.message.id : '');
      const id = delivery?.id as string;
      await store.deliveries.update(
        { id },
        () => ({ channelId: 'wa-main', nextAttemptAt: now + 3_600_000, parts: ['wamid.1'], history: { status: 'held', at: now } }),
        now,
      );
      expect((await store.deliveries.get({ id }))?.parts).toEqual(['wamid.1']);
      const hold = { channelId: 'wa-main', code: 'UNAUTHORIZED', platformCode: '190', message: 'Session has expired', since: now };
      expect(await store.deliveries.setHold('wa-main', hold, now)).toBe(true);
      expect(await store.deliveries.setHold('wa-main', { ...hold, since: now + 1 }, now + 1)).toBe(false);
      expect(await store.deliveries.listHolds()).toEqual([hold]);
      expect(await store.deliveries.claimDue(now + 10, 1000, 10)).toEqual([]);
      expect(await store.deliveries.setHold('wa-main', null, now + 20)).toBe(true);
      expect(await store.deliveries.listHolds()).toEqual([]);
      expect((await store.deliveries.claimDue(now + 20, 1000, 10)).map((d) => d.id)).toEqual([id]);
      expect(await store.deliveries.setHold('wa-main', null, now + 30)).toBe(false);
    });

    it('finds a delivery by any of its parts’ ids, keeping a status per part', async () => {
      const { conversation } = await store.contacts.ensure(contactInput('5511999990002'));
      const [sent] = await store.messages.append([input({ conversationId: conversation.id, now })]);
      const [delivery] = await store.deliveries.listForMessage(sent?.ok ? sent.message.id : '');
      const id = delivery?.id as string;
      await store.deliveries.update({ id }, () => ({ channelId: 'wa-main', parts: ['wamid.p1'] }), now);
      expect(await store.deliveries.get({ channelId: 'wa-main', externalId: 'wamid.p1' })).toBeNull();
      const updated = await store.deliveries.update(
        { id },
        () => ({ status: 'sent', externalId: 'wamid.p1', parts: ['wamid.p1', 'wamid.p2', 'wamid.p3'] }),
        now + 1,
      );
      expect(updated?.delivery).toMatchObject({ parts: ['wamid.p1', 'wamid.p2', 'wamid.p3'], partStatuses: ['sent', 'sent', 'sent'] });
      expect((await store.deliveries.get({ channelId: 'wa-main', externalId: 'wamid.p2' }))?.id).toBe(id);
      expect((await store.deliveries.get({ channelId: 'wa-main', externalId: 'wamid.p3' }))?.id).toBe(id);
      expect(await store.deliveries.get({ channelId: 'other', externalId: 'wamid.p2' })).toBeNull();
      const read = await store.deliveries.update(
        { channelId: 'wa-main', externalId: 'wamid.p3' },
        () => ({ partStatuses: ['sent', 'sent', 'read'] }),
        now + 2,
      );
      expect(read).toMatchObject({ delivery: { status: 'sent', partStatuses: ['sent', 'sent', 'read'] }, eventSeq: expect.any(Number) });
    });

    it('moves an identity to the platform’s new id, unless that id is already someone’s', async () => {
      const first = await store.contacts.ensure(contactInput('-4001'));
      await store.contacts.ensure(contactInput('-5001'));
      expect(await store.contacts.moveIdentity('wa-main', '-4001', '-5001')).toBe(false);
      expect(await store.contacts.moveIdentity('wa-main', '-4001', '-1004001')).toBe(true);
      expect(await store.contacts.moveIdentity('wa-main', '-4001', '-1004002')).toBe(false);
      const contact = await store.contacts.get(first.contact.id);
      expect(contact?.identities.map((i) => i.externalId)).toEqual(['-1004001']);
      expect((await store.contacts.find('wa-main', '-1004001'))?.id).toBe(first.contact.id);
      expect(await store.contacts.find('wa-main', '-4001')).toBeNull();
      const again = await store.contacts.ensure(contactInput('-1004001'));
      expect(again).toMatchObject({ created: false, contact: { id: first.contact.id } });
    });

    it('moves a contact’s messages to a conversation it is a member of, and only then', async () => {
      const maria = await store.contacts.ensure(contactInput('5511900000001'));
      const lia = await store.contacts.ensure(contactInput('5511900000002'));
      const target = maria.conversation.id;
      expect(await store.contacts.setConversation(lia.contact.id, target)).toBe(false);
      await store.conversations.addMembers(target, [lia.contact.id], 'member', now);
      expect(await store.contacts.setConversation(lia.contact.id, target)).toBe(true);
      expect((await store.contacts.get(lia.contact.id))?.conversationId).toBe(target);
      expect(await store.contacts.setConversation('contact:nobody', target)).toBe(false);
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
