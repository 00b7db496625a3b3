import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramConnector } from '../src/index.js';
import { fakeTelegram } from '../src/testing/index.js';

const TOKEN = '123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11';

/** An Update as Telegram posts it (https://core.telegram.org/bots/api#update). */
const update = (updateId: number, messageId: number, extra: Record<string, unknown> = {}) => ({
  update_id: updateId,
  message: {
    message_id: messageId,
    from: { id: 4242, is_bot: false, first_name: 'Maria', last_name: 'Silva', username: 'msilva', language_code: 'pt-br' },
    chat: { id: 4242, first_name: 'Maria', last_name: 'Silva', username: 'msilva', type: 'private' },
    date: 1_795_600_000,
    ...extra,
  },
});

describe('Telegram connector against a Bot API fake', () => {
  let telegram: Awaited<ReturnType<typeof fakeTelegram>>;
  let connector: TelegramConnector;

  beforeAll(async () => {
    telegram = await fakeTelegram(TOKEN);
    telegram.chat(4242);
    telegram.chat(777, 'blocked');
    connector = new TelegramConnector({ token: TOKEN, baseUrl: telegram.url, secretToken: 'webhook-secret_1' });
  });
  afterAll(() => telegram.close());

  it('sends text, replies, photos and documents in the Bot API shapes and returns the message id', async () => {
    expect(await connector.send({ id: 'm1', recipientId: '4242', text: 'Olá!' })).toEqual({ ok: true, externalId: '4242:100' });
    // Our ids of Telegram messages are `<chat id>:<message id>`; the reply goes out with the Bot API's integer message_id.
    expect(await connector.send({ id: 'm2', recipientId: '4242', text: 'answer', replyToExternalId: '4242:100' })).toMatchObject({
      ok: true,
    });
    const file = {
      url: 'https://relay.example/v1/uploads/abc?expires=1https://relay.example/v1/uploads/abc?access_token=tsignature=s',
      name: 'a.png',
      type: 'image/png',
      size: 1000,
    };
    expect(await connector.send({ id: 'm3', recipientId: '4242', text: 'look', file })).toMatchObject({ ok: true });
    const pdf = { url: 'https://relay.example/v1/uploads/def', name: 'a.pdf', type: 'application/pdf', size: 6 * 1024 * 1024 };
    expect(await connector.send({ id: 'm4', recipientId: '4242', text: '', file: pdf })).toMatchObject({ ok: true });
    expect(telegram.calls.slice(-4)).toEqual([
      { method: 'sendMessage', body: { chat_id: '4242', text: 'Olá!' } },
      {
        method: 'sendMessage',
        body: { chat_id: '4242', text: 'answer', reply_parameters: { message_id: 100, allow_sending_without_reply: true } },
      },
      { method: 'sendPhoto', body: { chat_id: '4242', photo: file.url, caption: 'look' } },
      { method: 'sendDocument', body: { chat_id: '4242', document: pdf.url } },
    ]);
  });

  it('uploads the files Telegram does not take by URL, with the caption that fits and the rest of the text after it', async () => {
    const bytes = (n: number) => async () => new Uint8Array(n).fill(7);
    const url = 'https://relay.example/v1/uploads/x';
    const docx = { url, name: 'plan.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', size: 10 };
    const before = telegram.uploads.length;
    expect(await connector.send({ id: 'f1', recipientId: '4242', text: '', file: { ...docx, bytes: bytes(10) } })).toMatchObject({
      ok: true,
    });
    const video = { url, name: 'clip.mp4', type: 'video/mp4', size: 20, bytes: bytes(20) };
    const voice = { url: null, name: 'note.ogg', type: 'audio/ogg', size: 5, bytes: bytes(5) };
    const long = `${'palavra '.repeat(150)}fim`; // 1,203 characters: 1,024 fit a caption
    const sent = await connector.send({ id: 'f2', recipientId: '4242', text: long, file: video });
    expect(sent).toMatchObject({ ok: true, parts: [expect.stringMatching(/^4242:\d+$/), expect.stringMatching(/^4242:\d+$/)] });
    expect(await connector.send({ id: 'f3', recipientId: '4242', text: '', file: voice })).toMatchObject({ ok: true });
    expect(telegram.uploads.slice(before).map(({ method, field, name }) => ({ method, field, name }))).toEqual([
      { method: 'sendDocument', field: 'document', name: 'plan.docx' },
      { method: 'sendVideo', field: 'video', name: 'clip.mp4' },
      { method: 'sendVoice', field: 'voice', name: 'note.ogg' },
    ]);
    const [caption, rest] = telegram.calls.slice(-3, -1).map((call) => String(call.body.caption ?? call.body.text));
    expect(caption?.length).toBeLessThanOrEqual(1024);
    expect(`${caption} ${rest}`).toBe(long);
    expect(rest?.startsWith('palavra')).toBe(true);
  });

  it('cuts a text over 4,096 UTF-16 units into parts at spaces, never inside an emoji, and a retry sends only the parts still to go', async () => {
    const text = `${'😀 '.repeat(1500)}👋🏽`; // 4,502 units
    const first = await connector.send({ id: 't1', recipientId: '4242', text });
    if (!first.ok) throw new Error(first.error.message);
    expect(first.parts).toHaveLength(2);
    const texts = telegram.calls.slice(-2).map((call) => String(call.body.text));
    expect(texts.every((part) => part.length <= 4096 && !/^\s|\s$/.test(part))).toBe(true);
    expect(texts.join(' ')).toBe(text);

    telegram.failNext({ error_code: 502, description: 'Bad Gateway' });
    const cut = await connector.send({ id: 't2', recipientId: '4242', text, sentParts: [] });
    expect(cut).toMatchObject({ ok: false, error: { retry: 'backoff' } });
    const before = telegram.calls.length;
    // An earlier attempt sent the first part (its id kept by the relay): only the second goes now.
    const resumed = await connector.send({ id: 't2', recipientId: '4242', text, sentParts: ['4242:1'] });
    expect(resumed).toMatchObject({ ok: true, externalId: '4242:1', parts: ['4242:1', expect.any(String)] });
    expect(telegram.calls.length - before).toBe(1);
  });

  it('follows a group upgraded to a supergroup: the send goes to the new id, which it reports; the service messages say it moved', async () => {
    telegram.migrate(-4001, -1004001);
    const sent = await connector.send({ id: 'g1', recipientId: '-4001', text: 'olá grupo' });
    expect(sent).toMatchObject({ ok: true, recipientId: '-1004001', externalId: expect.stringMatching(/^-1004001:/) });
    expect(telegram.calls.slice(-2).map((c) => c.body.chat_id)).toEqual(['-4001', '-1004001']);
    expect(connector.isGroup('-1004001')).toBe(true);
    // The old group's last message and the supergroup's first (https://core.telegram.org/bots/api#message, migrate_to_chat_id / migrate_from_chat_id).
    const chat = (id: number) => ({ id, type: id < -1_000_000_000 ? 'supergroup' : 'group', title: 'Equipe' });
    expect(
      connector.parseWebhook({
        update_id: 70,
        message: { message_id: 9, chat: chat(-4001), date: 1_795_600_000, migrate_to_chat_id: -1004001 },
      }),
    ).toEqual([{ kind: 'moved', conversationKey: '-4001', to: '-1004001', at: new Date(1_795_600_000_000).toISOString() }]);
    expect(
      connector.parseWebhook({
        update_id: 71,
        message: { message_id: 1, chat: chat(-1004001), date: 1_795_600_000, migrate_from_chat_id: -4001 },
      }),
    ).toEqual([{ kind: 'moved', conversationKey: '-4001', to: '-1004001', at: new Date(1_795_600_000_000).toISOString() }]);
  });

  it('turns Telegram errors into retry decisions', async () => {
    telegram.failNext({ error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } });
    expect(await connector.send({ id: 'm', recipientId: '4242', text: 'x' })).toEqual({
      ok: false,
      error: { code: 'RATE_LIMITED', platformCode: '429', message: 'Too Many Requests: retry after 7', retry: 'after', retryAfterMs: 7000 },
    });
    telegram.failNext({ error_code: 502, description: 'Bad Gateway' });
    expect(await connector.send({ id: 'm', recipientId: '4242', text: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'UNAVAILABLE', retry: 'backoff' },
    });
    expect(await connector.send({ id: 'm', recipientId: '777', text: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'RECIPIENT_BLOCKED', platformCode: '403', retry: 'never' },
    });
    expect(await connector.send({ id: 'm', recipientId: '999', text: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_RECIPIENT', message: 'Bad Request: chat not found', retry: 'never' },
    });
    // The bot's own token refused: the account is held, not the message failed.
    const wrongToken = new TelegramConnector({ token: '1:wrong', baseUrl: telegram.url });
    expect(await wrongToken.send({ id: 'm', recipientId: '4242', text: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED', retry: 'hold' },
    });
    const unreachable = new TelegramConnector({ token: TOKEN, baseUrl: 'http://127.0.0.1:9' });
    expect(await unreachable.send({ id: 'm', recipientId: '4242', text: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'NETWORK', retry: 'backoff' },
    });
  });

  it('refuses, before calling Telegram, files over its limits', async () => {
    const before = telegram.calls.length;
    const huge = { url: 'https://relay.example/v1/uploads/big', name: 'movie.mp4', type: 'video/mp4', size: 50 * 1024 * 1024 };
    expect(await connector.send({ id: 'm', recipientId: '4242', text: '', file: huge })).toMatchObject({
      ok: false,
      error: { code: 'FILE_TOO_LARGE', retry: 'never' },
    });
    const tooBig = { ...huge, name: 'big.zip', type: 'application/zip', size: 51 * 1024 * 1024, bytes: async () => new Uint8Array(0) };
    expect(await connector.send({ id: 'm', recipientId: '4242', text: '', file: tooBig })).toMatchObject({
      ok: false,
      error: { code: 'FILE_TOO_LARGE', retry: 'never' },
    });
    expect(telegram.calls.length).toBe(before);
  });

  it('accepts webhooks only with the secret token, and reads messages, captions, photos and documents from Updates', () => {
    const body = Buffer.from('{}');
    expect(connector.verifyWebhook({ headers: { 'x-telegram-bot-api-secret-token': 'webhook-secret_1' }, rawBody: body })).toBe(true);
    expect(connector.verifyWebhook({ headers: { 'x-telegram-bot-api-secret-token': 'webhook-secret_2' }, rawBody: body })).toBe(false);
    expect(connector.verifyWebhook({ headers: {}, rawBody: body })).toBe(false);
    expect(
      new TelegramConnector({ token: TOKEN }).verifyWebhook({ headers: { 'x-telegram-bot-api-secret-token': '' }, rawBody: body }),
    ).toBe(false);

    expect(connector.parseWebhook(update(1, 10, { text: 'Oi', reply_to_message: { message_id: 9 } }))).toEqual([
      {
        kind: 'message',
        externalId: '4242:10',
        conversationKey: '4242',
        from: { id: '4242', name: 'Maria Silva', username: 'msilva' },
        text: 'Oi',
        file: null,
        content: null,
        sentAt: new Date(1_795_600_000 * 1000).toISOString(),
        replyToExternalId: '4242:9',
      },
    ]);
    const photo = update(2, 11, {
      caption: 'foto',
      photo: [
        { file_id: 'small', file_unique_id: 's', width: 90, height: 90, file_size: 1000 },
        { file_id: 'large', file_unique_id: 'l', width: 1280, height: 1280, file_size: 90_000 },
      ],
    });
    expect(connector.parseWebhook(photo)[0]).toMatchObject({
      text: 'foto',
      file: { platformFileId: 'large', type: 'image/jpeg', size: 90_000 },
    });
    const document = update(3, 12, { document: { file_id: 'doc', file_name: 'nota.pdf', mime_type: 'application/pdf', file_size: 5000 } });
    expect(connector.parseWebhook(document)[0]).toMatchObject({
      text: '',
      file: { platformFileId: 'doc', name: 'nota.pdf', type: 'application/pdf' },
    });
    expect(() => connector.parseWebhook({ update_id: 4, edited_message: {} })).toThrow(TypeError);
  });

  it('reads every kind of Message content, and edited messages as edits', () => {
    // Message fields as the Bot API documents them (https://core.telegram.org/bots/api#message and the types it links).
    const file = (id: string) => ({ file_id: id, file_unique_id: `u${id}`, file_size: 1000 });
    const parse = (extra: Record<string, unknown>) => connector.parseWebhook(update(10, 30, extra))[0] as Record<string, unknown>;
    expect(parse({ voice: { ...file('v'), duration: 3, mime_type: 'audio/ogg' } })).toMatchObject({
      content: { type: 'voice' },
      file: { platformFileId: 'v', type: 'audio/ogg' },
    });
    expect(
      parse({
        audio: {
          ...file('a'),
          duration: 200,
          performer: 'Tom Jobim',
          title: 'Águas de Março',
          mime_type: 'audio/mpeg',
          file_name: 'aguas.mp3',
        },
      }),
    ).toMatchObject({ content: null, file: { name: 'aguas.mp3', type: 'audio/mpeg' } });
    expect(
      parse({ video: { ...file('vd'), width: 640, height: 360, duration: 5, mime_type: 'video/mp4' }, caption: 'olha' }),
    ).toMatchObject({ text: 'olha', file: { platformFileId: 'vd' } });
    // Round videos carry no mime_type.
    expect(parse({ video_note: { ...file('vn'), length: 240, duration: 4 } })).toMatchObject({
      content: { type: 'video_note' },
      file: { type: 'video/mp4' },
    });
    expect(
      parse({ sticker: { ...file('st'), type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, emoji: '😀' } }),
    ).toMatchObject({ content: { type: 'sticker', animated: false, emoji: '😀' }, file: { type: 'image/webp' } });
    // An animation comes with `document` set too: read as the animation.
    expect(
      parse({
        animation: { ...file('gif'), width: 320, height: 240, duration: 2, mime_type: 'video/mp4', file_name: 'dance.mp4' },
        document: { ...file('gif'), file_name: 'dance.mp4', mime_type: 'video/mp4' },
      }),
    ).toMatchObject({ file: { platformFileId: 'gif', name: 'dance.mp4' } });
    expect(parse({ location: { latitude: -23.5505, longitude: -46.6333 } })).toMatchObject({
      text: '-23.5505, -46.6333',
      file: null,
      content: { type: 'location', latitude: -23.5505, longitude: -46.6333, name: null },
    });
    expect(
      parse({
        location: { latitude: -22.9519, longitude: -43.2105 },
        venue: { location: { latitude: -22.9519, longitude: -43.2105 }, title: 'Cristo Redentor', address: 'Parque Nacional da Tijuca' },
      }),
    ).toMatchObject({
      text: 'Cristo Redentor — Parque Nacional da Tijuca',
      content: { type: 'location', name: 'Cristo Redentor', address: 'Parque Nacional da Tijuca' },
    });
    expect(parse({ contact: { phone_number: '+5511988887777', first_name: 'João', last_name: 'Souza', user_id: 5566 } })).toMatchObject({
      text: 'João Souza',
      content: {
        type: 'contacts',
        contacts: [{ name: 'João Souza', phones: [{ phone: '+5511988887777', type: null }], emails: [], organization: null }],
      },
    });
    expect(
      parse({
        poll: {
          id: 'p1',
          question: 'Pizza?',
          options: [],
          total_voter_count: 0,
          is_closed: false,
          is_anonymous: true,
          type: 'regular',
          allows_multiple_answers: false,
        },
      }),
    ).toMatchObject({ content: { type: 'unsupported', platformType: 'poll' } });
    expect(parse({ dice: { emoji: '🎲', value: 4 } })).toMatchObject({ content: { type: 'unsupported', platformType: 'dice' } });
    const edited = { update_id: 11, edited_message: { ...update(0, 30).message, text: 'Oi (editado)', edit_date: 1_795_600_100 } };
    expect(connector.parseWebhook(edited)).toEqual([
      { kind: 'edit', externalId: '4242:30', conversationKey: '4242', text: 'Oi (editado)', at: new Date(1_795_600_100_000).toISOString() },
    ]);
  });

  it('reads reactions as the user’s whole new set and button presses as choices; sets, edits and deletes in the Bot API shapes', async () => {
    // MessageReactionUpdated (https://core.telegram.org/bots/api#messagereactionupdated).
    const reaction = {
      update_id: 20,
      message_reaction: {
        chat: { id: 4242, type: 'private' },
        message_id: 30,
        user: { id: 4242, is_bot: false, first_name: 'Maria' },
        date: 1_795_600_200,
        old_reaction: [{ type: 'emoji', emoji: '👍' }],
        new_reaction: [
          { type: 'emoji', emoji: '🔥' },
          { type: 'custom_emoji', custom_emoji_id: '5368324170671202286' },
        ],
      },
    };
    expect(connector.parseWebhook(reaction)).toEqual([
      {
        kind: 'reaction',
        externalId: '4242:30',
        conversationKey: '4242',
        from: { id: '4242', name: 'Maria', username: null },
        keys: ['🔥', 'custom_emoji:5368324170671202286'],
        at: new Date(1_795_600_200_000).toISOString(),
      },
    ]);
    expect(() => connector.parseWebhook({ update_id: 21, message_reaction: { chat: {} } })).toThrow(TypeError);
    // CallbackQuery (https://core.telegram.org/bots/api#callbackquery): the button's text from the message's keyboard.
    const press = {
      update_id: 22,
      callback_query: {
        id: '4382bfdwdsb323b2d9',
        from: { id: 4242, is_bot: false, first_name: 'Maria' },
        chat_instance: '-53940',
        data: 'size:m',
        message: {
          message_id: 31,
          chat: { id: 4242, type: 'private' },
          date: 1_795_600_000,
          text: 'Tamanho?',
          reply_markup: {
            inline_keyboard: [
              [
                { text: 'P', callback_data: 'size:s' },
                { text: 'M', callback_data: 'size:m' },
              ],
            ],
          },
        },
      },
    };
    expect(connector.parseWebhook(press)).toEqual([
      expect.objectContaining({
        kind: 'message',
        externalId: 'callback:4382bfdwdsb323b2d9',
        conversationKey: '4242',
        text: 'M',
        content: { type: 'choice', payload: 'size:m', title: 'M', description: null },
        replyToExternalId: '4242:31',
        acknowledge: '4382bfdwdsb323b2d9',
      }),
    ]);

    const sent = await connector.send({ id: 'r1', recipientId: '4242', text: 'Tamanho?' });
    const externalId = sent.ok ? sent.externalId : '';
    expect(await connector.react('4242', externalId, '👍')).toEqual({ ok: true, externalId });
    expect(telegram.calls.at(-1)).toEqual({
      method: 'setMessageReaction',
      body: { chat_id: '4242', message_id: Number(externalId.split(':')[1]), reaction: [{ type: 'emoji', emoji: '👍' }] },
    });
    expect(await connector.react('4242', externalId, null)).toMatchObject({ ok: true });
    expect(telegram.calls.at(-1)?.body.reaction).toEqual([]);
    expect(await connector.react('4242', externalId, '🫠')).toMatchObject({
      ok: false,
      error: { code: 'REACTION_UNSUPPORTED', retry: 'never' },
    });
    expect(await connector.edit('4242', { parts: [externalId], file: false }, 'Qual tamanho?')).toEqual({ ok: true, externalId });
    expect(telegram.calls.at(-1)).toMatchObject({ method: 'editMessageText', body: { text: 'Qual tamanho?' } });
    // The same text again: Telegram says "not modified", which is no failure.
    expect(await connector.edit('4242', { parts: [externalId], file: false }, 'Qual tamanho?')).toMatchObject({ ok: true });
    expect(await connector.edit('4242', { parts: [externalId, '4242:999'], file: false }, 'x')).toMatchObject({
      ok: false,
      error: { code: 'EDIT_UNSUPPORTED' },
    });
    expect(await connector.delete('4242', [externalId])).toMatchObject({ ok: true });
    expect(telegram.calls.at(-1)).toMatchObject({ method: 'deleteMessages', body: { message_ids: [Number(externalId.split(':')[1])] } });
    expect(await connector.acknowledge('no-such-query')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('sets its webhook with the secret, and long-polls updates with a moving offset', async () => {
    expect(await connector.setWebhook('https://relay.example/v1/channels/telegram/webhook')).toMatchObject({ ok: true });
    expect(telegram.webhook()).toEqual({ url: 'https://relay.example/v1/channels/telegram/webhook', secret_token: 'webhook-secret_1' });
    telegram.queueUpdate(update(50, 20, { text: 'one' }));
    telegram.queueUpdate(update(51, 21, { text: 'two' }));
    const first = await connector.poll(0, 0);
    expect(first).toMatchObject({ nextOffset: 52, events: [{ text: 'one' }, { text: 'two' }] });
    expect(await connector.poll(52, 0)).toEqual({ nextOffset: 52, events: [] });
  });
});
