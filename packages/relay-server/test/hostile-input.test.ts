import { randomUUID } from 'node:crypto';
import { metaSignature } from '@chat4all/connectors/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { API_KEY, dropSchemas, POSTGRES_URL, type RunningRelay, readAllMessages, sendText, startRelay, tusMetadata } from './fixtures.js';

const WA = { accessToken: 'EAAJB-test-token', phoneNumberId: '106540352242922', appSecret: 'meta-app-secret', verifyToken: 'verify-me' };
const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

async function group(relay: RunningRelay, ownerId: string): Promise<string> {
  const created = await relay.http<{ id: string }>('POST', '/v1/conversations', {
    as: API_KEY,
    body: { type: 'group', createdBy: ownerId },
  });
  return created.body.id;
}

function deepJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

describe('hostile input is a coded 4xx, never a 500, and stores nothing', () => {
  it('malformed JSON, prototype keys and absurd nesting in HTTP bodies', async () => {
    await using relay = await startRelay();
    const user = await relay.user();
    const conversationId = await group(relay, user.id);
    const send = `/v1/conversations/${conversationId}/messages`;
    const bodies = [
      '{"id": "oops',
      `{"id":"${randomUUID()}","text":"x","__proto__":{"admin":true}}`,
      `{"id":"${randomUUID()}","text":"x","metadata":{"constructor":{"prototype":{"admin":true}}}}`,
      `{"id":"${randomUUID()}","text":"x","metadata":${deepJson(100_000)}}`,
      ' ',
    ];
    for (const body of bodies) {
      const response = await relay.http('POST', send, { as: user.token, body });
      expect(response).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST', retryable: false } });
    }
    const group2 = await relay.http('POST', '/v1/conversations', { as: user.token, body: `{"type":"group","metadata":${deepJson(40)}}` });
    expect(group2).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    // 32 levels is the documented depth limit; shallower metadata is fine.
    const fine = await relay.http('POST', send, { as: user.token, body: `{"id":"${randomUUID()}","text":"x","metadata":${deepJson(20)}}` });
    expect(fine.status).toBe(201);
    expect(await readAllMessages(relay.url, user.token, conversationId)).toHaveLength(1);
  });

  it('the text limit counts characters, so an emoji is one, not two UTF-16 units', async () => {
    await using relay = await startRelay({ limits: { textMaxLength: 10 } });
    const user = await relay.user();
    const conversationId = await group(relay, user.id);
    const socket = await relay.connect(user.token);
    expect(await sendText(socket, conversationId, '😀'.repeat(10))).toMatchObject({ type: 'ack' });
    expect(await sendText(socket, conversationId, '😀'.repeat(11))).toMatchObject({
      type: 'error',
      error: { code: 'TEXT_TOO_LONG', message: 'Text is 11 characters; the limit is 10' },
    });
  });

  it('absurd nesting in a WebSocket frame is an error frame; the socket stays usable', async () => {
    await using relay = await startRelay();
    const user = await relay.user();
    const conversationId = await group(relay, user.id);
    const socket = await relay.connect(user.token);
    socket.send(
      `{"type":"message.send","id":"deep","conversationId":"${conversationId}","message":{"id":"${randomUUID()}","text":"x","metadata":${deepJson(10_000)}}}`,
    );
    expect(await socket.reply('deep')).toMatchObject({ type: 'error', error: { code: 'BAD_REQUEST' } });
    expect(await sendText(socket, conversationId, 'still here')).toMatchObject({ type: 'ack' });
  });

  it('history cursors beyond what the store can hold (PostgreSQL)', async () => {
    const schema = `hostile_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    await using relay = await startRelay({ store: { driver: 'postgres', postgres: { url: POSTGRES_URL, schema, poolSize: 2 } } });
    const user = await relay.user();
    const conversationId = await group(relay, user.id);
    for (const query of ['before=2147483648', 'after=99999999999', 'after=2147483648']) {
      const response = await relay.http('GET', `/v1/conversations/${conversationId}/messages?${query}`, { as: user.token });
      expect(response).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    }
    const socket = await relay.connect(user.token);
    const receipt = await socket.request({ type: 'receipt', conversationId, kind: 'read', seq: 2 ** 31 });
    expect(receipt).toMatchObject({ type: 'error', error: { code: 'BAD_REQUEST' } });
    const resume = await socket.request({ type: 'resume', cursors: { [conversationId]: [2 ** 40, 0] } });
    expect(resume).toMatchObject({ type: 'error', error: { code: 'BAD_REQUEST' } });
    expect((await relay.http('GET', `/v1/contacts?after=%00`, { as: API_KEY })).status).toBe(400);
    // Ids and numbers that arrive encoded inside something else: a cursor, tus Upload-Metadata.
    const cursor = Buffer.from('123:a\u0000b').toString('base64url');
    expect((await relay.http('GET', `/v1/conversations?cursor=${cursor}`, { as: user.token })).status).toBe(400);
    const tus = (metadata: Record<string, string>) =>
      fetch(`${relay.url}/v1/uploads`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${user.token}`,
          'tus-resumable': '1.0.0',
          'upload-length': '10',
          'upload-metadata': tusMetadata(metadata),
        },
      });
    expect((await tus({ conversationId: `${conversationId}\u0000` })).status).toBe(400);
    const huge = await tus({ conversationId, filetype: 'image/png', width: '3000000000', height: '1e20' });
    expect(huge.status).toBe(201);
    const info = await relay.http('GET', `/v1/uploads/${huge.headers.get('location')?.split('/').pop()}/info`, { as: user.token });
    expect(info.body).toMatchObject({ width: null, height: null });
  });

  it('correctly signed but malformed WhatsApp and Telegram payloads', async () => {
    await using relay = await startRelay({
      channels: [
        { id: 'wa', type: 'whatsapp', members: [], ...WA },
        {
          id: 'tg',
          type: 'telegram',
          members: [],
          token: '1:tok',
          secretToken: 'tg-secret',
          mode: 'polling',
          baseUrl: 'http://127.0.0.1:9',
        },
      ],
    });
    const post = (channel: string, body: string, headers: Record<string, string>) =>
      fetch(`${relay.url}/v1/channels/${channel}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    // Shapes from https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples, each broken one way.
    const message = (patch: Record<string, unknown>) => ({
      from: '5511999990000',
      id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
      timestamp: '1700000000',
      type: 'text',
      text: { body: 'hi' },
      ...patch,
    });
    const whatsapp = (value: unknown) => ({
      object: 'whatsapp_business_account',
      entry: [{ id: '1', changes: [{ field: 'messages', value }] }],
    });
    const broken = [
      { object: 'whatsapp_business_account', entry: [null] },
      { object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages', value: null }] }] },
      whatsapp({ messaging_product: 'whatsapp', messages: [message({ timestamp: 'soon' })] }),
      whatsapp({ messaging_product: 'whatsapp', messages: [message({ id: 42 })] }),
      whatsapp({ messaging_product: 'whatsapp', messages: [message({ text: { body: { nested: true } } })] }),
      whatsapp({ messaging_product: 'whatsapp', messages: [message({ text: { body: 'nul \u0000' } })] }),
      whatsapp({ messaging_product: 'whatsapp', messages: [message({ id: 'x'.repeat(10_000) })] }),
    ];
    for (const body of broken) {
      const raw = JSON.stringify(body);
      const response = await post('wa', raw, { 'x-hub-signature-256': metaSignature(WA.appSecret, raw) });
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(await response.json()).toMatchObject({ code: 'BAD_REQUEST' });
    }
    // https://core.telegram.org/bots/api#update, broken: a message whose chat is not an object, a date that is text.
    const telegram = [
      { update_id: 1, message: { message_id: 1, date: 'yesterday', chat: { id: 5, type: 'private' }, from: { id: 5 }, text: 'hi' } },
      { update_id: 2, message: { message_id: 2, date: 1700000000, chat: 'five', text: 'hi' } },
      { update_id: 3, message: { message_id: 3, date: 1700000000, chat: { id: 5, type: 'private' }, from: { id: 5 }, text: ['a'] } },
    ];
    for (const body of telegram) {
      const response = await post('tg', JSON.stringify(body), { 'x-telegram-bot-api-secret-token': 'tg-secret' });
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(await response.json()).toMatchObject({ code: 'BAD_REQUEST' });
    }
    const contacts = await relay.http<{ contacts: unknown[] }>('GET', '/v1/contacts', { as: API_KEY });
    expect(contacts.body.contacts).toEqual([]);
  });
});
