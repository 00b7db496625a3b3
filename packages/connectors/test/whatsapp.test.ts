import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppConnector } from '../src/index.js';
import { fakeGraph, whatsappWebhook } from '../src/testing/index.js';

const ACCESS_TOKEN = 'EAAJB-test-token';
const PHONE_NUMBER_ID = '106540352242922';
const APP_SECRET = 'app-secret-for-signatures';

/** A `messages` webhook as Meta posts it, with an inbound text, an image and two statuses. */
const webhook = whatsappWebhook(
  [
    {
      contacts: [{ profile: { name: 'Maria Silva' }, wa_id: '5511999990000' }],
      messages: [
        { from: '5511999990000', id: 'wamid.IN1', timestamp: '1795600000', type: 'text', text: { body: 'Oi, tudo bem?' } },
        {
          from: '5511999990000',
          id: 'wamid.IN2',
          timestamp: '1795600010',
          type: 'image',
          image: {
            caption: 'a foto',
            mime_type: 'image/jpeg',
            sha256: 'SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=',
            id: '1003383421387256',
          },
          context: { from: '15550783881', id: 'wamid.OUT1' },
        },
      ],
    },
    {
      statuses: [
        { id: 'wamid.OUT1', status: 'read', timestamp: '1795600020', recipient_id: '5511999990000' },
        {
          id: 'wamid.OUT2',
          status: 'failed',
          timestamp: '1795600030',
          recipient_id: '5511999990000',
          errors: [
            {
              code: 131047,
              title: 'Re-engagement message',
              message: 'Re-engagement message',
              error_data: {
                details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
              },
            },
          ],
        },
      ],
    },
  ],
  { phoneNumberId: PHONE_NUMBER_ID },
);

describe('WhatsApp Cloud API connector against a Graph API fake', () => {
  let graph: Awaited<ReturnType<typeof fakeGraph>>;
  let connector: WhatsAppConnector;

  beforeAll(async () => {
    graph = await fakeGraph({ accessToken: ACCESS_TOKEN, phoneNumberId: PHONE_NUMBER_ID });
    graph.openWindow('5511999990000');
    connector = new WhatsAppConnector({
      accessToken: ACCESS_TOKEN,
      phoneNumberId: PHONE_NUMBER_ID,
      appSecret: APP_SECRET,
      verifyToken: 'verify-me',
      baseUrl: graph.url,
    });
  });
  afterAll(() => graph.close());

  it('sends text, replies and media by link in the Cloud API shapes and returns the wamid', async () => {
    expect(await connector.send({ id: 'm1', recipientId: '5511999990000', text: 'Olá!' })).toEqual({
      ok: true,
      externalId: 'wamid.HBgLMTU1NTA0001',
    });
    await connector.send({ id: 'm2', recipientId: '5511999990000', text: 'sim', replyToExternalId: 'wamid.IN1' });
    await connector.send({
      id: 'm3',
      recipientId: '5511999990000',
      text: 'contrato',
      file: { url: 'https://relay.example/v1/uploads/x', name: 'contrato.pdf', type: 'application/pdf', size: 50_000 },
    });
    await connector.send({
      id: 'm4',
      recipientId: '5511999990000',
      text: '',
      file: { url: 'https://relay.example/v1/uploads/y', name: 'v.ogg', type: 'audio/ogg', size: 9_000 },
    });
    const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: '5511999990000' };
    expect(graph.calls).toEqual([
      { ...base, type: 'text', text: { body: 'Olá!', preview_url: false } },
      { ...base, context: { message_id: 'wamid.IN1' }, type: 'text', text: { body: 'sim', preview_url: false } },
      {
        ...base,
        type: 'document',
        document: { link: 'https://relay.example/v1/uploads/x', filename: 'contrato.pdf', caption: 'contrato' },
      },
      { ...base, type: 'audio', audio: { link: 'https://relay.example/v1/uploads/y' } },
    ]);
  });

  it('sends images only as JPEG or PNG (others as documents), captions within 1,024 characters with the rest after, long texts in parts', async () => {
    const start = graph.calls.length;
    const to = '5511999990000';
    const webp = { url: null, name: 'sticker.webp', type: 'image/webp', size: 100, bytes: async () => new Uint8Array(100) };
    expect(await connector.send({ id: 'i1', recipientId: to, text: 'olha', file: webp })).toMatchObject({ ok: true });
    const png = { url: 'https://relay.example/p', name: 'p.png', type: 'image/png', size: 100 };
    const caption = `${'ã'.repeat(1000)} ${'é'.repeat(100)}`;
    const captioned = await connector.send({ id: 'i2', recipientId: to, text: caption, file: png });
    expect(captioned).toMatchObject({ ok: true, parts: [expect.any(String), expect.any(String)] });
    const voice = { url: 'https://relay.example/v', name: 'v.ogg', type: 'audio/ogg', size: 100 };
    expect(await connector.send({ id: 'i3', recipientId: to, text: 'ouve', file: voice })).toMatchObject({
      ok: true,
      parts: [expect.any(String), expect.any(String)],
    });
    const long = await connector.send({ id: 'i4', recipientId: to, text: `${'😀 '.repeat(2100)}fim` });
    expect(long).toMatchObject({ ok: true, parts: [expect.any(String), expect.any(String)] });
    const calls = graph.calls.slice(start) as Array<Record<string, Record<string, unknown>> & { type: string }>;
    expect(calls.map((call) => call.type)).toEqual(['document', 'image', 'text', 'audio', 'text', 'text', 'text']);
    expect(calls[0]?.document).toMatchObject({ filename: 'sticker.webp', caption: 'olha' });
    expect(calls[1]?.image).toEqual({ link: png.url, caption: 'ã'.repeat(1000) });
    expect(calls[2]?.text).toEqual({ body: 'é'.repeat(100), preview_url: false });
    expect(calls[3]?.audio).toEqual({ link: voice.url });
    expect(calls[4]?.text).toEqual({ body: 'ouve', preview_url: false });
    expect(calls.slice(5).map((call) => [...String(call.text?.body)].length)).toEqual([4095, 107]);
  });

  it('maps Cloud API errors: rate limits and maintenance retried, spam limits slowed, the 24-hour window final, an expired token holds the account', async () => {
    graph.failNext(
      { status: 400, code: 130429, message: 'Rate limit hit', details: 'Cloud API message throughput has been reached.' },
      { status: 400, code: 131047, message: 'Re-engagement message' },
      { status: 500, code: 131000, message: 'Something went wrong' },
      { status: 400, code: 131048, message: 'Spam rate limit hit' },
      { status: 400, code: 131049, message: 'This message was not delivered to maintain healthy ecosystem engagement.' },
      { status: 500, code: 131057, message: 'Business Account is in maintenance mode' },
    );
    const send = () => connector.send({ id: 'm', recipientId: '5511999990000', text: 'x' });
    expect(await send()).toEqual({
      ok: false,
      error: {
        code: 'RATE_LIMITED',
        platformCode: '130429',
        message: 'Rate limit hit: Cloud API message throughput has been reached.',
        retry: 'backoff',
      },
    });
    expect(await send()).toMatchObject({ ok: false, error: { code: 'OUTSIDE_WINDOW', platformCode: '131047', retry: 'never' } });
    expect(await send()).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', retry: 'backoff' } });
    expect(await send()).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', platformCode: '131048', retry: 'backoff' } });
    expect(await send()).toMatchObject({ ok: false, error: { code: 'NOT_DELIVERED', retry: 'after', retryAfterMs: 86_400_000 } });
    expect(await send()).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', platformCode: '131057', retry: 'backoff' } });
    const expired = new WhatsAppConnector({ accessToken: 'old', phoneNumberId: PHONE_NUMBER_ID, baseUrl: graph.url });
    expect(await expired.send({ id: 'm', recipientId: '5511999990000', text: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED', platformCode: '190', retry: 'hold' },
    });
    const before = graph.calls.length;
    const video = { url: 'https://relay.example/v', name: 'v.mp4', type: 'video/mp4', size: 17 * 1024 * 1024 };
    expect(await connector.send({ id: 'm', recipientId: '5511999990000', text: '', file: video })).toMatchObject({
      ok: false,
      error: { code: 'FILE_TOO_LARGE', retry: 'never' },
    });
    expect(graph.calls.length).toBe(before);
  });

  it('reads every message type of the webhook reference: media, stickers, voice, locations, contacts, choices, edits, revokes, and the rest as unsupported', () => {
    // Message objects as the Cloud API webhook reference shows them
    // (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components, messages object; /reference/messages/<type>).
    const from = '16505551234';
    const base = (id: string, type: string, body: Record<string, unknown>) => ({ from, id, timestamp: '1750025136', type, ...body });
    const messages = [
      base('wamid.A', 'audio', {
        audio: {
          mime_type: 'audio/ogg; codecs=opus',
          sha256: 'm04pFf2ERdaopTyFkGPA0+bX3i+YY2dYgVFwOgDLSDI=',
          id: '1234567890987654321',
          voice: true,
        },
      }),
      base('wamid.S', 'sticker', {
        sticker: {
          mime_type: 'image/webp',
          sha256: 'HcwyCKrTKXHk0a00ms4HWIA76GY0Du6q4Z/iuwevw=',
          id: '2234567890987654321',
          animated: true,
        },
      }),
      base('wamid.L', 'location', {
        location: {
          latitude: 37.4611978,
          longitude: -122.2164385,
          name: 'Facebook HQ',
          address: '1 Hacker Way, Menlo Park, CA 94025',
          url: 'https://maps.google.com/?cid=2000000000000000000',
        },
      }),
      base('wamid.C', 'contacts', {
        contacts: [
          {
            name: { first_name: 'Chandler', last_name: 'Bing', formatted_name: 'Chandler Bing' },
            phones: [{ phone: '+1 555-555-5555', wa_id: '972987654321', type: 'CELL' }],
            emails: [{ email: 'chandler@example.com', type: 'WORK' }],
            org: { company: 'Chanandler Inc' },
          },
        ],
      }),
      {
        ...base('wamid.B', 'interactive', {
          interactive: { type: 'button_reply', button_reply: { id: 'cancel-button', title: 'Cancel' } },
        }),
        context: { from: '15550783881', id: 'wamid.OUT9' },
      },
      base('wamid.LI', 'interactive', {
        interactive: {
          type: 'list_reply',
          list_reply: { id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' },
        },
      }),
      base('wamid.Q', 'button', { button: { payload: 'callback_data', text: 'title' } }),
      base('wamid.R', 'reaction', { reaction: { message_id: 'wamid.OUT9', emoji: '😮' } }),
      // "When an end user removes a reaction emoji, WhatsApp sends a webhook without the emoji field."
      base('wamid.R2', 'reaction', { reaction: { message_id: 'wamid.OUT8' } }),
      base('wamid.U', 'unsupported', {
        errors: [
          {
            code: 131051,
            title: 'Message type unknown',
            message: 'Message type unknown',
            error_data: { details: 'Message type is currently not supported.' },
          },
        ],
        unsupported: { type: 'poll' },
      }),
      base('wamid.E', 'edit', {
        edit: { original_message_id: 'wamid.IN1', message: { type: 'text', text: { body: 'Oi, tudo bem? (editado)' } } },
      }),
      base('wamid.V', 'revoke', { revoke: { original_message_id: 'wamid.IN2' } }),
    ];
    const body = whatsappWebhook(
      { contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: from }], messages },
      { phoneNumberId: PHONE_NUMBER_ID },
    );
    const events = connector.parseWebhook(body);
    const byId = (id: string) => events.find((e) => 'externalId' in e && e.externalId === id) as Record<string, unknown> | undefined;
    expect(byId('wamid.A')).toMatchObject({
      text: '',
      content: { type: 'voice' },
      file: { platformFileId: '1234567890987654321', type: 'audio/ogg; codecs=opus' },
    });
    expect(byId('wamid.S')).toMatchObject({ content: { type: 'sticker', animated: true, emoji: null }, file: { type: 'image/webp' } });
    expect(byId('wamid.L')).toMatchObject({
      text: 'Facebook HQ — 1 Hacker Way, Menlo Park, CA 94025',
      file: null,
      content: {
        type: 'location',
        latitude: 37.4611978,
        longitude: -122.2164385,
        name: 'Facebook HQ',
        url: 'https://maps.google.com/?cid=2000000000000000000',
      },
    });
    expect(byId('wamid.C')).toMatchObject({
      text: 'Chandler Bing',
      content: {
        type: 'contacts',
        contacts: [
          {
            name: 'Chandler Bing',
            phones: [{ phone: '+1 555-555-5555', type: 'CELL' }],
            emails: ['chandler@example.com'],
            organization: 'Chanandler Inc',
          },
        ],
      },
    });
    expect(byId('wamid.B')).toMatchObject({
      text: 'Cancel',
      content: { type: 'choice', payload: 'cancel-button', title: 'Cancel', description: null },
      replyToExternalId: 'wamid.OUT9',
    });
    expect(byId('wamid.LI')).toMatchObject({
      text: 'Priority Mail Express',
      content: { type: 'choice', payload: 'priority_express', description: 'Next Day to 2 Days' },
    });
    expect(byId('wamid.Q')).toMatchObject({ text: 'title', content: { type: 'choice', payload: 'callback_data', title: 'title' } });
    expect(byId('wamid.OUT9')).toEqual({
      kind: 'reaction',
      externalId: 'wamid.OUT9',
      conversationKey: from,
      from: { id: from, name: 'Sheena Nelson', username: null },
      keys: ['😮'],
      at: expect.any(String),
    });
    expect(byId('wamid.OUT8')).toMatchObject({ kind: 'reaction', keys: [] });
    expect(byId('wamid.R')).toBeUndefined();
    expect(byId('wamid.U')).toMatchObject({ kind: 'message', text: '', content: { type: 'unsupported', platformType: 'poll' } });
    expect(byId('wamid.IN1')).toEqual({
      kind: 'edit',
      externalId: 'wamid.IN1',
      conversationKey: from,
      text: 'Oi, tudo bem? (editado)',
      at: new Date(1_750_025_136_000).toISOString(),
    });
    expect(byId('wamid.IN2')).toEqual({
      kind: 'delete',
      externalId: 'wamid.IN2',
      conversationKey: from,
      at: new Date(1_750_025_136_000).toISOString(),
    });
    expect(events).toHaveLength(messages.length);
    expect(events.filter((e) => e.kind === 'message' && e.text === '' && !e.file && !e.content)).toEqual([]);
  });

  it('accepts only webhooks signed with the app secret, answers the verification GET, and reads messages and statuses', () => {
    const rawBody = Buffer.from(JSON.stringify(webhook));
    const signature = `sha256=${createHmac('sha256', APP_SECRET).update(rawBody).digest('hex')}`;
    expect(connector.verifyWebhook({ headers: { 'x-hub-signature-256': signature }, rawBody })).toBe(true);
    expect(connector.verifyWebhook({ headers: { 'x-hub-signature-256': signature }, rawBody: Buffer.from(`${rawBody} `) })).toBe(false);
    expect(connector.verifyWebhook({ headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }, rawBody })).toBe(false);
    expect(connector.verifyWebhook({ headers: {}, rawBody })).toBe(false);

    expect(connector.verifyChallenge({ 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1158201444' })).toBe(
      '1158201444',
    );
    expect(connector.verifyChallenge({ 'hub.mode': 'subscribe', 'hub.verify_token': 'wrong', 'hub.challenge': '1158201444' })).toBeNull();

    expect(connector.parseWebhook(webhook)).toEqual([
      {
        kind: 'message',
        externalId: 'wamid.IN1',
        conversationKey: '5511999990000',
        from: { id: '5511999990000', name: 'Maria Silva', username: null },
        text: 'Oi, tudo bem?',
        file: null,
        content: null,
        sentAt: new Date(1_795_600_000_000).toISOString(),
        replyToExternalId: null,
      },
      {
        kind: 'message',
        externalId: 'wamid.IN2',
        conversationKey: '5511999990000',
        from: { id: '5511999990000', name: 'Maria Silva', username: null },
        text: 'a foto',
        // The webhook's base64 SHA-256, as hex, to check the bytes fetched against.
        file: {
          platformFileId: '1003383421387256',
          name: null,
          type: 'image/jpeg',
          size: null,
          sha256: '49f227634806293b0995459bc310b593e1400f41591efcf07e9bced335f41942',
        },
        content: null,
        sentAt: new Date(1_795_600_010_000).toISOString(),
        replyToExternalId: 'wamid.OUT1',
      },
      { kind: 'status', externalId: 'wamid.OUT1', status: 'read', at: new Date(1_795_600_020_000).toISOString(), error: null },
      {
        kind: 'status',
        externalId: 'wamid.OUT2',
        status: 'failed',
        at: new Date(1_795_600_030_000).toISOString(),
        error: expect.objectContaining({ code: 'OUTSIDE_WINDOW', platformCode: '131047', retry: 'never' }),
      },
    ]);
    expect(connector.parseWebhook({ object: 'page', entry: [] })).toEqual([]);
  });
});
