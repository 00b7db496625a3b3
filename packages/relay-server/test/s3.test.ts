import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ConversationDetail, DataExport, Message, UploadInfo } from '@chat4all/protocol';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_KEY, patch, type RunningRelay, randomFile, sharedFile, startRelay, tempDir, tusMetadata } from './fixtures.js';

const MiB = 1024 * 1024;

/** s3rver, an S3-compatible server from npm, in its own process with one bucket. */
async function s3rver(dir: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const bin = join(createRequire(import.meta.url).resolve('s3rver/package.json'), '..', 'bin', 's3rver.js');
  const child = spawn(process.execPath, [bin, '-d', dir, '-a', '127.0.0.1', '-p', '0', '--silent', '--configure-bucket', 'uploads']);
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on ([\d.]+):(\d+)/.exec(output);
      if (match) resolve(`http://${match[1]}:${match[2]}`);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}: ${output}`)));
  });
  return { child, endpoint };
}

describe('uploads in an S3-compatible store (s3rver)', () => {
  const dir = tempDir();
  const s3Uploads = (expiry: { expireAfterMs?: number; sweepIntervalMs?: number } = {}) => ({
    driver: 's3' as const,
    s3: { bucket: 'uploads', endpoint: server.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', partSize: 5 * MiB },
    ...expiry,
  });
  let server: Awaited<ReturnType<typeof s3rver>>;
  let relay: RunningRelay;
  let ana: { id: string; token: string };
  let bob: { id: string; token: string };
  let conversationId: string;

  beforeAll(async () => {
    server = await s3rver(join(dir, 's3'));
    relay = await startRelay(sharedFile({ uploads: s3Uploads() }));
    [ana, bob] = [await relay.user(), await relay.user()];
    conversationId = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', { as: ana.token, body: { type: 'private', userId: bob.id } })
    ).body.id;
  });
  afterAll(async () => {
    await relay.close();
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes an upload cut halfway and resumed, attaches it, serves it whole and by range, and checksums it', async () => {
    const size = 23 * MiB;
    const source = await randomFile(dir, size);
    const created = await fetch(`${relay.url}/v1/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ana.token}`,
        'tus-resumable': '1.0.0',
        'upload-length': String(size),
        'upload-metadata': tusMetadata({ conversationId, filename: 'archive.zip', filetype: 'application/zip', sha256: source.sha256 }),
      },
    });
    expect(created.status).toBe(201);
    const location = new URL(created.headers.get('location') ?? '', relay.url).toString();
    expect(await patch(location, ana.token, source.path, 0, size, 12 * MiB)).toBe('cut');
    const head = await fetch(location, { method: 'HEAD', headers: { authorization: `Bearer ${ana.token}`, 'tus-resumable': '1.0.0' } });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(12 * MiB);
    expect(await patch(location, ana.token, source.path, offset, size)).toBe(204);

    const uploadId = location.split('/').pop() as string;
    const socket = await relay.connect(ana.token);
    const ack = await socket.request({
      type: 'message.send',
      conversationId,
      message: { id: randomUUID(), text: '', attachment: { uploadId } },
    });
    expect(ack.type).toBe('ack');
    const history = await relay.http<{ messages: Message[] }>('GET', `/v1/conversations/${conversationId}/messages`, { as: bob.token });
    expect(history.body.messages[0]?.attachment).toMatchObject({ uploadId, size, sha256: source.sha256, name: 'archive.zip' });

    const whole = await fetch(`${relay.url}/v1/uploads/${uploadId}`, { headers: { authorization: `Bearer ${bob.token}` } });
    const hash = createHash('sha256');
    for await (const chunk of whole.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
    expect(hash.digest('hex')).toBe(source.sha256);
    const part = await fetch(`${relay.url}/v1/uploads/${uploadId}`, {
      headers: { authorization: `Bearer ${bob.token}`, range: `bytes=${6 * MiB}-${6 * MiB + 9}` },
    });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(10);
  });

  it('refuses a wrong checksum, and deletes from the bucket what no message uses', async () => {
    // A second node on the same bucket and database, whose uploads expire after a second.
    await using hasty = await startRelay(sharedFile({ uploads: s3Uploads({ expireAfterMs: 1_000, sweepIntervalMs: 100 }) }), {
      dataDir: relay.dataDir,
      keepData: true,
    });
    const bytes = Buffer.from('not what was declared');
    const refused = await fetch(`${hasty.url}/v1/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ana.token}`,
        'tus-resumable': '1.0.0',
        'upload-length': String(bytes.length),
        'upload-metadata': tusMetadata({ conversationId, sha256: '0'.repeat(64) }),
        'content-type': 'application/offset+octet-stream',
      },
      body: bytes,
    });
    expect(refused.status).toBe(460);

    const kept = await fetch(`${hasty.url}/v1/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ana.token}`,
        'tus-resumable': '1.0.0',
        'upload-length': String(bytes.length),
        'upload-metadata': tusMetadata({ conversationId }),
        'content-type': 'application/offset+octet-stream',
      },
      body: bytes,
    });
    expect(kept.status).toBe(201);
    const uploadId = kept.headers.get('location')?.split('/').pop() as string;
    const object = `${server.endpoint}/uploads/${uploadId}`;
    expect((await fetch(object)).status).toBe(200);
    await expect
      .poll(async () => (await hasty.http('GET', `/v1/uploads/${uploadId}/info`, { as: ana.token })).status, {
        timeout: 5_000,
        interval: 100,
      })
      .toBe(404);
    expect((await fetch(object)).status).toBe(404);
  });

  it('keeps an image’s thumbnail beside it in the bucket, serves it, and deletes it with the upload', async () => {
    await using hasty = await startRelay(sharedFile({ uploads: s3Uploads({ expireAfterMs: 1_000, sweepIntervalMs: 100 }) }), {
      dataDir: relay.dataDir,
      keepData: true,
    });
    const png = await sharp({ create: { width: 640, height: 320, channels: 4, background: '#36c' } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append('file', new Blob([png], { type: 'image/png' }), 'chart.png');
    const created = await fetch(`${hasty.url}/v1/conversations/${conversationId}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ana.token}` },
      body: form,
    });
    expect(created.status).toBe(201);
    const info = (await created.json()) as UploadInfo;
    expect(info).toMatchObject({ width: 640, height: 320, thumbnail: { width: 320, height: 160 } });
    const whole = await fetch(`${hasty.url}/v1/uploads/${info.id}`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(Buffer.from(await whole.arrayBuffer()).equals(png)).toBe(true);
    const object = `${server.endpoint}/uploads/${info.id}.thumbnail.webp`;
    expect((await fetch(object)).status).toBe(200);
    const served = await fetch(`${hasty.url}/v1/uploads/${info.id}/thumbnail`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(served.status).toBe(200);
    expect(await sharp(Buffer.from(await served.arrayBuffer())).metadata()).toMatchObject({ format: 'webp', width: 320, height: 160 });
    await expect
      .poll(async () => (await hasty.http('GET', `/v1/uploads/${info.id}/info`, { as: ana.token })).status, {
        timeout: 5_000,
        interval: 100,
      })
      .toBe(404);
    expect((await fetch(object)).status).toBe(404);
  });

  it('builds a data export into the bucket, serves it through its signed link, and erases the user’s files from the bucket', async () => {
    const carol = await relay.user();
    const group = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', { as: carol.token, body: { type: 'group', memberIds: [bob.id] } })
    ).body.id;
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('carol’s file')], { type: 'text/plain' }), 'carol.txt');
    const created = await fetch(`${relay.url}/v1/conversations/${group}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${carol.token}` },
      body: form,
    });
    const file = (await created.json()) as UploadInfo;
    const asked = await relay.http<DataExport>('POST', '/v1/me/exports', { as: carol.token });
    expect(asked.status).toBe(202);
    const ready = await vi.waitFor(
      async () => {
        const got = await relay.http<DataExport>('GET', `/v1/me/exports/${asked.body.id}`, { as: carol.token });
        if (got.body.status !== 'ready') throw new Error(`export is ${got.body.status}`);
        return got.body;
      },
      { timeout: 10_000, interval: 20 },
    );
    const object = `${server.endpoint}/uploads/export-${asked.body.id}`;
    expect((await fetch(object)).status).toBe(200);
    const archive = await fetch(`${relay.url}${ready.url}`);
    expect(archive.status).toBe(200);
    const tarball = gunzipSync(Buffer.from(await archive.arrayBuffer())).toString('latin1');
    expect(tarball).toContain(`files/${file.id}/carol.txt`);

    const erased = await relay.http('POST', `/v1/users/${carol.id}/erase`, { as: API_KEY });
    expect(erased).toMatchObject({ status: 200, body: { files: 1 } });
    expect((await fetch(`${server.endpoint}/uploads/${file.id}`)).status).toBe(404);
    expect((await fetch(object)).status).toBe(404);
  });
});
