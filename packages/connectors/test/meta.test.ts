import { afterEach, describe, expect, it } from 'vitest';
import { InstagramConnector, MessengerConnector } from '../src/index.js';
import { type FakeMetaSend, fakeMetaSend, metaSignature } from '../src/testing/index.js';

const TOKEN = 'EAAG-page-token';

describe('Meta Send API connectors (Messenger, Instagram) against a Send API fake', () => {
  let fake: FakeMetaSend;
  afterEach(() => fake.close());

  it('Messenger: text and file in Send API shapes, RESPONSE messaging type, message ids back', async () => {
    fake = await fakeMetaSend({ channel: 'messenger', accessToken: TOKEN, accountId: '1122334455' });
    fake.openWindow('6677');
    const messenger = new MessengerConnector({ accessToken: TOKEN, accountId: '1122334455', baseUrl: fake.url });
    expect(await messenger.send({ id: 'm1', recipientId: '6677', text: 'Olá!' })).toEqual({ ok: true, externalId: 'm_AG5Hz2U000001' });
    const file = { url: 'https://relay.example/v1/uploads/x?signature=s', name: 'nota.pdf', type: 'application/pdf', size: 40_000 };
    // A file and its text go as two messages: the file's id names the delivery, both are its parts.
    expect(await messenger.send({ id: 'm2', recipientId: '6677', text: 'a nota', file })).toEqual({
      ok: true,
      externalId: 'm_AG5Hz2U000002',
      parts: ['m_AG5Hz2U000002', 'm_AG5Hz2U000003'],
    });
    expect(fake.calls).toEqual([
      { recipient: { id: '6677' }, messaging_type: 'RESPONSE', message: { text: 'Olá!' } },
      {
        recipient: { id: '6677' },
        messaging_type: 'RESPONSE',
        message: { attachment: { type: 'file', payload: { url: file.url, is_reusable: false } } },
      },
      { recipient: { id: '6677' }, messaging_type: 'RESPONSE', message: { text: 'a nota' } },
    ]);
  });

  it('maps Send API errors: the 24-hour window and unknown people final, rate limits and 1200 retried', async () => {
    let clock = Date.now();
    fake = await fakeMetaSend({ channel: 'messenger', accessToken: TOKEN, accountId: '1122334455', now: () => clock });
    const messenger = new MessengerConnector({ accessToken: TOKEN, accountId: '1122334455', baseUrl: fake.url });
    const send = (to = '6677') => messenger.send({ id: 'm', recipientId: to, text: 'oi' });
    expect(await send('9999')).toMatchObject({
      ok: false,
      error: { code: 'INVALID_RECIPIENT', platformCode: '100/2018001', retry: 'never' },
    });
    fake.openWindow('6677', clock - 25 * 3600_000);
    expect(await send()).toMatchObject({ ok: false, error: { code: 'OUTSIDE_WINDOW', platformCode: '10/2018278', retry: 'never' } });
    clock += 1;
    fake.openWindow('6677');
    fake.failNext(
      { status: 400, code: 613, message: 'Calls to this api have exceeded the rate limit.' },
      { status: 500, code: 1200, message: 'Temporary send message failure. Please try again later' },
      { status: 400, code: 551, message: 'This person isn’t available right now.' },
    );
    expect(await send()).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', retry: 'backoff' } });
    expect(await send()).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', retry: 'backoff' } });
    expect(await send()).toMatchObject({ ok: false, error: { code: 'RECIPIENT_BLOCKED', retry: 'never' } });
    const expired = new MessengerConnector({ accessToken: 'old', accountId: '1122334455', baseUrl: fake.url });
    expect(await expired.send({ id: 'm', recipientId: '6677', text: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED', platformCode: '190', retry: 'hold' },
    });
  });

  it('asks the User Profile API who a person is: Messenger first and last name, Instagram name and username; a failed lookup is null', async () => {
    // The profiles as Meta's User Profile API samples show them
    // (https://developers.facebook.com/docs/messenger-platform/identity/user-profile,
    // https://developers.facebook.com/docs/messenger-platform/instagram/features/user-profile).
    fake = await fakeMetaSend({
      channel: 'messenger',
      accessToken: TOKEN,
      accountId: '1122334455',
      profiles: { '6677': { first_name: 'Peter', last_name: 'Chang', profile_pic: 'https://scontent.xx.fbcdn.net/p.jpg' } },
    });
    const messenger = new MessengerConnector({ accessToken: TOKEN, accountId: '1122334455', baseUrl: fake.url });
    expect(await messenger.profile('6677')).toEqual({ name: 'Peter Chang', username: null });
    expect(fake.profileLookups).toEqual([{ id: '6677', fields: ['first_name', 'last_name'] }]);
    fake.setProfile('6688', { first_name: 'Cher' });
    expect(await messenger.profile('6688')).toEqual({ name: 'Cher', username: null });
    // An id Meta will not read (unknown, no consent, no permission: Graph's 100 / 33), a refused token, no answer: null, never a throw.
    expect(await messenger.profile('9999')).toBeNull();
    expect(await new MessengerConnector({ accessToken: 'old', accountId: '1122334455', baseUrl: fake.url }).profile('6677')).toBeNull();
    // The caller's signal ends the call (the relay gives it 2 s).
    expect(await messenger.profile('6677', AbortSignal.abort())).toBeNull();
    await fake.close();

    fake = await fakeMetaSend({ channel: 'instagram', accessToken: TOKEN, accountId: '17841400000' });
    const instagram = new InstagramConnector({ accessToken: TOKEN, accountId: '17841400000', baseUrl: fake.url });
    fake.setProfile('5566', { name: 'Peter Chang', username: 'peter_chang_live', profile_pic: 'https://scontent.xx.fbcdn.net/p.jpg' });
    fake.setProfile('5577', { name: null, username: 'no.name.set' });
    expect(await instagram.profile('5566')).toEqual({ name: 'Peter Chang', username: 'peter_chang_live' });
    expect(await instagram.profile('5577')).toEqual({ name: null, username: 'no.name.set' });
    // A hostile name: control and direction-override characters out, at most 256 characters, none cut in half.
    fake.setProfile('5588', { name: `\u202Eevil\u0000 ${'😀'.repeat(300)}`, username: '  ' });
    const hostile = await instagram.profile('5588');
    expect(hostile?.username).toBeNull();
    expect(Array.from(hostile?.name ?? '')).toHaveLength(256);
    expect(hostile?.name?.startsWith('evil 😀')).toBe(true);
    expect(hostile?.name?.endsWith('😀')).toBe(true);
    expect(fake.profileLookups.map((lookup) => lookup.fields)).toEqual([
      ['name', 'username'],
      ['name', 'username'],
      ['name', 'username'],
    ]);
    // The fake answers as the Graph API does, with the token as Meta's samples pass it too.
    const raw = await fetch(`${fake.url}/v23.0/5566?fields=name,username&access_token=${TOKEN}`);
    expect(await raw.json()).toEqual({ name: 'Peter Chang', username: 'peter_chang_live', id: '5566' });
    const unknown = await fetch(`${fake.url}/v23.0/1234?fields=name`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { type: 'GraphMethodException', code: 100, error_subcode: 33 } });
    // Messenger's fields are not Instagram's.
    const wrongField = await fetch(`${fake.url}/v23.0/5566?fields=first_name`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await wrongField.json()).toMatchObject({ error: { code: 100, message: expect.stringContaining('(first_name)') } });
    await fake.close();
    // Nothing listening: null.
    expect(await instagram.profile('5566')).toBeNull();
  });

  it('cuts long texts to each platform (Messenger 2,000 characters, Instagram 1,000 bytes) and tags late human replies HUMAN_AGENT within 7 days', async () => {
    let clock = Date.now();
    fake = await fakeMetaSend({ channel: 'instagram', accessToken: TOKEN, accountId: '17841400000', now: () => clock });
    const instagram = new InstagramConnector({ accessToken: TOKEN, accountId: '17841400000', baseUrl: fake.url, now: () => clock });
    fake.openWindow('5566');
    const accents = `${'ação '.repeat(300)}fim`; // 1,503 characters, 2,103 bytes
    const sent = await instagram.send({ id: 'm', recipientId: '5566', text: accents, lastInboundAt: new Date(clock).toISOString() });
    expect(sent).toMatchObject({ ok: true, parts: [expect.any(String), expect.any(String), expect.any(String)] });
    const texts = fake.calls.map((call) => String((call.message as { text: string }).text));
    expect(texts.every((text) => Buffer.byteLength(text) <= 1000)).toBe(true);
    expect(texts.join(' ')).toBe(accents);
    expect(fake.calls.every((call) => call.messaging_type === undefined)).toBe(true);

    const lastInboundAt = new Date(clock).toISOString();
    clock += 3 * 24 * 3600_000;
    const late = (human: boolean) =>
      instagram.send({ id: 'late', recipientId: '5566', text: 'ainda aqui', human, lastInboundAt, sentParts: [] });
    expect(await late(true)).toEqual({ ok: true, externalId: expect.any(String) });
    expect(fake.calls.at(-1)).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
    const before = fake.calls.length;
    expect(await late(false)).toMatchObject({ ok: false, error: { code: 'OUTSIDE_WINDOW', retry: 'never' } });
    clock += 5 * 24 * 3600_000;
    expect(await late(true)).toMatchObject({ ok: false, error: { code: 'OUTSIDE_WINDOW', retry: 'never' } });
    expect(fake.calls.length).toBe(before);
  });

  it('reads quick replies, postbacks, stickers, locations, story replies, reactions, edits and unsends, and other attachments as unsupported', () => {
    // messaging[] events as the Messenger and Instagram webhook references show them
    // (https://developers.facebook.com/docs/messenger-platform/reference/webhook-events, https://developers.facebook.com/docs/instagram-messaging/webhooks).
    const messenger = new MessengerConnector({ accessToken: TOKEN, accountId: '1122334455' });
    const instagram = new InstagramConnector({ accessToken: TOKEN, accountId: '17841400000' });
    const wrap = (object: 'page' | 'instagram', messaging: Array<Record<string, unknown>>) => ({
      object,
      entry: [
        {
          id: '1122334455',
          time: 1_795_600_000_000,
          messaging: messaging.map((m) => ({
            sender: { id: '6677' },
            recipient: { id: '1122334455' },
            timestamp: 1_795_600_000_000,
            ...m,
          })),
        },
      ],
    });
    const events = messenger.parseWebhook(
      wrap('page', [
        { message: { mid: 'm_qr', text: 'Red', quick_reply: { payload: 'COLOR_RED' } } },
        { postback: { mid: 'm_pb', title: 'Get Started', payload: 'GET_STARTED' } },
        {
          message: {
            mid: 'm_st',
            attachments: [{ type: 'sticker', payload: { url: 'https://scontent.xx.fbcdn.net/sticker.png', sticker_id: 369239263222822 } }],
          },
        },
        {
          message: {
            mid: 'm_loc',
            attachments: [
              {
                title: 'My Location',
                url: 'https://www.facebook.com/l.php?u=x',
                type: 'location',
                payload: { coordinates: { lat: 52, long: 4 } },
              },
            ],
          },
        },
        {
          message: {
            mid: 'm_fb',
            text: 'This is where I want to go: https://youtu.be/bbo_fZAjIhg',
            attachments: [{ type: 'fallback', payload: { url: 'https://youtu.be/bbo_fZAjIhg', title: 'TAHITI - Heaven on Earth' } }],
          },
        },
        {
          message: {
            mid: 'm_reel',
            attachments: [{ type: 'ig_reel', payload: { url: 'https://lookaside.fbsbx.com/reel', title: 'a reel', reel_video_id: 1 } }],
          },
        },
        { reaction: { reaction: 'love', emoji: '❤️', action: 'react', mid: 'm_out1' } },
        // An unreact may name no emoji (Messenger webhook reference, message_reactions).
        { reaction: { action: 'unreact', mid: 'm_out1' } },
        { reaction: { reaction: 'wow', action: 'react', mid: 'm_out2' } },
        { message_edit: { mid: 'm_qr', text: 'Red!', num_edit: 1 } },
      ]),
    ) as Array<Record<string, unknown>>;
    expect(events.map((e) => [e.kind, e.externalId])).toEqual([
      ['message', 'm_qr'],
      ['message', 'm_pb'],
      ['message', 'm_st'],
      ['message', 'm_loc'],
      ['message', 'm_fb'],
      ['message', 'm_reel'],
      ['reaction', 'm_out1'],
      ['reaction', 'm_out1'],
      ['reaction', 'm_out2'],
      ['edit', 'm_qr'],
    ]);
    expect(events[0]).toMatchObject({ text: 'Red', content: { type: 'choice', payload: 'COLOR_RED', title: 'Red' } });
    expect(events[1]).toMatchObject({ text: 'Get Started', content: { type: 'choice', payload: 'GET_STARTED', title: 'Get Started' } });
    expect(events[2]).toMatchObject({
      content: { type: 'sticker' },
      file: { platformFileId: 'https://scontent.xx.fbcdn.net/sticker.png' },
    });
    expect(events[3]).toMatchObject({ text: 'My Location', file: null, content: { type: 'location', latitude: 52, longitude: 4 } });
    expect(events[4]).toMatchObject({
      text: 'This is where I want to go: https://youtu.be/bbo_fZAjIhg',
      file: null,
      content: { type: 'unsupported', platformType: 'fallback' },
    });
    expect(events[5]).toMatchObject({
      text: 'https://lookaside.fbsbx.com/reel',
      file: null,
      content: { type: 'unsupported', platformType: 'ig_reel' },
    });
    expect(events[6]).toEqual({
      kind: 'reaction',
      externalId: 'm_out1',
      conversationKey: '6677',
      from: { id: '6677', name: null, username: null },
      keys: ['❤️'],
      at: expect.any(String),
    });
    expect(events[7]).toMatchObject({ kind: 'reaction', keys: [] });
    expect(events[8]).toMatchObject({ kind: 'reaction', keys: ['😮'] });
    expect(events[9]).toMatchObject({ text: 'Red!' });

    const ig = instagram.parseWebhook(
      wrap('instagram', [
        { message: { mid: 'm_story', text: 'Que lindo!', reply_to: { story: { url: 'https://lookaside.fbsbx.com/story', id: '1789' } } } },
        {
          message: { mid: 'm_mention', attachments: [{ type: 'story_mention', payload: { url: 'https://lookaside.fbsbx.com/mention' } }] },
        },
        { message: { mid: 'message-id-to-delete', is_deleted: true } },
      ]),
    ) as Array<Record<string, unknown>>;
    expect(ig[0]).toMatchObject({
      kind: 'message',
      text: 'Que lindo!',
      content: { type: 'story_reply', url: 'https://lookaside.fbsbx.com/story' },
    });
    expect(ig[1]).toMatchObject({
      kind: 'message',
      text: 'https://lookaside.fbsbx.com/mention',
      content: { type: 'unsupported', platformType: 'story_mention' },
    });
    expect(ig[2]).toEqual({
      kind: 'delete',
      externalId: 'message-id-to-delete',
      conversationKey: '6677',
      at: new Date(1_795_600_000_000).toISOString(),
    });
  });

  it('reads signed messaging webhooks: messages, deliveries by mid, reads by watermark (Messenger) or mid (Instagram); echoes skipped', async () => {
    fake = await fakeMetaSend({ channel: 'instagram', accessToken: TOKEN, accountId: '17841400000' });
    const instagram = new InstagramConnector({ accessToken: TOKEN, accountId: '17841400000', appSecret: 'app-secret', verifyToken: 'vt' });
    const messenger = new MessengerConnector({ accessToken: TOKEN, accountId: '1122334455', appSecret: 'app-secret' });
    const rawBody = Buffer.from('{"object":"instagram","entry":[]}');
    expect(instagram.verifyWebhook({ headers: { 'x-hub-signature-256': metaSignature('app-secret', rawBody.toString()) }, rawBody })).toBe(
      true,
    );
    expect(instagram.verifyWebhook({ headers: { 'x-hub-signature-256': metaSignature('other', rawBody.toString()) }, rawBody })).toBe(
      false,
    );
    expect(instagram.verifyChallenge({ 'hub.mode': 'subscribe', 'hub.verify_token': 'vt', 'hub.challenge': '42' })).toBe('42');

    const at = 1_795_600_000_000;
    const igWebhook = {
      object: 'instagram',
      entry: [
        {
          id: '17841400000',
          time: at,
          messaging: [
            {
              sender: { id: '5566' },
              recipient: { id: '17841400000' },
              timestamp: at,
              message: { mid: 'm_ig1', text: 'oi', reply_to: { mid: 'm_ig0' } },
            },
            {
              sender: { id: '17841400000' },
              recipient: { id: '5566' },
              timestamp: at,
              message: { mid: 'm_ig2', text: 'echo', is_echo: true },
            },
            { sender: { id: '5566' }, recipient: { id: '17841400000' }, timestamp: at + 1, read: { mid: 'm_out1' } },
          ],
        },
      ],
    };
    expect(instagram.parseWebhook(igWebhook)).toEqual([
      {
        kind: 'message',
        externalId: 'm_ig1',
        conversationKey: '5566',
        from: { id: '5566', name: null, username: null },
        text: 'oi',
        file: null,
        content: null,
        sentAt: new Date(at).toISOString(),
        replyToExternalId: 'm_ig0',
      },
      { kind: 'status', externalId: 'm_out1', status: 'read', at: new Date(at + 1).toISOString(), error: null },
    ]);
    expect(messenger.parseWebhook(igWebhook)).toEqual([]);
    const pageWebhook = {
      object: 'page',
      entry: [
        {
          id: '1122334455',
          time: at,
          messaging: [
            { sender: { id: '6677' }, recipient: { id: '1122334455' }, timestamp: at, delivery: { mids: ['m_a', 'm_b'], watermark: at } },
            { sender: { id: '6677' }, recipient: { id: '1122334455' }, timestamp: at, read: { watermark: at + 5 } },
          ],
        },
      ],
    };
    expect(messenger.parseWebhook(pageWebhook)).toEqual([
      { kind: 'status', externalId: 'm_a', status: 'delivered', at: new Date(at).toISOString(), error: null },
      { kind: 'status', externalId: 'm_b', status: 'delivered', at: new Date(at).toISOString(), error: null },
      { kind: 'watermark', conversationKey: '6677', status: 'read', before: new Date(at + 5).toISOString() },
    ]);
  });
});
