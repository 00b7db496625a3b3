import { afterEach, describe, expect, it } from 'vitest';
import { mentionSegments } from '../src/index.js';
import { client, startRelay, until, userToken } from './relay.js';

describe('mentions through the client', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  const team = async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    const [owner, amy, bo] = await Promise.all(['owner', 'amy', 'bo'].map(async (id) => client(relay.url, await userToken(relay.url, id))));
    for (const c of [owner, amy, bo]) cleanup.push(() => c?.close());
    if (!owner || !amy || !bo) throw new Error('clients');
    await Promise.all([owner.connect(), amy.connect(), bo.connect()]);
    const group = await owner.createGroup({ title: 'Team', memberIds: ['amy', 'bo'] });
    await until(amy.conversations, (list) => list.some((c) => c.id === group.id));
    return { owner, amy, bo, group };
  };

  it('sends mentions, renders them, and counts them unread in the mentioned member’s list until read', async () => {
    const { owner, amy, bo, group } = await team();
    const pending = await owner.send(group.id, '@Amy can you look?', { mentions: ['amy'] });
    expect(pending).toMatchObject({ status: 'pending', mentions: ['amy'], mentionsAll: false });

    const seen = await until(amy.messages(group.id), (messages) => messages.some((m) => m.id === pending.id));
    const message = seen.find((m) => m.id === pending.id);
    expect(message).toMatchObject({ mentions: ['amy'], mentionsAll: false });
    expect(mentionSegments(message ?? { text: '', mentions: [], mentionsAll: false }, (id) => (id === 'amy' ? 'Amy' : null))).toEqual([
      { type: 'mention', text: '@Amy', userId: 'amy' },
      { type: 'text', text: ' can you look?' },
    ]);
    await until(amy.conversations, (list) => list.find((c) => c.id === group.id)?.unreadMentionCount === 1);
    await until(bo.conversations, (list) => list.find((c) => c.id === group.id)?.unreadCount === 1);
    expect(bo.conversations.getSnapshot().find((c) => c.id === group.id)?.unreadMentionCount).toBe(0);

    // The owner may mention everyone by default.
    await owner.send(group.id, '@all standup', { mentionsAll: true });
    await until(bo.conversations, (list) => list.find((c) => c.id === group.id)?.unreadMentionCount === 1);
    await until(amy.conversations, (list) => list.find((c) => c.id === group.id)?.unreadMentionCount === 2);
    await amy.markRead(group.id);
    await until(amy.conversations, (list) => list.find((c) => c.id === group.id)?.unreadMentionCount === 0);
  });

  it('moves a mention by edit, refuses an edit mentioning a non-member, and fails a mention of everyone the setting refuses', async () => {
    const { owner, amy, bo, group } = await team();
    const sent = await owner.send(group.id, '@Amy?', { mentions: ['amy'] });
    await until(bo.messages(group.id), (messages) => messages.some((m) => m.id === sent.id));
    const edited = await owner.edit(group.id, sent.id, '@Bo?', { mentions: ['bo'] });
    expect(edited).toMatchObject({ text: '@Bo?', mentions: ['bo'] });
    await until(bo.conversations, (list) => list.find((c) => c.id === group.id)?.unreadMentionCount === 1);
    await until(amy.conversations, (list) => list.find((c) => c.id === group.id)?.unreadMentionCount === 0);
    await expect(owner.edit(group.id, sent.id, '@Zed', { mentions: ['zed'] })).rejects.toMatchObject({ code: 'MENTION_NOT_MEMBER' });

    const refused = await amy.send(group.id, '@all', { mentionsAll: true });
    const failed = await until(amy.messages(group.id), (messages) => messages.some((m) => m.id === refused.id && m.status === 'failed'));
    expect(failed.find((m) => m.id === refused.id)?.error).toMatchObject({ code: 'GROUP_MENTION_NOT_ALLOWED', retryable: false });
  });
});
