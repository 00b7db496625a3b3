import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { AuthSession, DataExport, ErasureResult, Message, SendAck, UploadInfo } from '@chat4all/protocol';
import tar from 'tar-stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { RelayConfigInput } from '../src/config.js';
import { API_KEY, dropSchemas, POSTGRES_URL, type RunningRelay, startRelay, tusMetadata, twoNodes } from './fixtures.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

const DAY = 86_400_000;

const stores: Array<[string, () => RelayConfigInput]> = [
  ['sqlite', () => ({})],
  [
    'postgres',
    () => {
      const schema = `pdata_${randomUUID().slice(0, 8)}`;
      schemas.push(schema);
      return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 3 } } };
    },
  ],
];

/** A file in one multipart request, as an app uploads a small one. */
async function uploadFile(relay: RunningRelay, token: string, conversationId: string, bytes: Buffer, name: string): Promise<UploadInfo> {
  const data = new FormData();
  data.set('file', new Blob([bytes], { type: 'text/plain' }), name);
  const response = await fetch(`${relay.url}/v1/conversations/${conversationId}/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: data,
  });
  expect(response.status).toBe(201);
  return (await response.json()) as UploadInfo;
}

/** A whole file in one tus request (creation with upload), where the uploader names it as they like. */
async function tusFile(relay: RunningRelay, token: string, conversationId: string, bytes: Buffer, filename: string): Promise<string> {
  const created = await fetch(`${relay.url}/v1/uploads`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'tus-resumable': '1.0.0',
      'content-type': 'application/offset+octet-stream',
      'upload-length': String(bytes.length),
      'upload-metadata': tusMetadata({ conversationId, filename, filetype: 'text/plain' }),
    },
    body: bytes,
  });
  expect(created.status).toBe(201);
  return String(created.headers.get('location')).split('/').pop() as string;
}

/** Sends as the user over HTTP; the message's id and time. */
async function send(relay: RunningRelay, token: string, conversationId: string, message: Record<string, unknown>): Promise<Sent> {
  const sent = await relay.http<SendAck>('POST', `/v1/conversations/${conversationId}/messages`, {
    as: token,
    body: { id: randomUUID(), ...message },
  });
  expect(sent.status).toBe(201);
  return { id: sent.body.messageId, createdAt: sent.body.createdAt };
}

interface Sent {
  id: string;
  createdAt: string;
}

async function group(relay: RunningRelay, ownerId: string, memberIds: string[]): Promise<string> {
  const created = await relay.http<{ id: string }>('POST', '/v1/conversations', {
    as: API_KEY,
    body: { type: 'group', createdBy: ownerId, memberIds },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

/** Every entry of a gzip'd tar, by name. */
async function unpack(bytes: Buffer): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    stream.on('end', () => {
      entries.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  await pipeline(Readable.from([bytes]), createGunzip(), extract);
  return entries;
}

const jsonLines = (bytes: Buffer | undefined) =>
  (bytes?.toString('utf8') ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function readyExport(relay: RunningRelay, path: string, as: string): Promise<DataExport> {
  // The build runs in the background; the export's own route says when it is done.
  return vi.waitFor(
    async () => {
      const got = await relay.http<DataExport>('GET', path, { as });
      if (got.body.status !== 'ready') throw new Error(`export is ${got.body.status}`);
      return got.body;
    },
    { timeout: 10_000, interval: 20 },
  );
}

describe.each(stores)('a person’s data (%s)', (_store, storeConfig) => {
  it('exports a user’s profile, memberships, own messages and files as a tar.gz behind a short-lived link only they hold', async () => {
    await using relay = await startRelay(storeConfig());
    const ana = await relay.user();
    const bob = await relay.user();
    const conversationId = await group(relay, ana.id, [bob.id]);
    const file = { id: await tusFile(relay, ana.token, conversationId, Buffer.from('ana’s notes'), '../../etc/passwd') };
    const hello = await send(relay, ana.token, conversationId, { text: 'hello from ana' });
    const withFile = await send(relay, ana.token, conversationId, { text: '', attachment: { uploadId: file.id } });
    await send(relay, bob.token, conversationId, { text: 'bob’s own words' });

    const asked = await relay.http<DataExport>('POST', '/v1/me/exports', { as: ana.token });
    expect(asked).toMatchObject({ status: 202, body: { userId: ana.id, url: null } });
    expect(['pending', 'building', 'ready']).toContain(asked.body.status);
    const ready = await readyExport(relay, `/v1/me/exports/${asked.body.id}`, ana.token);
    expect(await (await fetch(`${relay.url}/metrics`)).text()).toContain('chat4all_data_exports_total{outcome="ready"} 1');
    expect(ready.url).toMatch(/^\/v1\/exports\/[0-9a-f]{32}\/archive\?user=.+&expires=\d+&signature=/);
    expect(Date.parse(ready.urlExpiresAt ?? '')).toBeLessThanOrEqual(Date.now() + 2 * 300_000);

    // The link is the credential: no token needed, and no other user can read the export.
    const download = await fetch(`${relay.url}${ready.url}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/gzip');
    expect(download.headers.get('cache-control')).toBe('private, no-store');
    const archive = Buffer.from(await download.arrayBuffer());
    expect(archive.length).toBe(ready.size);
    const entries = await unpack(archive);

    const profile = JSON.parse(entries.get('profile.json')?.toString('utf8') ?? '{}');
    expect(profile).toMatchObject({ user: { id: ana.id, displayName: ana.id }, exportId: asked.body.id });
    expect(jsonLines(entries.get('memberships.jsonl'))).toEqual([expect.objectContaining({ conversationId, role: 'owner' })]);
    const messages = jsonLines(entries.get('messages/000001.jsonl'));
    expect(messages.map((m) => m.id).sort()).toEqual([hello.id, withFile.id].sort());
    // Only what ana sent: what others wrote in her conversations is theirs.
    expect(JSON.stringify([...entries.values()].map((b) => b.toString('utf8')))).not.toContain('bob’s own words');
    const files = jsonLines(entries.get('files.jsonl'));
    expect(files).toEqual([expect.objectContaining({ id: file.id, messageId: withFile.id, name: '../../etc/passwd' })]);
    // A hostile file name stays one name inside the file's own folder.
    const path = `files/${file.id}/.._.._etc_passwd`;
    expect(files[0]?.path).toBe(path);
    expect(entries.get(path)?.toString('utf8')).toBe('ana’s notes');
    for (const name of entries.keys()) expect(name.split('/')).not.toContain('..');

    expect(await relay.http('GET', `/v1/me/exports/${asked.body.id}`, { as: bob.token })).toMatchObject({
      status: 404,
      body: { code: 'EXPORT_NOT_FOUND' },
    });
    const asBob = new URL(`${relay.url}${ready.url}`);
    asBob.searchParams.set('user', bob.id);
    expect((await fetch(asBob)).status).toBe(401);
    const forged = new URL(`${relay.url}${ready.url}`);
    forged.searchParams.set('signature', randomBytes(32).toString('base64url'));
    expect(await (await fetch(forged)).json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const unsigned = new URL(`${relay.url}${ready.url}`);
    unsigned.searchParams.delete('signature');
    expect((await fetch(unsigned)).status).toBe(401);
    // The server API key reads any user's exports.
    expect(await relay.http('GET', `/v1/users/${ana.id}/exports/${asked.body.id}`, { as: API_KEY })).toMatchObject({
      status: 200,
      body: { status: 'ready' },
    });
    expect(await relay.http('GET', `/v1/users/${bob.id}/exports/${asked.body.id}`, { as: API_KEY })).toMatchObject({ status: 404 });

    // A link minted a while ago has expired, though the archive is still there.
    const record = await relay.relay.store.privacy.getExport(asked.body.id);
    const stale = relay.relay.app.privacy.view(record as NonNullable<typeof record>, Date.now() - 3_600_000);
    expect(stale.url).not.toBeNull();
    const expired = await fetch(`${relay.url}${stale.url}`);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ code: 'UNAUTHENTICATED' });

    // An archive gone from storage behind the relay's back is answered as gone, not as a broken download.
    if (!('store' in storeConfig())) {
      const archivePath = join(relay.dataDir, 'uploads', `export-${asked.body.id}`);
      const kept = readFileSync(archivePath);
      rmSync(archivePath);
      expect(await (await fetch(`${relay.url}${ready.url}`)).json()).toMatchObject({ code: 'EXPORT_NOT_FOUND' });
      writeFileSync(archivePath, kept);
    }

    // Past `privacy.exportKeepMs` the archive and its row are deleted.
    expect(await relay.relay.app.privacy.sweepExports(Date.now() + 2 * DAY)).toBe(1);
    expect(await relay.http('GET', `/v1/me/exports/${asked.body.id}`, { as: ana.token })).toMatchObject({ status: 404 });
    expect((await fetch(`${relay.url}${ready.url}`)).status).toBe(404);
  });

  it('erases a user: messages tombstoned for every member live, files, devices and logins gone, the profile blank', async () => {
    await using relay = await startRelay({ ...storeConfig(), limits: { privacyRequestsPerMinute: 100 } });
    const ana = await relay.user();
    const bob = await relay.user();
    const conversationId = await group(relay, bob.id, [ana.id]);
    const file = await uploadFile(relay, ana.token, conversationId, Buffer.from('secret'), 'secret.txt');
    const withFile = await send(relay, ana.token, conversationId, { text: 'see attached', attachment: { uploadId: file.id } });
    const plain = await send(relay, ana.token, conversationId, { text: 'my address is 1 Main St' });
    const bobs = await send(relay, bob.token, conversationId, { text: 'thanks' });
    const loose = await uploadFile(relay, ana.token, conversationId, Buffer.from('never sent'), 'draft.txt');
    const ecdh = createECDH('prime256v1');
    const device = await relay.http('POST', '/v1/me/devices', {
      as: ana.token,
      body: {
        kind: 'webpush',
        subscription: {
          endpoint: 'https://93.184.216.34/push/ana',
          keys: { p256dh: ecdh.generateKeys().toString('base64url'), auth: randomBytes(16).toString('base64url') },
        },
      },
    });
    expect(device.status).toBe(201);
    const exported = await relay.http<DataExport>('POST', `/v1/users/${ana.id}/exports`, { as: API_KEY });
    expect(exported.status).toBe(202);
    await readyExport(relay, `/v1/users/${ana.id}/exports/${exported.body.id}`, API_KEY);
    const bobSocket = await relay.connect(bob.token);

    const erased = await relay.http<ErasureResult>('POST', `/v1/users/${ana.id}/erase`, { as: API_KEY });
    expect(erased).toMatchObject({ status: 200, body: { userId: ana.id, mode: 'tombstone', messages: 2, files: 2 } });

    // Bob sees each of ana's messages deleted, through the frame any delete sends.
    const deleted = new Set<string>();
    while (deleted.size < 2) {
      const frame = await bobSocket.next();
      if (frame.type === 'message.deleted') deleted.add(frame.message.id);
    }
    expect(deleted).toEqual(new Set([withFile.id, plain.id]));
    const history = await relay.http<{ messages: Message[] }>('GET', `/v1/conversations/${conversationId}/messages`, { as: bob.token });
    const byId = new Map(history.body.messages.map((m) => [m.id, m]));
    expect(byId.get(plain.id)).toMatchObject({ text: '', attachment: null, deletedAt: expect.any(String) });
    expect(byId.get(withFile.id)).toMatchObject({ attachment: null, deletedAt: expect.any(String) });
    expect(byId.get(bobs.id)).toMatchObject({ text: 'thanks', deletedAt: null });
    expect(JSON.stringify(history.body)).not.toContain('1 Main St');

    for (const id of [file.id, loose.id]) {
      expect(await relay.http('GET', `/v1/uploads/${id}/info`, { as: bob.token })).toMatchObject({ status: 404 });
      if (!('store' in storeConfig())) expect(existsSync(join(relay.dataDir, 'uploads', id))).toBe(false);
    }
    expect(await relay.http('GET', `/v1/users/${ana.id}`, { as: API_KEY })).toMatchObject({
      status: 200,
      body: { id: ana.id, displayName: null, metadata: {}, privateMetadata: {} },
    });
    expect(await relay.http('GET', '/v1/me/devices', { as: ana.token })).toMatchObject({ body: { devices: [] } });
    expect(await relay.http('GET', `/v1/users/${ana.id}/exports/${exported.body.id}`, { as: API_KEY })).toMatchObject({ status: 404 });
    if (!('store' in storeConfig())) expect(existsSync(join(relay.dataDir, 'uploads', `export-${exported.body.id}`))).toBe(false);

    // Asking again finishes nothing more and fails nothing.
    expect(await relay.http('POST', `/v1/users/${ana.id}/erase`, { as: API_KEY })).toMatchObject({
      status: 200,
      body: { messages: 0, files: 0 },
    });
  });

  it('deletes messages and files past their retention, conversation by conversation, and resumes where a dead node stopped', async () => {
    await using relay = await startRelay({
      ...storeConfig(),
      retention: { messageDays: 1, batchSize: 1, maxPerRun: 100, leaseMs: 60_000 },
    });
    const ana = await relay.user();
    const conversations = [await group(relay, ana.id, []), await group(relay, ana.id, []), await group(relay, ana.id, [])].sort();
    const [first, second, kept] = conversations as [string, string, string];
    expect(await relay.http('PUT', `/v1/conversations/${kept}/retention`, { as: API_KEY, body: { days: 0 } })).toMatchObject({
      status: 200,
      body: { conversationId: kept, days: 0 },
    });
    const file = await uploadFile(relay, ana.token, first, Buffer.from('old photo'), 'old.txt');
    const old: Sent[] = [];
    old.push(await send(relay, ana.token, first, { text: 'old 1', attachment: { uploadId: file.id } }));
    old.push(await send(relay, ana.token, second, { text: 'old 2' }));
    const keptMessage = await send(relay, ana.token, kept, { text: 'kept for ever' });
    const cutoff = Math.max(...old.map((m) => Date.parse(m.createdAt))) + 1;
    // A message written after the cut-off, which must stay: the clock moves on within a millisecond.
    while (Date.now() < cutoff) {}
    const fresh = await send(relay, ana.token, second, { text: 'new' });
    const now = cutoff + DAY;

    // A node took the sweep, finished the first conversation's turn (cursor saved) and died holding the lease.
    const privacy = relay.relay.store.privacy;
    expect(await privacy.claimSweep('retention', 'dead-node', now, 60_000)).toEqual({ cursor: null });
    expect(await privacy.saveSweep('retention', 'dead-node', first, now + 60_000)).toBe(true);
    expect(await relay.relay.app.privacy.sweepRetention(now)).toBeNull();

    // Once its lease lapses (as if it had been taken a minute earlier), another holder continues after the
    // cursor: the first conversation waits for the next pass.
    expect(await privacy.claimSweep('retention', 'dead-node', now - 120_000, 60_000)).toEqual({ cursor: first });
    const resumed = await relay.relay.app.privacy.sweepRetention(now);
    expect(resumed).toEqual({ deleted: 1, files: 0, complete: true });
    const read = async (conversationId: string) =>
      (await relay.http<{ messages: Message[] }>('GET', `/v1/conversations/${conversationId}/messages`, { as: API_KEY })).body.messages;
    expect((await read(first))[0]).toMatchObject({ id: old[0]?.id, deletedAt: null });
    const secondAfter = await read(second);
    expect(secondAfter.find((m) => m.id === old[1]?.id)).toMatchObject({ text: '', deletedAt: expect.any(String) });
    expect(secondAfter.filter((m) => m.deletedAt === null).every((m) => m.text === 'new')).toBe(true);

    // The next pass starts from the beginning: the first conversation's message goes, with its file.
    expect(await relay.relay.app.privacy.sweepRetention(now)).toEqual({ deleted: 1, files: 1, complete: true });
    expect((await read(first))[0]).toMatchObject({ text: '', attachment: null, deletedAt: expect.any(String) });
    expect(await relay.http('GET', `/v1/uploads/${file.id}/info`, { as: ana.token })).toMatchObject({ status: 404 });
    expect(await read(kept)).toEqual([expect.objectContaining({ id: keptMessage.id, text: 'kept for ever', deletedAt: null })]);
    expect((await read(second)).find((m) => m.id === fresh.id)).toMatchObject({ text: 'new', deletedAt: null });
    expect(await relay.relay.app.privacy.sweepRetention(now)).toEqual({ deleted: 0, files: 0, complete: true });
  });
});

describe('a person’s data: the rest', () => {
  it('across two nodes: an export asked on one downloads from the other, and an erasure on one reaches members on the other', async () => {
    const { a, b, close } = await twoNodes();
    try {
      const ana = await a.user();
      const bob = await a.user();
      const conversationId = await group(a, ana.id, [bob.id]);
      const said = await send(a, ana.token, conversationId, { text: 'on node a' });
      const asked = await a.http<DataExport>('POST', '/v1/me/exports', { as: ana.token });
      const ready = await readyExport(b, `/v1/me/exports/${asked.body.id}`, ana.token);
      const archive = await fetch(`${b.url}${ready.url}`);
      expect(archive.status).toBe(200);
      const entries = await unpack(Buffer.from(await archive.arrayBuffer()));
      expect(jsonLines(entries.get('messages/000001.jsonl')).map((m) => m.id)).toEqual([said.id]);

      const bobOnB = await b.connect(bob.token);
      expect(await a.http('POST', `/v1/users/${ana.id}/erase`, { as: API_KEY })).toMatchObject({ status: 200, body: { messages: 1 } });
      for (;;) {
        const frame = await bobOnB.next();
        if (frame.type === 'message.deleted') {
          expect(frame.message).toMatchObject({ id: said.id, text: '' });
          break;
        }
      }
    } finally {
      await close();
    }
  });

  it('an export past privacy.exportKeepMs is gone at once, before the sweep deletes its archive', async () => {
    await using relay = await startRelay({ privacy: { exportKeepMs: 1_000, pollIntervalMs: 600_000 } });
    const ana = await relay.user();
    const asked = await relay.http<DataExport>('POST', '/v1/me/exports', { as: ana.token });
    const ready = await readyExport(relay, `/v1/me/exports/${asked.body.id}`, ana.token);
    await vi.waitFor(
      async () =>
        expect(await relay.http('GET', `/v1/me/exports/${asked.body.id}`, { as: ana.token })).toMatchObject({
          status: 404,
          body: { code: 'EXPORT_NOT_FOUND' },
        }),
      { timeout: 5_000, interval: 50 },
    );
    // The sweep has not run: its row is still there, and the link it gave has lapsed with it.
    expect(await relay.relay.store.privacy.getExport(asked.body.id)).not.toBeNull();
    expect((await fetch(`${relay.url}${ready.url}`)).status).toBe(401);
  });

  it('a sweep cut short by its per-run limit is continued by another node on the same store after a restart', async () => {
    const config = { retention: { messageDays: 1, batchSize: 1, maxPerRun: 2 } };
    const first = await startRelay(config);
    const ana = await first.user();
    const conversations = [await group(first, ana.id, []), await group(first, ana.id, []), await group(first, ana.id, [])];
    const sent: Sent[] = [];
    for (const conversationId of conversations)
      for (const text of ['a', 'b']) sent.push(await send(first, ana.token, conversationId, { text }));
    const now = Math.max(...sent.map((m) => Date.parse(m.createdAt))) + 1 + DAY;
    expect(await first.relay.app.privacy.sweepRetention(now)).toEqual({ deleted: 2, files: 0, complete: false });
    await first.relay.close();

    await using second = await startRelay(config, { dataDir: first.dataDir });
    const live = async () => {
      let count = 0;
      for (const conversationId of conversations) {
        const page = await second.http<{ messages: Message[] }>('GET', `/v1/conversations/${conversationId}/messages`, { as: API_KEY });
        count += page.body.messages.filter((m) => m.deletedAt === null).length;
      }
      return count;
    };
    expect(await live()).toBe(4);
    expect(await second.relay.app.privacy.sweepRetention(now)).toEqual({ deleted: 2, files: 0, complete: false });
    expect(await live()).toBe(2);
    expect(await second.relay.app.privacy.sweepRetention(now)).toEqual({ deleted: 2, files: 0, complete: false });
    expect(await live()).toBe(0);
    // A run that spends its whole allowance cannot tell it was the last; the next finds nothing and completes the pass.
    expect(await second.relay.app.privacy.sweepRetention(now)).toEqual({ deleted: 0, files: 0, complete: true });
    const metrics = await (await fetch(`${second.url}/metrics`)).text();
    expect(metrics).toContain('chat4all_retention_deleted_total{what="messages"} 4');
  });

  it('anonymises instead with privacy.eraseMode, erases a WhatsApp contact, and lets a user erase themselves', async () => {
    await using relay = await startRelay({
      privacy: { eraseMode: 'anonymise' },
      // The platform is never called here: its base URL is a closed port.
      channels: [
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
    const ana = await relay.user();
    const bob = await relay.user();
    const conversationId = await group(relay, bob.id, [ana.id]);
    const said = await send(relay, ana.token, conversationId, { text: 'kept words' });
    const erased = await relay.http<ErasureResult>('POST', `/v1/users/${ana.id}/erase`, { as: API_KEY });
    expect(erased).toMatchObject({ status: 200, body: { mode: 'anonymise', messages: 1 } });
    const page = await relay.http<{ messages: Message[] }>('GET', `/v1/conversations/${conversationId}/messages`, { as: bob.token });
    expect(page.body.messages.find((m) => m.id === said.id)).toMatchObject({ text: 'kept words', senderId: null, deletedAt: null });

    const contact = await relay.http<{ id: string }>('POST', '/v1/contacts', {
      as: API_KEY,
      body: { channelId: 'wa', externalId: '5511999990000', displayName: 'Maria Customer' },
    });
    expect(contact.status).toBe(201);
    expect(await relay.http('POST', `/v1/contacts/${contact.body.id}/erase`, { as: API_KEY })).toMatchObject({ status: 200 });
    const after = await relay.http('GET', `/v1/contacts/${contact.body.id}`, { as: API_KEY });
    expect(JSON.stringify(after.body)).not.toContain('5511999990000');
    expect(JSON.stringify(after.body)).not.toContain('Maria Customer');
    // The identity is gone: the same number writing again is a new contact.
    const again = await relay.http<{ id: string }>('POST', '/v1/contacts', {
      as: API_KEY,
      body: { channelId: 'wa', externalId: '5511999990000' },
    });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(contact.body.id);

    expect(await relay.http('DELETE', '/v1/me', { as: bob.token })).toMatchObject({ status: 200, body: { userId: bob.id } });
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toContain('chat4all_erasures_total{kind="user"} 2');
    expect(metrics).toContain('chat4all_erasures_total{kind="contact"} 1');
    expect(await relay.http('GET', `/v1/users/${bob.id}`, { as: API_KEY })).toMatchObject({ body: { displayName: null } });
  });

  it('a built-in account that erases itself is signed out everywhere: its socket closes, its refresh token and password stop working', async () => {
    await using relay = await startRelay();
    const credentials = { username: `erin${randomBytes(3).toString('hex')}`, password: 'password-123' };
    const session = await relay.http<AuthSession>('POST', '/v1/auth/register', { body: credentials });
    expect(session.status).toBe(201);
    const socket = await relay.connect(session.body.accessToken);
    expect(await relay.http('DELETE', '/v1/me', { as: session.body.accessToken })).toMatchObject({ status: 200 });
    expect(await socket.closed).toMatchObject({ reason: 'SESSION_REVOKED' });
    expect(await relay.http('POST', '/v1/auth/refresh', { body: { refreshToken: session.body.refreshToken } })).toMatchObject({
      status: 401,
      body: { code: 'REFRESH_TOKEN_INVALID' },
    });
    expect(await relay.http('POST', '/v1/auth/login', { body: credentials })).toMatchObject({
      status: 401,
      body: { code: 'INVALID_CREDENTIALS' },
    });
    // The user name is free again.
    expect((await relay.http('POST', '/v1/auth/register', { body: credentials })).status).toBe(201);
  });

  it('marks an export failed when its files cannot be read, after privacy.maxAttempts builds, and leaves no archive behind', async () => {
    await using relay = await startRelay({ privacy: { maxAttempts: 1 } });
    const ana = await relay.user();
    const conversationId = await group(relay, ana.id, []);
    const file = await uploadFile(relay, ana.token, conversationId, Buffer.from('soon gone'), 'gone.txt');
    // The bytes vanish from storage behind the relay's back (a disk restored from an older backup).
    rmSync(join(relay.dataDir, 'uploads', file.id));
    const asked = await relay.http<DataExport>('POST', '/v1/me/exports', { as: ana.token });
    const failed = await vi.waitFor(
      async () => {
        const got = await relay.http<DataExport>('GET', `/v1/me/exports/${asked.body.id}`, { as: ana.token });
        if (got.body.status !== 'failed') throw new Error(`export is ${got.body.status}`);
        return got.body;
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(failed).toMatchObject({ url: null, size: null });
    expect(existsSync(join(relay.dataDir, 'uploads', `export-${asked.body.id}`))).toBe(false);
    expect(await (await fetch(`${relay.url}/metrics`)).text()).toContain('chat4all_data_exports_total{outcome="failed"} 1');
  });

  it('answers hostile requests with coded 4xx and limits how often a user asks', async () => {
    await using relay = await startRelay();
    const ana = await relay.user();
    const cases: Array<[string, string, string | undefined, unknown, number, string]> = [
      ['GET', '/v1/me/exports/..%2F..%2Fetc', ana.token, undefined, 400, 'BAD_REQUEST'],
      ['GET', `/v1/me/exports/${'a'.repeat(32)}`, ana.token, undefined, 404, 'EXPORT_NOT_FOUND'],
      ['POST', '/v1/users/ghost/exports', API_KEY, undefined, 404, 'USER_NOT_FOUND'],
      ['POST', '/v1/users/ghost/erase', API_KEY, undefined, 404, 'USER_NOT_FOUND'],
      ['POST', '/v1/contacts/contact:nobody/erase', API_KEY, undefined, 404, 'CONTACT_NOT_FOUND'],
      ['POST', `/v1/users/${ana.id}/erase`, ana.token, undefined, 403, 'FORBIDDEN'],
      ['POST', `/v1/users/${ana.id}/exports`, undefined, undefined, 401, 'UNAUTHENTICATED'],
      ['PUT', '/v1/conversations/nope/retention', API_KEY, { days: 3 }, 404, 'CONVERSATION_NOT_FOUND'],
      ['PUT', '/v1/conversations/nope/retention', API_KEY, { days: -1 }, 400, 'BAD_REQUEST'],
      ['PUT', '/v1/conversations/nope/retention', API_KEY, { days: '3; DROP TABLE messages' }, 400, 'BAD_REQUEST'],
      ['PUT', '/v1/conversations/nope/retention', API_KEY, { days: 1, extra: true }, 400, 'BAD_REQUEST'],
      [
        'GET',
        `/v1/exports/${'a'.repeat(32)}/archive?user=x&expires=99999999999999999999&signature=x`,
        undefined,
        undefined,
        401,
        'UNAUTHENTICATED',
      ],
      ['GET', `/v1/exports/${'a'.repeat(32)}/archive`, undefined, undefined, 401, 'UNAUTHENTICATED'],
    ];
    for (const [method, path, as, body, status, code] of cases)
      expect([path, await relay.http(method, path, { as, body })]).toMatchObject([path, { status, body: { code } }]);
    // `limits.privacyRequestsPerMinute` (2 by default): the third request within the minute waits.
    expect((await relay.http('POST', '/v1/me/exports', { as: ana.token })).status).toBe(202);
    expect((await relay.http('POST', '/v1/me/exports', { as: ana.token })).status).toBe(202);
    expect(await relay.http('POST', '/v1/me/exports', { as: ana.token })).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
  });
});
