import type { RelayConfigInput } from '@chat4all/relay-server';
import { afterEach, describe, expect, it } from 'vitest';
import { client, startRelay, until, userToken } from './relay.js';

describe('conversations and messages through the client', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  /** A relay with two connected clients, closed after the test. */
  const ownerAndAmy = async (config?: RelayConfigInput) => {
    const relay = await startRelay(config ? { config } : {});
    cleanup.push(relay.remove, relay.close);
    const owner = client(relay.url, await userToken(relay.url, 'owner'));
    const amy = client(relay.url, await userToken(relay.url, 'amy'));
    cleanup.push(
      () => owner.close(),
      () => amy.close(),
    );
    await Promise.all([owner.connect(), amy.connect()]);
    return { relay, owner, amy };
  };

  it('creates a group, manages members, edits, deletes and replies, and the other members see each change', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    const tokens = {
      owner: await userToken(relay.url, 'owner'),
      amy: await userToken(relay.url, 'amy'),
      cal: await userToken(relay.url, 'cal'),
    };
    const owner = client(relay.url, tokens.owner);
    const amy = client(relay.url, tokens.amy);
    cleanup.push(
      () => owner.close(),
      () => amy.close(),
    );
    await Promise.all([owner.connect(), amy.connect()]);

    const group = await owner.createGroup({ title: 'Team', memberIds: ['amy'] });
    expect(group.members.map((m) => m.userId).sort()).toEqual(['amy', 'owner']);
    expect((await owner.addMembers(group.id, ['cal'])).map((m) => m.userId).sort()).toEqual(['amy', 'cal', 'owner']);
    await owner.removeMember(group.id, 'cal');
    expect((await owner.members(group.id)).map((m) => m.userId).sort()).toEqual(['amy', 'owner']);

    const amyView = amy.messages(group.id);
    const first = await owner.send(group.id, 'helo');
    await until(amyView, (messages) => messages.some((m) => m.text === 'helo'));
    await until(owner.outbox, (entries) => entries.length === 0);
    await owner.edit(group.id, first.id, 'hello');
    await until(amyView, (messages) => messages.some((m) => m.text === 'hello' && m.editedAt !== null));
    await amy.send(group.id, 'hi!', { replyTo: first.id });
    await until(amyView, (messages) => messages.some((m) => m.replyTo === first.id && m.seq !== null));
    await owner.delete(group.id, first.id);
    const after = await until(amyView, (messages) => messages.some((m) => m.id === first.id && m.deletedAt !== null));
    expect(after.map((m) => [m.seq, m.text])).toEqual([
      [1, ''],
      [2, 'hi!'],
    ]);
    expect(
      owner
        .messages(group.id)
        .getSnapshot()
        .map((m) => [m.seq, m.text]),
    ).toEqual([
      [1, ''],
      [2, 'hi!'],
    ]);
  });

  it('resolves and assigns a conversation as an agent would: the other member’s list follows, and the filters narrow a page', async () => {
    const { owner, amy } = await ownerAndAmy();
    const group = await owner.createGroup({ title: 'Ticket 42', memberIds: ['amy'] });
    const other = await owner.createGroup({ title: 'Ticket 43', memberIds: ['amy'] });
    await until(amy.conversations, (list) => list.length === 2);

    // Amy is a plain member: she may still take the ticket and resolve it.
    expect(await amy.updateConversation(group.id, { assigneeId: 'amy', status: 'resolved' })).toMatchObject({
      id: group.id,
      assigneeId: 'amy',
      status: 'resolved',
    });
    await until(owner.conversations, (list) => list.some((c) => c.id === group.id && c.status === 'resolved' && c.assigneeId === 'amy'));
    const titles = async (filters: Parameters<typeof owner.listConversations>[1]) =>
      (await owner.listConversations(undefined, filters)).conversations.map((c) => c.title);
    expect(await titles({ status: 'resolved' })).toEqual(['Ticket 42']);
    expect(await titles({ status: 'open', assigned: false })).toEqual(['Ticket 43']);
    expect(await titles({ assigneeId: 'amy' })).toEqual(['Ticket 42']);
    // Amy may not rename it: that stays the owner's.
    await expect(amy.updateConversation(other.id, { title: 'Mine' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(amy.updateConversation(other.id, { assigneeId: 'nobody' })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it('keeps a filtered view live: a page at a time, a conversation that stops matching leaves, one that starts matching joins', async () => {
    const { owner, amy } = await ownerAndAmy();
    const ids: string[] = [];
    for (const title of ['T1', 'T2', 'T3']) ids.push((await owner.createGroup({ title, memberIds: ['amy'] })).id);
    const [t1, t2, t3] = ids as [string, string, string];
    const open = owner.conversationQuery({ status: 'open' }, 2);
    const titles = () => open.state.getSnapshot().conversations.map((c) => c.title);
    await until(open.state, (state) => !state.loading);
    // Newest first, two at a time.
    expect(titles()).toEqual(['T3', 'T2']);
    expect(open.state.getSnapshot().hasMore).toBe(true);
    await open.loadMore();
    expect(titles()).toEqual(['T3', 'T2', 'T1']);
    expect(open.state.getSnapshot().hasMore).toBe(false);
    // Amy resolves T2: it leaves the owner's open view; a view of the resolved ones gets it.
    const resolved = owner.conversationQuery({ status: 'resolved' });
    await until(resolved.state, (state) => !state.loading);
    await amy.updateConversation(t2, { status: 'resolved' });
    await until(open.state, (state) => state.conversations.every((c) => c.id !== t2));
    await until(resolved.state, (state) => state.conversations.some((c) => c.id === t2));
    // A message in T1 moves it up; T2 opened again comes back.
    await amy.send(t1, 'news');
    await until(open.state, (state) => state.conversations[0]?.id === t1);
    await amy.updateConversation(t2, { status: 'open' });
    await until(open.state, (state) => state.conversations.map((c) => c.id).join() === [t1, t3, t2].join());
    await until(resolved.state, (state) => state.conversations.length === 0);
    // Closed: it no longer follows.
    open.close();
    await amy.updateConversation(t3, { status: 'pending' });
    await until(owner.conversations, (list) => list.some((c) => c.id === t3 && c.status === 'pending'));
    expect(open.state.getSnapshot().conversations.map((c) => c.id)).toEqual([t1, t3, t2]);
    resolved.close();
  });

  it('reacts and takes reactions back, each member seeing who reacted and whether they did', async () => {
    const { relay, owner, amy } = await ownerAndAmy({ limits: { reactionsPerUserPerMessage: 2 } });
    const group = await owner.createGroup({ title: 'Team', memberIds: ['amy'] });
    const sent = await owner.send(group.id, 'ship it?');
    await until(owner.outbox, (entries) => entries.length === 0);
    await until(amy.messages(group.id), (messages) => messages.some((m) => m.id === sent.id));

    await amy.react(group.id, sent.id, '👍');
    await owner.react(group.id, sent.id, '👍');
    await amy.react(group.id, sent.id, '🚀');
    const seen = await until(owner.messages(group.id), (messages) => messages.some((m) => m.reactions.length === 2));
    expect(seen.find((m) => m.id === sent.id)?.reactions).toEqual([
      { key: '👍', count: 2, userIds: ['amy', 'owner'], mine: true },
      { key: '🚀', count: 1, userIds: ['amy'], mine: false },
    ]);
    await amy.unreact(group.id, sent.id, '👍');
    const after = await until(owner.messages(group.id), (messages) => messages.some((m) => m.reactions[0]?.count === 1));
    expect(after.find((m) => m.id === sent.id)?.reactions).toEqual([
      { key: '👍', count: 1, userIds: ['owner'], mine: true },
      { key: '🚀', count: 1, userIds: ['amy'], mine: false },
    ]);
    // A device that was not there gets them with the message.
    const later = client(relay.url, await userToken(relay.url, 'amy'));
    cleanup.push(() => later.close());
    await later.connect();
    const loaded = await until(later.messages(group.id), (messages) => messages.some((m) => m.id === sent.id));
    expect(loaded.find((m) => m.id === sent.id)?.reactions.map((r) => [r.key, r.mine])).toEqual([
      ['👍', false],
      ['🚀', true],
    ]);
  });

  it('keeps a message’s item when a receipt leaves its status as it was, and renews only the one it moved', async () => {
    const { owner, amy } = await ownerAndAmy();
    const dm = await owner.createPrivateConversation('amy');
    await owner.send(dm.id, 'one');
    await owner.send(dm.id, 'two');
    await until(amy.messages(dm.id), (messages) => messages.length === 2 && messages.every((m) => m.seq !== null));
    await amy.markRead(dm.id, 1);
    const [first] = await until(owner.messages(dm.id), (messages) => messages[0]?.status === 'read' && messages[1]?.status === 'delivered');
    await amy.markRead(dm.id, 2);
    const after = await until(owner.messages(dm.id), (messages) => messages[1]?.status === 'read');
    expect(after[0]).toBe(first);
  });

  it('moves the conversation list with each new message, the user’s own included, and counts others’ as unread', async () => {
    const { owner, amy } = await ownerAndAmy();
    const dm = await owner.createPrivateConversation('amy');
    const group = await owner.createGroup({ title: 'Team', memberIds: ['amy'] });
    await until(amy.conversations, (list) => list.length === 2);
    await owner.send(dm.id, 'first');
    await until(amy.conversations, (list) => list[0]?.id === dm.id && list[0].unreadCount === 1);
    await owner.send(group.id, 'to the team');
    const list = await until(amy.conversations, (l) => l[0]?.id === group.id && l[0].lastMessage?.text === 'to the team');
    expect(list.map((c) => [c.id, c.unreadCount])).toEqual([
      [group.id, 1],
      [dm.id, 1],
    ]);
    // The sender's list follows its own message once acked, with nothing unread.
    const own = await until(owner.conversations, (l) => l[0]?.id === group.id && l[0].lastMessage?.text === 'to the team');
    expect(own[0]?.unreadCount).toBe(0);
    await amy.markRead(group.id);
    await until(amy.conversations, (l) => l.find((c) => c.id === group.id)?.unreadCount === 0);
  });

  it('asks the token provider for a new token before the current one expires', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    let calls = 0;
    // Tokens that live 10 s: inside the refresh margin, so every use asks for a fresh one.
    const shortLived = client(relay.url, '', {
      token: undefined,
      tokenProvider: () => {
        calls++;
        return userToken(relay.url, 'eve', 10);
      },
    });
    cleanup.push(() => shortLived.close());
    await shortLived.connect();
    const before = calls;
    await shortLived.listConversations();
    expect(calls).toBeGreaterThan(before);
    expect(shortLived.connection.getSnapshot()).toBe('connected');
  });
});
