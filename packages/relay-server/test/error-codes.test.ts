import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import { metaSignature } from '@chat4all/connectors/testing';
import { ERROR_CODES, type ErrorCode } from '@chat4all/protocol';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toRelayError } from '../src/errors.js';
import { API_KEY, APP_SECRET, REDIS_URL, type RunningRelay, startRelay, TestSocket, tusMetadata, unfinishedUpload } from './fixtures.js';

interface Seen {
  code: string;
  status?: number;
  closeCode?: number;
}

/**
 * One trigger per code in the catalogue, each through the real relay where the code can be
 * produced from outside. The `Record<ErrorCode, …>` type makes a new code without a
 * trigger a compile error.
 */
describe('every error code is reachable', () => {
  let relay: RunningRelay;
  let ana: { id: string; token: string };
  let bob: { id: string; token: string };
  let conversationId: string;
  let messageId: string;
  let socket: TestSocket;

  beforeAll(async () => {
    relay = await startRelay({
      limits: {
        textMaxLength: 10,
        reactionKeysPerMessage: 1,
        pinnedConversations: 1,
        pinsPerConversation: 1,
        presenceSubscriptionsPerConnection: 1,
        metadataMaxBytes: 32,
        frameMaxBytes: 2048,
        frameHardMaxBytes: 8192,
        bodyMaxBytes: 2048,
      },
      uploads: { maxBytes: 1024 * 1024 },
      push: { devicesPerUser: 1 },
      moderation: { blocklist: [{ word: 'forbidden', action: 'reject', reason: 'No.' }] },
      // Platforms are never called here: the base URLs point at a closed port.
      channels: [
        { id: 'tg', type: 'telegram', token: '1:x', secretToken: 'tg-secret', baseUrl: 'http://127.0.0.1:9' },
        {
          id: 'wa',
          type: 'whatsapp',
          accessToken: 't',
          phoneNumberId: '1',
          appSecret: 's',
          verifyToken: 'v',
          baseUrl: 'http://127.0.0.1:9',
        },
      ],
    });
    ana = await relay.user();
    bob = await relay.user();
    const conv = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: bob.id },
    });
    conversationId = conv.body.id;
    messageId = randomUUID();
    await relay.http('POST', `/v1/conversations/${conversationId}/messages`, { as: ana.token, body: { id: messageId, text: 'hi' } });
    socket = await relay.connect(ana.token);
  });
  afterAll(() => relay.close());

  const http = async (method: string, path: string, options: Parameters<RunningRelay['http']>[2] = {}): Promise<Seen> => {
    const response = await relay.http<{ code: string }>(method, path, options);
    return { code: response.body.code, status: response.status };
  };
  const frame = async (value: Record<string, unknown>): Promise<Seen> => {
    const reply = await socket.request({ type: 'message.send', conversationId, ...value } as { type: string });
    return { code: reply.type === 'error' ? reply.error.code : 'none' };
  };
  const raw = async (text: string, id: string | null = null): Promise<Seen> => {
    const before = socket.frames.length;
    socket.send(text);
    const reply = await socket.waitFor((f) => socket.frames.indexOf(f) >= before && f.type === 'error' && f.id === id);
    return { code: reply.type === 'error' ? reply.error.code : 'none' };
  };
  const openAndClose = async (query: string): Promise<Seen> => {
    const ws = await TestSocket.open(`${relay.wsUrl}${query}`);
    const closed = await ws.closed;
    return { code: closed.reason, closeCode: closed.code };
  };
  const send = (over: Record<string, unknown> = {}) => ({ message: { id: randomUUID(), text: 'ok', ...over } });

  const tus = (headers: Record<string, string>, body?: string) =>
    http('POST', '/v1/uploads', {
      as: ana.token,
      body,
      headers: { 'tus-resumable': '1.0.0', 'content-type': 'application/offset+octet-stream', ...headers },
    });

  const triggers: Record<ErrorCode, () => Promise<Seen>> = {
    CHANNEL_NOT_FOUND: () => http('POST', '/v1/channels/nope/webhook', { body: {} }),
    CONTACT_NOT_FOUND: () => http('GET', '/v1/contacts/contact:nobody', { as: API_KEY }),
    DELIVERY_NOT_FOUND: () => http('POST', '/v1/admin/dead-letters/0123456789abcdef/replay', { as: API_KEY }),
    WEBHOOK_SIGNATURE_INVALID: () =>
      http('POST', '/v1/channels/tg/webhook', { body: { update_id: 1 }, headers: { 'x-telegram-bot-api-secret-token': 'guess' } }),
    CHANNEL_UNAVAILABLE: () => {
      // A signed WhatsApp webhook with an image, from a Graph API that does not answer (closed port).
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '1',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '1', phone_number_id: '1' },
                  messages: [
                    {
                      from: '5511999990000',
                      id: 'wamid.X',
                      timestamp: '1795600000',
                      type: 'image',
                      image: { id: '42', mime_type: 'image/jpeg' },
                    },
                  ],
                },
              },
            ],
          },
        ],
      });
      return http('POST', '/v1/channels/wa/webhook', { body, headers: { 'x-hub-signature-256': metaSignature('s', body) } });
    },
    WEBHOOK_NOT_FOUND: () => http('GET', '/v1/webhooks/wh_missing', { as: API_KEY }),
    WEBHOOK_ADDRESS_REFUSED: () =>
      http('POST', '/v1/webhooks', { as: API_KEY, body: { url: 'http://169.254.169.254/latest/meta-data', events: ['*'] } }),
    WEBHOOK_VERIFY_TOKEN_INVALID: () => http('GET', '/v1/channels/wa/webhook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1'),
    UPLOAD_NOT_FOUND: () => http('GET', '/v1/uploads/0123456789abcdef0123456789abcdef', { as: ana.token }),
    UPLOAD_INCOMPLETE: async () => {
      const uploadId = await unfinishedUpload(relay, ana.token, conversationId);
      return frame(send({ text: '', attachment: { uploadId } }));
    },
    UPLOAD_TOO_LARGE: () => tus({ 'upload-length': String(2 * 1024 * 1024), 'upload-metadata': tusMetadata({ conversationId }) }),
    RANGE_NOT_SATISFIABLE: async () => {
      const created = await relay.relay.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversationId}/files`,
        headers: { authorization: `Bearer ${ana.token}`, 'content-type': 'multipart/form-data; boundary=b' },
        payload:
          '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n',
      });
      const { id } = created.json() as { id: string };
      return http('GET', `/v1/uploads/${id}`, { as: ana.token, headers: { range: 'bytes=100-200' } });
    },
    CHECKSUM_MISMATCH: () =>
      tus({ 'upload-length': '5', 'upload-metadata': tusMetadata({ conversationId, sha256: '0'.repeat(64) }) }, 'hello'),
    BAD_REQUEST: () => frame({ message: { id: 'not-a-uuid', text: 'x' } }),
    MALFORMED_FRAME: () => raw('{not json'),
    UNKNOWN_FRAME_TYPE: () => raw(JSON.stringify({ type: 'message.shout', id: 'u1' }), 'u1'),
    FRAME_TOO_LARGE: () =>
      raw(
        JSON.stringify({ type: 'message.send', id: 'big', conversationId, message: { id: randomUUID(), text: 'x'.repeat(3000) } }),
        'big',
      ),
    PAYLOAD_TOO_LARGE: () =>
      http('POST', `/v1/conversations/${conversationId}/messages`, { as: ana.token, body: { id: randomUUID(), text: 'x'.repeat(4096) } }),
    UNSUPPORTED_MEDIA_TYPE: () =>
      http('POST', `/v1/conversations/${conversationId}/messages`, {
        as: ana.token,
        body: 'text',
        headers: { 'content-type': 'text/plain' },
      }),
    TEXT_TOO_LONG: () => frame(send({ text: 'this is longer than ten' })),
    METADATA_TOO_LARGE: () => frame(send({ metadata: { note: 'x'.repeat(64) } })),
    PROTOCOL_VERSION_UNSUPPORTED: () => openAndClose(`?v=99&access_token=${ana.token}`),
    UNAUTHENTICATED: () => openAndClose('?access_token=nope'),
    TOKEN_EXPIRED: async () => {
      const expired = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(ana.id)
        .setIssuer('chat4all')
        .setAudience('chat4all')
        .setExpirationTime(Math.floor(Date.now() / 1000) - 5)
        .sign(new TextEncoder().encode(APP_SECRET));
      return http('GET', '/v1/me', { as: expired });
    },
    INVALID_CREDENTIALS: () => http('POST', '/v1/auth/login', { body: { username: 'nobody', password: 'wrong' } }),
    REFRESH_TOKEN_INVALID: () => http('POST', '/v1/auth/refresh', { body: { refreshToken: 'never-issued' } }),
    REFRESH_TOKEN_REUSED: async () => {
      // A real rotation and reuse is covered in auth.test.ts; here the cheapest full path.
      const session = await relay.http<{ refreshToken: string }>('POST', '/v1/auth/register', {
        body: { username: `r${Date.now()}`, password: 'password-123' },
      });
      await relay.http('POST', '/v1/auth/refresh', { body: { refreshToken: session.body.refreshToken } });
      return http('POST', '/v1/auth/refresh', { body: { refreshToken: session.body.refreshToken } });
    },
    SESSION_REVOKED: async () => {
      // Logging out closes the sockets opened with that login's access tokens.
      const session = await relay.http<{ accessToken: string; refreshToken: string }>('POST', '/v1/auth/register', {
        body: { username: `s${Date.now()}`, password: 'password-123' },
      });
      const signedIn = await relay.connect(session.body.accessToken);
      await relay.http('POST', '/v1/auth/logout', { body: { refreshToken: session.body.refreshToken } });
      const closed = await signedIn.closed;
      return { code: closed.reason, closeCode: closed.code };
    },
    FORBIDDEN: () => http('PUT', '/v1/users/x', { as: ana.token, body: {} }),
    NOT_FOUND: () => http('GET', '/v1/nothing-here'),
    USER_NOT_FOUND: () => http('POST', '/v1/conversations', { as: ana.token, body: { type: 'private', userId: 'ghost' } }),
    CONVERSATION_NOT_FOUND: () => frame({ conversationId: randomUUID(), ...send() }),
    MESSAGE_NOT_FOUND: () =>
      http('PATCH', `/v1/conversations/${conversationId}/messages/${randomUUID()}`, { as: ana.token, body: { text: 'x' } }),
    REPLY_TARGET_NOT_FOUND: () => frame(send({ replyTo: randomUUID() })),
    MESSAGE_REJECTED: () => frame(send({ text: 'Forbidden' })),
    MENTION_NOT_MEMBER: () => frame(send({ mentions: [bob.id, 'nobody-here'] })),
    // A private conversation has no admins, so its members may not mention everyone.
    GROUP_MENTION_NOT_ALLOWED: () => frame(send({ mentionsAll: true })),
    THREAD_ROOT_NOT_FOUND: () => frame(send({ threadId: randomUUID() })),
    NESTED_THREAD: async () => {
      const reply = randomUUID();
      await frame(send({ id: reply, threadId: messageId }));
      return frame(send({ threadId: reply }));
    },
    THREAD_ROOT_DELETED: async () => {
      const root = randomUUID();
      await frame(send({ id: root }));
      await socket.request({ type: 'message.delete', conversationId, messageId: root });
      return frame(send({ threadId: root }));
    },
    MESSAGE_ID_CONFLICT: () =>
      relay.connect(bob.token).then(async (bobSocket) => {
        const reply = await bobSocket.request({ type: 'message.send', conversationId, message: { id: messageId, text: 'hijack' } });
        return { code: reply.type === 'error' ? reply.error.code : 'none' };
      }),
    MESSAGE_DELETED: async () => {
      const id = randomUUID();
      await frame({ message: { id, text: 'bye' } });
      await socket.request({ type: 'message.delete', conversationId, messageId: id });
      const reply = await socket.request({ type: 'message.edit', conversationId, messageId: id, text: 'back' });
      return { code: reply.type === 'error' ? reply.error.code : 'none' };
    },
    TOO_MANY_REACTIONS: async () => {
      // One different reaction per message here: bob's second kind is one too many.
      await socket.request({ type: 'reaction.add', conversationId, messageId, key: '👍' });
      const other = await relay.connect(bob.token);
      const reply = await other.request({ type: 'reaction.add', conversationId, messageId, key: '🎉' });
      other.close();
      return { code: reply.type === 'error' ? reply.error.code : 'none' };
    },
    TOO_MANY_PINNED_CONVERSATIONS: async () => {
      // One pinned conversation at most here: pinning a second is refused.
      const other = await relay.http<{ id: string }>('POST', '/v1/conversations', { as: ana.token, body: { type: 'group' } });
      await relay.http('PATCH', `/v1/conversations/${conversationId}/settings`, { as: ana.token, body: { pinned: true } });
      return http('PATCH', `/v1/conversations/${other.body.id}/settings`, { as: ana.token, body: { pinned: true } });
    },
    TOO_MANY_DEVICES: async () => {
      // One device per user here: a second endpoint is one too many.
      const ecdh = createECDH('prime256v1');
      const keys = { p256dh: ecdh.generateKeys().toString('base64url'), auth: randomBytes(16).toString('base64url') };
      const device = (endpoint: string) => ({ kind: 'webpush', subscription: { endpoint, keys } });
      await relay.http('POST', '/v1/me/devices', { as: bob.token, body: device('https://93.184.216.34/push/1') });
      return http('POST', '/v1/me/devices', { as: bob.token, body: device('https://93.184.216.34/push/2') });
    },
    // Another user's export looks like no export at all.
    EXPORT_NOT_FOUND: async () => {
      const mine = await relay.http<{ id: string }>('POST', '/v1/me/exports', { as: bob.token });
      return http('GET', `/v1/me/exports/${mine.body.id}`, { as: ana.token });
    },
    BLOCKED: async () => {
      const [blocked, blocker] = [await relay.user(), await relay.user()];
      await relay.http('PUT', `/v1/me/blocks/${blocked.id}`, { as: blocker.token });
      return http('POST', '/v1/conversations', { as: blocked.token, body: { type: 'private', userId: blocker.id } });
    },
    MEMBER_MUTED: async () => {
      const carol = await relay.user();
      const group = await relay.http<{ id: string }>('POST', '/v1/conversations', {
        as: ana.token,
        body: { type: 'group', memberIds: [carol.id] },
      });
      await relay.http('PUT', `/v1/conversations/${group.body.id}/mutes/${carol.id}`, { as: ana.token, body: {} });
      return http('POST', `/v1/conversations/${group.body.id}/messages`, { as: carol.token, body: { id: randomUUID(), text: 'hi' } });
    },
    MEMBER_BANNED: async () => {
      const carol = await relay.user();
      const group = await relay.http<{ id: string }>('POST', '/v1/conversations', { as: ana.token, body: { type: 'group' } });
      await relay.http('PUT', `/v1/conversations/${group.body.id}/bans/${carol.id}`, { as: ana.token });
      return http('POST', `/v1/conversations/${group.body.id}/members`, { as: ana.token, body: { userIds: [carol.id] } });
    },
    REPORT_NOT_FOUND: () => http('PATCH', '/v1/reports/nope', { as: API_KEY, body: { status: 'dismissed' } }),
    PUSH_ENDPOINT_REFUSED: async () => {
      // Push services are https: the relay does not post notifications in the clear.
      const subscription = { endpoint: 'http://93.184.216.34/push/1', keys: { p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) } };
      return http('POST', '/v1/me/devices', { as: ana.token, body: { kind: 'webpush', subscription } });
    },
    TOO_MANY_PINS: async () => {
      // One pin per conversation here: a second message's is one too many.
      const [first, second] = [randomUUID(), randomUUID()];
      for (const id of [first, second]) await socket.request({ type: 'message.send', conversationId, message: { id, text: 'pin me' } });
      await socket.request({ type: 'pin.add', conversationId, messageId: first });
      const reply = await socket.request({ type: 'pin.add', conversationId, messageId: second });
      return { code: reply.type === 'error' ? reply.error.code : 'none' };
    },
    TOO_MANY_PRESENCE_SUBSCRIPTIONS: async () => {
      // One watched user per socket here: a second one who shares a conversation is one too many.
      const carol = await relay.user();
      await relay.http('POST', '/v1/conversations', { as: API_KEY, body: { type: 'group', createdBy: ana.id, memberIds: [carol.id] } });
      await socket.request({ type: 'presence.subscribe', userIds: [bob.id] });
      const reply = await socket.request({ type: 'presence.subscribe', userIds: [carol.id] });
      return { code: reply.type === 'error' ? reply.error.code : 'none' };
    },
    USERNAME_TAKEN: async () => {
      await relay.http('POST', '/v1/auth/register', { body: { username: 'taken-name', password: 'password-123' } });
      return http('POST', '/v1/auth/register', { body: { username: 'taken-name', password: 'password-456' } });
    },
    // The last three need the relay to fail or stop; they run last, in this order, on their own relay.
    INTERNAL: async () => {
      await using own = await startRelay();
      const user = await own.user();
      const conv = await own.http<{ id: string }>('POST', '/v1/conversations', {
        as: API_KEY,
        body: { type: 'group', createdBy: user.id },
      });
      const userSocket = await own.connect(user.token);
      (own.relay.store as unknown as { db: { close(): void } }).db.close();
      const reply = await userSocket.request({
        type: 'message.send',
        conversationId: conv.body.id,
        message: { id: randomUUID(), text: 'x' },
      });
      const ready = await own.http<{ code: string }>('GET', '/readyz');
      expect(ready).toMatchObject({ status: 503, body: { code: 'NOT_READY' } });
      return { code: reply.type === 'error' ? reply.error.code : 'none' };
    },
    NOT_READY: async () => {
      await using own = await startRelay();
      (own.relay.store as unknown as { db: { close(): void } }).db.close();
      const seen = await own.http<{ code: string }>('GET', '/readyz');
      return { code: seen.body.code, status: seen.status };
    },
    RATE_LIMITED: async () => {
      await using own = await startRelay({ limits: { messagesPerMinute: 60, messageBurst: 2 } });
      const user = await own.user();
      const conv = await own.http<{ id: string }>('POST', '/v1/conversations', {
        as: API_KEY,
        body: { type: 'group', createdBy: user.id },
      });
      const path = `/v1/conversations/${conv.body.id}/messages`;
      for (let i = 0; i < 2; i++) await own.http('POST', path, { as: user.token, body: { id: randomUUID(), text: 'ok' } });
      const seen = await own.http<{ code: string }>('POST', path, { as: user.token, body: { id: randomUUID(), text: 'one too many' } });
      return { code: seen.body.code, status: seen.status };
    },
    AUTH_BUSY: async () => {
      // One hash at a time and no queue: of logins sent together, all but the first are refused.
      await using own = await startRelay({ limits: { passwordHashesInFlight: 1, passwordHashQueue: 0 } });
      const logins = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          own.http<{ code: string }>('POST', '/v1/auth/login', { body: { username: `nobody-${i}`, password: 'wrong' } }),
        ),
      );
      const seen = logins.find((login) => login.body.code === 'AUTH_BUSY') ?? logins[0];
      return { code: seen?.body.code ?? 'none', status: seen?.status };
    },
    TOO_MANY_CONNECTIONS: async () => {
      await using own = await startRelay({ limits: { connectionsPerUser: 2 } });
      const user = await own.user();
      await own.connect(user.token);
      await own.connect(user.token);
      const third = await TestSocket.open(`${own.wsUrl}?access_token=${user.token}`);
      const closed = await third.closed;
      return { code: closed.reason, closeCode: closed.code };
    },
    ORIGIN_NOT_ALLOWED: async () => {
      await using own = await startRelay({ allowedOrigins: ['https://app.example'] });
      const user = await own.user();
      const allowed = await TestSocket.open(`${own.wsUrl}?access_token=${user.token}`, undefined, { origin: 'https://app.example' });
      expect((await allowed.next()).type).toBe('welcome');
      const evil = await TestSocket.open(`${own.wsUrl}?access_token=${user.token}`, undefined, { origin: 'https://evil.example' });
      const closed = await evil.closed;
      allowed.close();
      return { code: closed.reason, closeCode: closed.code };
    },
    SLOW_CONSUMER: async () => {
      // A client that opens with ?resume=1 and never resumes has its live events held; past the budget it is cut off.
      await using own = await startRelay({ limits: { sendBufferBytes: 16 * 1024 } });
      const reader = await own.user();
      const writer = await own.user();
      const conv = await own.http<{ id: string }>('POST', '/v1/conversations', {
        as: writer.token,
        body: { type: 'private', userId: reader.id },
      });
      const stalled = await TestSocket.open(`${own.wsUrl}?resume=1&access_token=${reader.token}`);
      await stalled.next();
      for (let i = 0; i < 40; i++) {
        await own.http('POST', `/v1/conversations/${conv.body.id}/messages`, {
          as: writer.token,
          body: { id: randomUUID(), text: 'x'.repeat(1000) },
        });
      }
      const closed = await stalled.closed;
      return { code: closed.reason, closeCode: closed.code };
    },
    RESUME_REQUIRED: async () => {
      // A node on the Redis bus whose reader connection is cut asks its clients to resume.
      const keyPrefix = `test:${randomUUID()}`;
      await using own = await startRelay({ bus: { driver: 'redis', redis: { url: REDIS_URL, keyPrefix } } });
      const user = await own.user();
      const userSocket = await own.connect(user.token);
      const admin = new Redis(REDIS_URL);
      const clients = (await admin.client('LIST')) as string;
      const reader = clients.split('\n').find((line) => line.includes(`name=${keyPrefix}:bus-reader`));
      await admin.client('KILL', 'ID', /id=(\d+)/.exec(reader ?? '')?.[1] ?? '0');
      const closed = await userSocket.closed;
      await admin.quit();
      return { code: closed.reason, closeCode: closed.code };
    },
    SHUTTING_DOWN: async () => {
      await using own = await startRelay();
      const user = await own.user();
      const userSocket = await own.connect(user.token);
      const closing = own.relay.close();
      const closed = await userSocket.closed;
      await closing;
      return { code: closed.reason, closeCode: closed.code };
    },
  };

  for (const [code, trigger] of Object.entries(triggers) as Array<[ErrorCode, () => Promise<Seen>]>) {
    it(code, async () => {
      const seen = await trigger();
      const spec = ERROR_CODES[code];
      expect(seen.code).toBe(code);
      if (seen.status !== undefined) expect(seen.status).toBe(spec.status);
      if (seen.closeCode !== undefined) expect(seen.closeCode).toBe(spec.closeCode);
      // The shared socket survives every error frame.
      if (socket.ws.readyState === socket.ws.OPEN) expect((await socket.request({ type: 'ping' })).type).toBe('ack');
    });
  }

  it('closes the socket with 1009 above the hard frame cap, and the relay keeps serving', async () => {
    const big = await relay.connect(ana.token);
    big.send(JSON.stringify({ type: 'ping', id: 'huge', pad: 'x'.repeat(10_000) }));
    expect((await big.closed).code).toBe(ERROR_CODES.FRAME_TOO_LARGE.closeCode);
    expect((await socket.request({ type: 'ping' })).type).toBe('ack');
  });

  it('answers binary frames and schema violations with error frames and keeps the socket', async () => {
    socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    const binary = await socket.waitFor((f) => f.type === 'error' && f.error.message.startsWith('Binary'));
    expect(binary).toMatchObject({ error: { code: 'MALFORMED_FRAME' } });
    expect(await raw('[1,2]')).toEqual({ code: 'MALFORMED_FRAME' });
    const missing = await socket.request({ type: 'message.edit', conversationId });
    expect(missing).toMatchObject({ type: 'error', error: { code: 'BAD_REQUEST', details: expect.any(Array) } });
    const sent = await frame(send());
    expect(sent.code).toBe('none');
  });

  it('maps unknown failures to INTERNAL and keeps RelayErrors as they are', () => {
    expect(toRelayError(new Error('boom')).code).toBe('INTERNAL');
    expect(toRelayError('a string').code).toBe('INTERNAL');
  });
});
