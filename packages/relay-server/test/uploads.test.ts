import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ConversationDetail, Message, UploadInfo } from '@chat4all/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  APP_SECRET,
  type Cli,
  cli,
  patch,
  peakRss,
  type RunningRelay,
  randomFile,
  startRelay,
  tempDir,
  tusMetadata,
  unfinishedUpload,
} from './fixtures.js';

const MiB = 1024 * 1024;

describe('a 300 MiB resumable upload to a relay process', () => {
  const dir = tempDir();
  let relay: Cli;
  let url: string;
  const api = async <T>(method: string, path: string, as: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${as}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const token = async (id: string) => {
    await api('PUT', `/v1/users/${id}`, API_KEY, { displayName: id });
    return (await api<{ token: string }>('POST', `/v1/users/${id}/tokens`, API_KEY, {})).body.token;
  };

  beforeAll(async () => {
    relay = cli(['start'], {
      CHAT4ALL_PORT: '0',
      CHAT4ALL_DATA_DIR: join(dir, 'data'),
      CHAT4ALL_APP_SECRET: APP_SECRET,
      CHAT4ALL_API_KEY: API_KEY,
      CHAT4ALL_LOG_LEVEL: 'info',
    });
    url = await relay.listening;
  });
  afterAll(async () => {
    relay.child.kill('SIGTERM');
    await relay.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('is cut at 50%, resumes from the offset the relay reports, and downloads with the same SHA-256 while the relay’s memory stays flat', async () => {
    const size = 300 * MiB;
    const source = await randomFile(dir, size);
    const [ana, bob] = [await token('ana'), await token('bob')];
    const { body: conversation } = await api<ConversationDetail>('POST', '/v1/conversations', ana, { type: 'private', userId: 'bob' });
    const pid = relay.child.pid as number;
    const rssBefore = peakRss(pid);

    const created = await fetch(`${url}/v1/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ana}`,
        'tus-resumable': '1.0.0',
        'upload-length': String(size),
        'upload-metadata': tusMetadata({
          conversationId: conversation.id,
          filename: 'big.bin',
          filetype: 'application/octet-stream',
          sha256: source.sha256,
        }),
      },
    });
    expect(created.status).toBe(201);
    const location = new URL(created.headers.get('location') ?? '', url).toString();

    expect(await patch(location, ana, source.path, 0, size, size / 2)).toBe('cut');
    const head = await fetch(location, { method: 'HEAD', headers: { authorization: `Bearer ${ana}`, 'tus-resumable': '1.0.0' } });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(size / 2);
    expect(head.headers.get('upload-length')).toBe(String(size));
    // Someone else cannot see or continue it.
    const foreign = await fetch(location, { method: 'HEAD', headers: { authorization: `Bearer ${bob}`, 'tus-resumable': '1.0.0' } });
    expect(foreign.status).toBe(404);

    expect(await patch(location, ana, source.path, offset, size)).toBe(204);
    const uploadId = location.split('/').pop() as string;
    const { body: info } = await api<UploadInfo>('GET', `/v1/uploads/${uploadId}/info`, ana);
    expect(info).toMatchObject({ complete: true, size, sha256: source.sha256, name: 'big.bin', messageId: null });

    const download = await fetch(`${url}/v1/uploads/${uploadId}`, { headers: { authorization: `Bearer ${bob}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-length')).toBe(String(size));
    const hash = createHash('sha256');
    for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
    expect(hash.digest('hex')).toBe(source.sha256);

    // Upload, hash and download streamed: the relay's peak resident memory grew by less than 64 MiB for 300 MiB moved.
    expect(peakRss(pid) - rssBefore).toBeLessThan(64 * MiB);
  }, 180_000);
});

describe('files in conversations', () => {
  let relay: RunningRelay;
  let ana: { id: string; token: string };
  let bob: { id: string; token: string };
  let eve: { id: string; token: string };
  let conversationId: string;
  let otherConversationId: string;

  beforeAll(async () => {
    relay = await startRelay({ uploads: { maxBytes: 4 * MiB, smallMaxBytes: 64 * 1024, expireAfterMs: 1_000, sweepIntervalMs: 100 } });
    [ana, bob, eve] = [await relay.user(), await relay.user(), await relay.user()];
    conversationId = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', { as: ana.token, body: { type: 'private', userId: bob.id } })
    ).body.id;
    otherConversationId = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', { as: ana.token, body: { type: 'private', userId: eve.id } })
    ).body.id;
  });
  afterAll(() => relay.close());

  /** Uploads `bytes` in one tus request (creation-with-upload) and returns the upload id. */
  const upload = async (as: string, bytes: Buffer, meta: Record<string, string>) => {
    const response = await fetch(`${relay.url}/v1/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${as}`,
        'tus-resumable': '1.0.0',
        'upload-length': String(bytes.length),
        'upload-metadata': tusMetadata(meta),
        'content-type': 'application/offset+octet-stream',
      },
      body: bytes,
    });
    return { status: response.status, id: response.headers.get('location')?.split('/').pop() as string, body: await response.text() };
  };
  const sendFile = (socket: Awaited<ReturnType<RunningRelay['connect']>>, conversation: string, uploadId: string, id = randomUUID()) =>
    socket.request({ type: 'message.send', conversationId: conversation, message: { id, text: '', attachment: { uploadId } } });

  it('sends a file message that members receive live, and only members can download, whole or by range', async () => {
    const bytes = randomBytes(100_000);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const created = await upload(ana.token, bytes, {
      conversationId,
      filename: 'photo.png',
      filetype: 'image/png',
      width: '640',
      height: '480',
    });
    expect(created.status).toBe(201);
    const bobSocket = await relay.connect(bob.token);
    const anaSocket = await relay.connect(ana.token);
    const ack = await sendFile(anaSocket, conversationId, created.id);
    expect(ack.type).toBe('ack');
    const live = await bobSocket.waitFor((f) => f.type === 'message.created');
    const message = (live as { message: Message }).message;
    expect(message).toMatchObject({
      kind: 'file',
      text: '',
      attachment: { uploadId: created.id, name: 'photo.png', type: 'image/png', size: 100_000, sha256, width: 640, height: 480 },
    });

    const link = await relay.http<{ url: string }>('POST', `/v1/uploads/${created.id}/link`, { as: bob.token });
    const whole = await fetch(`${relay.url}${link.body.url}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('image/png');
    expect(whole.headers.get('content-disposition')).toBe('inline; filename="photo.png"');
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const part = await fetch(`${relay.url}/v1/uploads/${created.id}`, {
      headers: { authorization: `Bearer ${bob.token}`, range: 'bytes=1000-1999' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 1000-1999/100000');
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(1000, 2000))).toBe(true);

    const stranger = await relay.http<{ code: string }>('GET', `/v1/uploads/${created.id}`, { as: eve.token });
    expect(stranger).toEqual({ status: 404, body: expect.objectContaining({ code: 'UPLOAD_NOT_FOUND' }) });
  });

  it('keeps a finished upload from tus DELETE, and answers POST on an upload as no route', async () => {
    const id = await unfinishedUpload(relay, ana.token, conversationId, 4);
    const tus = (method: string, headers: Record<string, string> = {}, body?: Buffer) =>
      fetch(`${relay.url}/v1/uploads/${id}`, {
        method,
        headers: { authorization: `Bearer ${ana.token}`, 'tus-resumable': '1.0.0', ...headers },
        ...(body ? { body } : {}),
      });
    const written = await tus('PATCH', { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, Buffer.from('abcd'));
    expect(written.status).toBe(204);
    expect(written.headers.get('upload-offset')).toBe('4');
    expect((await relay.http<UploadInfo>('GET', `/v1/uploads/${id}/info`, { as: ana.token })).body.complete).toBe(true);
    expect((await tus('DELETE')).status).toBe(400);
    expect((await relay.http<UploadInfo>('GET', `/v1/uploads/${id}/info`, { as: ana.token })).status).toBe(200);
    const misplaced = await tus('POST', { 'upload-length': '4' });
    expect(misplaced.status).toBe(404);
    expect(((await misplaced.json()) as { code: string }).code).toBe('NOT_FOUND');
  });

  it('refuses foreign, misplaced, reused and unfinished uploads as attachments, and keeps the connection', async () => {
    const bytes = randomBytes(1000);
    const mine = await upload(ana.token, bytes, { conversationId, filename: 'a.bin' });
    const anaSocket = await relay.connect(ana.token);
    const bobSocket = await relay.connect(bob.token);
    const code = (reply: Awaited<ReturnType<typeof sendFile>>) => (reply.type === 'error' ? reply.error.code : 'ack');

    expect(code(await sendFile(bobSocket, conversationId, mine.id))).toBe('UPLOAD_NOT_FOUND');
    expect(code(await sendFile(anaSocket, otherConversationId, mine.id))).toBe('UPLOAD_NOT_FOUND');
    const messageId = randomUUID();
    expect(code(await sendFile(anaSocket, conversationId, mine.id, messageId))).toBe('ack');
    expect(code(await sendFile(anaSocket, conversationId, mine.id, messageId))).toBe('ack');
    expect(code(await sendFile(anaSocket, conversationId, mine.id))).toBe('UPLOAD_NOT_FOUND');
    expect(code(await sendFile(anaSocket, conversationId, 'no-such-upload'))).toBe('UPLOAD_NOT_FOUND');

    const unfinishedId = await unfinishedUpload(relay, ana.token, conversationId);
    expect(code(await sendFile(anaSocket, conversationId, unfinishedId))).toBe('UPLOAD_INCOMPLETE');
    // Terminated (tus DELETE) by anyone but its uploader: refused; by the uploader: gone.
    const terminate = (token: string) =>
      fetch(`${relay.url}/v1/uploads/${unfinishedId}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' },
      });
    expect((await terminate(bob.token)).status).toBe(404);
    expect((await terminate(ana.token)).status).toBe(204);
    await expect.poll(async () => (await relay.http('GET', `/v1/uploads/${unfinishedId}/info`, { as: ana.token })).status).toBe(404);
    expect(code(await sendFile(anaSocket, conversationId, unfinishedId))).toBe('UPLOAD_NOT_FOUND');
    expect(code(await anaSocket.request({ type: 'message.send', conversationId, message: { id: randomUUID(), text: '' } }))).toBe(
      'BAD_REQUEST',
    );
    expect(code(await anaSocket.request({ type: 'ping' }))).toBe('ack');
    const history = await relay.http<{ messages: Message[] }>('GET', `/v1/conversations/${conversationId}/messages?limit=200`, {
      as: ana.token,
    });
    expect(history.body.messages.filter((m) => m.id === messageId)).toHaveLength(1);
  });

  it('refuses uploads to conversations the uploader is not in, too large ones up front, and a wrong checksum', async () => {
    expect(await upload(eve.token, randomBytes(10), { conversationId })).toMatchObject({
      status: 404,
      body: expect.stringContaining('CONVERSATION_NOT_FOUND'),
    });
    const tooBig = await fetch(`${relay.url}/v1/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ana.token}`,
        'tus-resumable': '1.0.0',
        'upload-length': String(5 * MiB),
        'upload-metadata': tusMetadata({ conversationId }),
      },
    });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ code: 'UPLOAD_TOO_LARGE' });
    const bad = await upload(ana.token, Buffer.from('hello'), { conversationId, sha256: '0'.repeat(64) });
    expect(bad.status).toBe(460);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(await relay.http('GET', `/v1/uploads/${bad.id}/info`, { as: ana.token })).toMatchObject({ status: 404 });
    const anonymous = await fetch(`${relay.url}/v1/uploads`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': '5' },
    });
    expect(anonymous.status).toBe(401);
  });

  it('takes a small file in one multipart request, refuses one over the limit, and deletes uploads never attached', async () => {
    const form = (bytes: Buffer, name: string) => {
      const data = new FormData();
      data.set('sha256', createHash('sha256').update(bytes).digest('hex'));
      data.set('file', new Blob([bytes], { type: 'text/plain' }), name);
      return data;
    };
    const post = (as: string, conversation: string, data: FormData) =>
      fetch(`${relay.url}/v1/conversations/${conversation}/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${as}` },
        body: data,
      });
    const small = await post(ana.token, conversationId, form(Buffer.from('notes'), 'notes.txt'));
    expect(small.status).toBe(201);
    const info = (await small.json()) as UploadInfo;
    expect(info).toMatchObject({
      complete: true,
      size: 5,
      name: 'notes.txt',
      type: 'text/plain',
      sha256: createHash('sha256').update('notes').digest('hex'),
    });

    const big = await post(ana.token, conversationId, form(randomBytes(65 * 1024), 'big.bin'));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'UPLOAD_TOO_LARGE' });
    const outsider = await post(eve.token, conversationId, form(Buffer.from('x'), 'x.txt'));
    expect(outsider.status).toBe(404);

    // Never attached: gone after `expireAfterMs`, bytes and record.
    const file = join(relay.dataDir, 'uploads', info.id);
    expect(existsSync(file)).toBe(true);
    await expect
      .poll(async () => (await relay.http('GET', `/v1/uploads/${info.id}/info`, { as: ana.token })).status, {
        timeout: 5_000,
        interval: 100,
      })
      .toBe(404);
    expect(existsSync(file)).toBe(false);
  });
});
