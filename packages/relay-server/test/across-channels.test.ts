import { type FakeGraph, type FakeMetaSend, fakeGraph, fakeMetaSend } from '@chat4all/connectors/testing';
import type { Contact, Message, ServerFrame } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, type RunningRelay, startRelay, type TestSocket } from './fixtures.js';

const WA = { accessToken: 'EAAJB-test-token', phoneNumberId: '106540352242922', appSecret: 'meta-app-secret', verifyToken: 'verify-me' };
const IG = { accessToken: 'ig-token', accountId: '17841400000', appSecret: 'ig-app-secret', verifyToken: 'v' };
const MARIA = '5511999990000';
const LEO = '6543210987654321';

async function arrived(socket: TestSocket, text: string): Promise<Message> {
  const frame = await socket.waitFor((f) => f.type === 'message.created' && f.message.text === text);
  if (frame.type !== 'message.created') throw new Error('unreachable');
  return frame.message;
}

const deliveryTo =
  (messageId: string, contactId: string, status: string) =>
  (frame: ServerFrame): boolean =>
    frame.type === 'delivery.updated' &&
    frame.delivery.messageId === messageId &&
    frame.delivery.contactId === contactId &&
    frame.delivery.status === status;

/**
 * The seed's demonstration: one conversation holds a WhatsApp customer and an Instagram one;
 * each one's messages reach the other on their own platform, with statuses, while the agent
 * sees both sides.
 */
describe('one conversation across WhatsApp and Instagram', () => {
  let relay: RunningRelay;
  let graph: FakeGraph;
  let meta: FakeMetaSend;
  afterEach(async () => {
    await relay?.close();
    await graph?.close();
    await meta?.close();
  });

  it('carries a WhatsApp customer’s message to an Instagram one and back, with each side’s statuses', async () => {
    graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    meta = await fakeMetaSend({ channel: 'instagram', accessToken: IG.accessToken, accountId: IG.accountId });
    relay = await startRelay({
      channels: [
        { id: 'wa', type: 'whatsapp', members: ['agent'], baseUrl: graph.url, ...WA },
        { id: 'ig', type: 'instagram', members: ['agent'], baseUrl: meta.url, ...IG },
      ],
      dispatch: { pollIntervalMs: 50 },
    });
    graph.subscribe(`${relay.url}/v1/channels/wa/webhook`, WA.appSecret);
    meta.subscribe(`${relay.url}/v1/channels/ig/webhook`, IG.appSecret);
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);

    await graph.inbound({ from: MARIA, name: 'Maria Silva', text: 'Oi! Quero falar com o Leo.' });
    const fromMaria = await arrived(socket, 'Oi! Quero falar com o Leo.');
    await meta.inbound({ from: LEO, text: 'Hi, Leo here' });
    const fromLeo = await arrived(socket, 'Hi, Leo here');
    const maria = fromMaria.senderId as string;
    const leo = fromLeo.senderId as string;
    const shared = fromMaria.conversationId;

    // Leo joins Maria's conversation, and his messages land there from now on.
    expect((await relay.http('POST', `/v1/conversations/${shared}/members`, { as: API_KEY, body: { userIds: [leo] } })).status).toBe(200);
    const moved = await relay.http<Contact>('PATCH', `/v1/contacts/${encodeURIComponent(leo)}`, {
      as: API_KEY,
      body: { conversationId: shared },
    });
    expect(moved.body.conversationId).toBe(shared);

    // Maria writes on WhatsApp: Leo gets it on Instagram, said to be from her, and reads it.
    await graph.inbound({ from: MARIA, name: 'Maria Silva', text: 'Leo, o pedido 42 chegou?' });
    const question = await arrived(socket, 'Leo, o pedido 42 chegou?');
    expect(question.conversationId).toBe(shared);
    const sent = await socket.waitFor(deliveryTo(question.id, leo, 'sent'));
    expect(meta.calls.at(-1)).toMatchObject({ recipient: { id: LEO }, message: { text: 'Maria Silva: Leo, o pedido 42 chegou?' } });
    // Maria's own message is not sent back to her.
    expect(graph.calls.filter((c) => c.to === MARIA)).toEqual([]);
    const mid = sent.type === 'delivery.updated' ? (sent.delivery.externalId as string) : '';
    await meta.read(LEO, mid);
    await socket.waitFor(deliveryTo(question.id, leo, 'read'));

    // Leo answers on Instagram, in the same conversation: Maria gets it on WhatsApp.
    await meta.inbound({ from: LEO, text: 'Sim, chegou ontem!' });
    const answer = await arrived(socket, 'Sim, chegou ontem!');
    expect(answer).toMatchObject({ conversationId: shared, senderId: leo });
    const toMaria = await socket.waitFor(deliveryTo(answer.id, maria, 'sent'));
    expect(graph.calls.at(-1)).toMatchObject({ to: MARIA, type: 'text', text: { body: 'Instagram contact: Sim, chegou ontem!' } });
    const wamid = toMaria.type === 'delivery.updated' ? (toMaria.delivery.externalId as string) : '';
    await graph.status(wamid, 'delivered', MARIA);
    await graph.status(wamid, 'read', MARIA);
    await socket.waitFor(deliveryTo(answer.id, maria, 'read'));

    // A contact may only be moved into a conversation it is a member of.
    const other = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: API_KEY,
      body: { type: 'group', createdBy: 'agent', memberIds: [] },
    });
    const refused = await relay.http('PATCH', `/v1/contacts/${encodeURIComponent(maria)}`, {
      as: API_KEY,
      body: { conversationId: other.body.id },
    });
    expect(refused).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
  });
});
