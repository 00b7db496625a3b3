import { randomUUID } from 'node:crypto';
import { TelegramConnector } from '@chat4all/connectors';
import { type FakeTelegram, fakeTelegram } from '@chat4all/connectors/testing';
import type { Conversation, ConversationDetail, ConversationPage, ConversationSummary, ServerFrame } from '@chat4all/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { API_KEY, dropSchemas, POSTGRES_URL, type RunningRelay, startRelay, type TestSocket } from './fixtures.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

const STORES = {
  sqlite: () => ({}),
  postgres: () => {
    const schema = `agent_inbox_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 4 } } };
  },
};

type Updated = Extract<ServerFrame, { type: 'conversation.updated' }>;
const updated = (socket: TestSocket, check: (c: Conversation) => boolean) =>
  socket.waitFor((f) => f.type === 'conversation.updated' && check(f.conversation)) as Promise<Updated>;

describe.each(Object.keys(STORES) as Array<keyof typeof STORES>)('an agent inbox: status and assignment (%s)', (store) => {
  let relay: RunningRelay | undefined;
  let telegram: FakeTelegram | undefined;
  afterEach(async () => {
    await relay?.close();
    await telegram?.close();
    relay = undefined;
    telegram = undefined;
  });

  it('agents resolve, assign and filter contact conversations; a contact writing in opens a resolved one again', async () => {
    telegram = await fakeTelegram('123:bot-token');
    const inbox = await startRelay({
      ...STORES[store](),
      channels: [
        { id: 'tg', type: 'telegram', members: ['ana', 'bob'], token: '123:bot-token', secretToken: 'tg-secret', baseUrl: telegram.url },
      ],
    });
    relay = inbox;
    const ana = await inbox.user('ana');
    const bob = await inbox.user('bob');
    const outsider = await inbox.user('zed');
    const anas = await inbox.connect(ana.token);
    const bobs = await inbox.connect(bob.token);
    await new TelegramConnector({ token: '123:bot-token', secretToken: 'tg-secret', baseUrl: telegram.url }).setWebhook(
      `${inbox.url}/v1/channels/tg/webhook`,
    );
    await telegram.inbound({ chatId: 700, firstName: 'Rui', text: 'olá' });
    await telegram.inbound({ chatId: 701, firstName: 'Eva', text: 'oi' });
    const list = async (token: string, query = '') =>
      (await inbox.http<ConversationPage>('GET', `/v1/conversations?${query}`, { as: token })).body.conversations.map((c) => c.title);
    await expect.poll(() => list(ana.token)).toEqual(['Eva', 'Rui']);
    const first = await inbox.http<ConversationPage>('GET', '/v1/conversations', { as: ana.token });
    const [eva, rui] = first.body.conversations as [ConversationSummary, ConversationSummary];
    expect(rui).toMatchObject({ status: 'open', assigneeId: null, teamId: null });
    const change = (token: string, id: string, body: unknown) =>
      inbox.http<Conversation & { code?: string }>('PATCH', `/v1/conversations/${id}`, { as: token, body });

    // Bob takes Rui for the billing team: any member may, and every member hears it.
    expect((await change(bob.token, rui.id, { assigneeId: 'bob', teamId: 'billing' })).body).toMatchObject({
      assigneeId: 'bob',
      teamId: 'billing',
      status: 'open',
    });
    await updated(anas, (c) => c.id === rui.id && c.assigneeId === 'bob');
    expect(await list(ana.token, 'assigneeId=bob')).toEqual(['Rui']);
    expect(await list(ana.token, 'assigned=false')).toEqual(['Eva']);
    expect(await list(ana.token, 'assigned=true&teamId=billing')).toEqual(['Rui']);

    // Eva waits on the customer; Rui is resolved.
    await change(ana.token, eva.id, { status: 'pending' });
    const resolved = await change(bob.token, rui.id, { status: 'resolved' });
    expect(resolved.body).toMatchObject({ status: 'resolved', assigneeId: 'bob', teamId: 'billing' });
    expect(await list(ana.token, 'status=open')).toEqual([]);
    expect(await list(ana.token, 'status=pending')).toEqual(['Eva']);
    expect(await list(ana.token, 'status=resolved&assigneeId=bob')).toEqual(['Rui']);

    // Rui writes again: open again, announced; Eva writing keeps pending (a bot or a colleague has it).
    await telegram.inbound({ chatId: 700, firstName: 'Rui', text: 'mais uma coisa' });
    await updated(bobs, (c) => c.id === rui.id && c.status === 'open');
    await telegram.inbound({ chatId: 701, firstName: 'Eva', text: 'ainda aqui' });
    await anas.waitFor((f) => f.type === 'message.created' && f.message.text === 'ainda aqui');
    expect(await list(ana.token, 'status=open')).toEqual(['Rui']);
    expect(await list(ana.token, 'status=pending')).toEqual(['Eva']);

    // Only a member who is not a contact can be assigned; a team id is checked as an id.
    const members = (await inbox.http<ConversationDetail>('GET', `/v1/conversations/${rui.id}`, { as: ana.token })).body.members;
    const contactId = members.find((m) => m.userId.startsWith('contact:'))?.userId;
    expect(contactId).toMatch(/^contact:/);
    expect(await change(ana.token, rui.id, { assigneeId: contactId })).toMatchObject({ status: 404, body: { code: 'USER_NOT_FOUND' } });
    expect(await change(ana.token, rui.id, { assigneeId: 'zed' })).toMatchObject({ status: 404, body: { code: 'USER_NOT_FOUND' } });
    expect(await change(ana.token, rui.id, { status: 'snoozed' })).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect(await change(ana.token, rui.id, { teamId: 'a b' })).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect(await change(ana.token, rui.id, { status: null })).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect((await inbox.http('GET', '/v1/conversations?status=closed', { as: ana.token })).status).toBe(400);
    // Someone who is not a member sees nothing to change.
    expect(await change(outsider.token, rui.id, { status: 'resolved' })).toMatchObject({
      status: 404,
      body: { code: 'CONVERSATION_NOT_FOUND' },
    });
    // The group fields stay the owner's and admins': bob is a member.
    expect(await change(bob.token, rui.id, { title: 'Mine now' })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });

    // Unassign, and a null team, keep the rest; an assignee who leaves is unassigned.
    expect((await change(ana.token, rui.id, { teamId: null })).body).toMatchObject({ teamId: null, assigneeId: 'bob' });
    const removed = await inbox.http('DELETE', `/v1/conversations/${rui.id}/members/bob`, { as: bob.token });
    expect(removed.status).toBe(204);
    await updated(anas, (c) => c.id === rui.id && c.assigneeId === null);
    expect((await change(ana.token, rui.id, { assigneeId: 'ana' })).body).toMatchObject({ assigneeId: 'ana' });
    expect((await change(ana.token, rui.id, { assigneeId: null })).body).toMatchObject({ assigneeId: null });

    // A history page's channel statuses in one call, for members only, and only this conversation's.
    const sent = await inbox.http<{ messageId: string }>('POST', `/v1/conversations/${eva.id}/messages`, {
      as: ana.token,
      body: { id: randomUUID(), text: 'Já vou ver' },
    });
    const statuses = (ids: string, as = ana.token, id = eva.id) =>
      inbox.http<{ deliveries: Array<{ messageId: string; channel: string }>; code?: string }>(
        'GET',
        `/v1/conversations/${id}/deliveries?messageIds=${ids}`,
        { as },
      );
    await expect
      .poll(async () => (await statuses(`${sent.body.messageId},${randomUUID()}`)).body.deliveries)
      .toEqual([expect.objectContaining({ messageId: sent.body.messageId, channel: 'telegram' })]);
    expect((await statuses(sent.body.messageId, ana.token, rui.id)).body.deliveries).toEqual([]);
    expect(await statuses(sent.body.messageId, outsider.token)).toMatchObject({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND' } });
    expect(await statuses('not-an-id')).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect(await statuses('-'.repeat(36))).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect((await statuses(Array.from({ length: 101 }, () => randomUUID()).join(','))).status).toBe(400);

    // The API key may do it all, and a private conversation has a status too.
    expect((await change(API_KEY, eva.id, { status: 'resolved', assigneeId: 'ana' })).body).toMatchObject({
      status: 'resolved',
      assigneeId: 'ana',
    });
    const pair = await inbox.http<ConversationDetail>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: 'zed' },
    });
    expect((await change(outsider.token, pair.body.id, { status: 'pending', assigneeId: 'ana' })).body).toMatchObject({
      status: 'pending',
      assigneeId: 'ana',
    });
  });
});
