import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { ConversationDetail, Message, UploadInfo } from '@chat4all/protocol';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchemas, POSTGRES_URL, type RunningRelay, startRelay, tusMetadata } from './fixtures.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } });

/** A PNG whose header claims `width`×`height` (a decompression bomb: a few bytes that decode to gigabytes). */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await solid(8, 8).png().toBuffer());
  // IHDR is the first chunk: length (4), type (4), width (4), height (4)…, then a CRC of type and data.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

async function uploadTus(relay: RunningRelay, token: string, bytes: Buffer, meta: Record<string, string>): Promise<string> {
  const response = await fetch(`${relay.url}/v1/uploads`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'tus-resumable': '1.0.0',
      'upload-length': String(bytes.length),
      'upload-metadata': tusMetadata(meta),
      'content-type': 'application/offset+octet-stream',
    },
    body: bytes,
  });
  expect(response.status).toBe(201);
  return response.headers.get('location')?.split('/').pop() as string;
}

async function uploadForm(relay: RunningRelay, token: string, conversationId: string, bytes: Buffer, name: string, type: string) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), name);
  const response = await fetch(`${relay.url}/v1/conversations/${conversationId}/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as UploadInfo };
}

describe.each([
  ['sqlite', () => ({})],
  [
    'postgres',
    () => {
      const schema = `thumbs_${randomUUID().slice(0, 8)}`;
      schemas.push(schema);
      return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 2 } } };
    },
  ],
])('image thumbnails (%s)', (_store, storeConfig) => {
  const setup = async (config: Parameters<typeof startRelay>[0] = {}) => {
    const relay = await startRelay({ ...storeConfig(), ...config });
    const [ana, bob, eve] = [await relay.user(), await relay.user(), await relay.user()];
    const conversation = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: bob.id },
    });
    return { relay, ana, bob, eve, conversationId: conversation.body.id };
  };

  it('turns a JPEG upright by its EXIF orientation, fits it in 320×320, and serves it to members only, by token or signed link', async () => {
    const { relay, ana, bob, eve, conversationId } = await setup();
    await using _relay = relay;
    // Stored 800×400, shown rotated a quarter turn (orientation 6): 400×800.
    const jpeg = await solid(800, 400).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const uploadId = await uploadTus(relay, ana.token, jpeg, { conversationId, filename: 'beach.jpg', filetype: 'image/jpeg' });

    const info = await relay.http<UploadInfo>('GET', `/v1/uploads/${uploadId}/info`, { as: ana.token });
    expect(info.body).toMatchObject({ complete: true, width: 400, height: 800, thumbnail: { width: 160, height: 320 } });

    const anaSocket = await relay.connect(ana.token);
    const bobSocket = await relay.connect(bob.token);
    const ack = await anaSocket.request({
      type: 'message.send',
      conversationId,
      message: { id: randomUUID(), text: '', attachment: { uploadId } },
    });
    expect(ack.type).toBe('ack');
    const live = (await bobSocket.waitFor((f) => f.type === 'message.created')) as { message: Message };
    expect(live.message.attachment).toMatchObject({ uploadId, width: 400, height: 800, thumbnail: { width: 160, height: 320 } });
    const history = await relay.http<{ messages: Message[] }>('GET', `/v1/conversations/${conversationId}/messages`, { as: bob.token });
    expect(history.body.messages.at(-1)?.attachment?.thumbnail).toEqual({ width: 160, height: 320 });

    const byToken = await fetch(`${relay.url}/v1/uploads/${uploadId}/thumbnail`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(byToken.status).toBe(200);
    expect(byToken.headers.get('content-type')).toBe('image/webp');
    expect(byToken.headers.get('x-content-type-options')).toBe('nosniff');
    expect(byToken.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(byToken.headers.get('cache-control')).toMatch(/^private/);
    expect(byToken.headers.get('content-disposition')).toBe('inline; filename="beach.webp"');
    const etag = byToken.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{64}-thumbnail"$/);
    const thumbnail = await sharp(Buffer.from(await byToken.arrayBuffer())).metadata();
    expect(thumbnail).toMatchObject({ format: 'webp', width: 160, height: 320 });
    const cached = await fetch(`${relay.url}/v1/uploads/${uploadId}/thumbnail`, {
      headers: { authorization: `Bearer ${bob.token}`, 'if-none-match': etag ?? '' },
    });
    expect(cached.status).toBe(304);

    const link = await relay.http<{ url: string }>('POST', `/v1/uploads/${uploadId}/link`, { as: bob.token });
    const signed = link.body.url.replace('?', '/thumbnail?');
    const bySignedLink = await fetch(`${relay.url}${signed}`);
    expect(bySignedLink.status).toBe(200);
    expect(bySignedLink.headers.get('content-type')).toBe('image/webp');
    const forged = await fetch(`${relay.url}${signed.replace(/signature=[^&]+/, 'signature=AAAA')}`);
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { code: string }).code).toBe('UNAUTHENTICATED');

    for (const path of [`/v1/uploads/${uploadId}/thumbnail`, `/v1/uploads/${uploadId}/info`]) {
      expect(await relay.http('GET', path, { as: eve.token })).toMatchObject({ status: 404, body: { code: 'UPLOAD_NOT_FOUND' } });
    }
    expect((await fetch(`${relay.url}/v1/uploads/${uploadId}/thumbnail`)).status).toBe(401);
    expect(await relay.http('GET', '/v1/uploads/no-such-upload/thumbnail', { as: bob.token })).toMatchObject({
      status: 404,
      body: { code: 'UPLOAD_NOT_FOUND' },
    });
  });

  it('never enlarges a small PNG, keeps the size its uploader gave, and takes the first frame of an animated GIF', async () => {
    const { relay, ana, conversationId } = await setup();
    await using _relay = relay;
    const png = await solid(100, 50).png().toBuffer();
    const small = await uploadForm(relay, ana.token, conversationId, png, 'dot.png', 'image/png');
    expect(small).toMatchObject({ status: 201, body: { complete: true, width: 100, height: 50, thumbnail: { width: 100, height: 50 } } });
    const smallInfo = await relay.http<UploadInfo>('GET', `/v1/uploads/${small.body.id}/info`, { as: ana.token });
    expect(smallInfo.body).toMatchObject({ width: 100, height: 50, thumbnail: { width: 100, height: 50 } });

    const declared = await uploadTus(relay, ana.token, png, { conversationId, filetype: 'image/png', width: '1000', height: '500' });
    const declaredInfo = await relay.http<UploadInfo>('GET', `/v1/uploads/${declared}/info`, { as: ana.token });
    expect(declaredInfo.body).toMatchObject({ width: 1000, height: 500, thumbnail: { width: 100, height: 50 } });

    const frames = await Promise.all(
      ['#f00', '#0f0', '#00f'].map((background) =>
        sharp({ create: { width: 640, height: 480, channels: 3, background } })
          .png()
          .toBuffer(),
      ),
    );
    const gif = await sharp(frames, { join: { animated: true } })
      .gif({ delay: [100, 100, 100] })
      .toBuffer();
    expect((await sharp(gif, { animated: true }).metadata()).pages).toBe(3);
    const animated = await uploadTus(relay, ana.token, gif, { conversationId, filename: 'loop.gif', filetype: 'image/gif' });
    const animatedInfo = await relay.http<UploadInfo>('GET', `/v1/uploads/${animated}/info`, { as: ana.token });
    expect(animatedInfo.body).toMatchObject({ width: 640, height: 480, thumbnail: { width: 320, height: 240 } });
    const thumbnail = await fetch(`${relay.url}/v1/uploads/${animated}/thumbnail`, { headers: { authorization: `Bearer ${ana.token}` } });
    const decoded = sharp(Buffer.from(await thumbnail.arrayBuffer()), { animated: true });
    const meta = await decoded.metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 320, height: 240 });
    expect(meta.pages ?? 1).toBe(1);
    const { dominant } = await decoded.stats();
    expect(dominant.r).toBeGreaterThan(200);
    expect(dominant.g + dominant.b).toBeLessThan(60);
  });

  it('completes corrupt images, bombs and files that are no image without a thumbnail, and the relay keeps serving', async () => {
    const { relay, ana, conversationId } = await setup({ uploads: { thumbnails: { maxInputPixels: 10_000_000 } } });
    await using _relay = relay;
    const jpeg = await solid(300, 300).jpeg().toBuffer();
    const hostile = [
      ['corrupt.jpg', 'image/jpeg', Buffer.concat([jpeg.subarray(0, 200), Buffer.alloc(2000, 0x5a)])],
      ['bomb.png', 'image/png', await pngClaiming(100_000, 100_000)],
      ['wide.png', 'image/png', await pngClaiming(20_000, 1_000)],
      ['text.png', 'image/png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')],
      ['empty.webp', 'image/webp', Buffer.alloc(0)],
    ] as const;
    for (const [filename, filetype, bytes] of hostile) {
      const viaForm = await uploadForm(relay, ana.token, conversationId, bytes, filename, filetype);
      expect(viaForm, filename).toMatchObject({ status: 201, body: { complete: true, thumbnail: null } });
      const viaTus = bytes.length > 0 ? await uploadTus(relay, ana.token, bytes, { conversationId, filename, filetype }) : viaForm.body.id;
      for (const id of [viaForm.body.id, viaTus]) {
        expect((await relay.http<UploadInfo>('GET', `/v1/uploads/${id}/info`, { as: ana.token })).body, filename).toMatchObject({
          complete: true,
          width: null,
          height: null,
          thumbnail: null,
        });
        expect(await relay.http('GET', `/v1/uploads/${id}/thumbnail`, { as: ana.token })).toMatchObject({
          status: 404,
          body: { code: 'UPLOAD_NOT_FOUND' },
        });
        const whole = await fetch(`${relay.url}/v1/uploads/${id}`, { headers: { authorization: `Bearer ${ana.token}` } });
        expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
      }
    }
    expect((await relay.http('GET', '/readyz')).status).toBe(200);
  });

  it('makes a video’s thumbnail from the poster its uploader sends, before the video is in a message, and refuses any other', async () => {
    const { relay, ana, bob, eve, conversationId } = await setup({ uploads: { thumbnails: { maxPosterBytes: 64 * 1024 } } });
    await using _relay = relay;
    // The relay does not read video: any bytes declared video/mp4 stand for one here.
    const video = Buffer.alloc(4096, 7);
    const videoId = await uploadTus(relay, ana.token, video, { conversationId, filename: 'clip.mp4', filetype: 'video/mp4' });
    expect((await relay.http<UploadInfo>('GET', `/v1/uploads/${videoId}/info`, { as: ana.token })).body.thumbnail).toBeNull();
    const put = (id: string, token: string, body: Buffer | string, type = 'image/jpeg') =>
      fetch(`${relay.url}/v1/uploads/${id}/poster`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': type },
        body,
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as UploadInfo & { code?: string } }));
    const still = await solid(1280, 720).jpeg().toBuffer();

    // Only its owner, only a video, only a JPEG, PNG or WebP that decodes, within maxPosterBytes.
    expect(await put(videoId, bob.token, still)).toMatchObject({ status: 404, body: { code: 'UPLOAD_NOT_FOUND' } });
    expect(await put(videoId, eve.token, still)).toMatchObject({ status: 404, body: { code: 'UPLOAD_NOT_FOUND' } });
    const photo = await uploadTus(relay, ana.token, still, { conversationId, filetype: 'image/jpeg' });
    expect(await put(photo, ana.token, still)).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect(await put(videoId, ana.token, '<svg xmlns="http://www.w3.org/2000/svg"/>', 'image/svg+xml')).toMatchObject({
      status: 415,
      body: { code: 'UNSUPPORTED_MEDIA_TYPE' },
    });
    expect(await put(videoId, ana.token, Buffer.concat([still.subarray(0, 300), Buffer.alloc(300)]))).toMatchObject({
      status: 400,
      body: { code: 'BAD_REQUEST' },
    });
    expect(await put(videoId, ana.token, await pngClaiming(100_000, 100_000), 'image/png')).toMatchObject({
      status: 400,
      body: { code: 'BAD_REQUEST' },
    });
    expect(await put(videoId, ana.token, Buffer.alloc(65 * 1024, 1))).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
    // A path where bytes should be is never read as a file, whatever the body claims to be; nor is no body at all.
    const onDisk = join(relay.dataDir, 'uploads', photo);
    expect(await put(videoId, ana.token, JSON.stringify(onDisk), 'application/json')).toMatchObject({
      status: 415,
      body: { code: 'UNSUPPORTED_MEDIA_TYPE' },
    });
    expect(await put(videoId, ana.token, onDisk, 'application/octet-stream')).toMatchObject({ status: 415 });
    expect(await put(videoId, ana.token, '', 'image/jpeg')).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    // What the bytes are counts, not what the header says: a GIF sent as a PNG is refused.
    const gif = await solid(64, 64).gif().toBuffer();
    expect(await put(videoId, ana.token, gif, 'image/png')).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect((await relay.http<UploadInfo>('GET', `/v1/uploads/${videoId}/info`, { as: ana.token })).body.thumbnail).toBeNull();

    const posted = await put(videoId, ana.token, still);
    expect(posted).toMatchObject({ status: 200, body: { id: videoId, width: 1280, height: 720, thumbnail: { width: 320, height: 180 } } });
    const anaSocket = await relay.connect(ana.token);
    const ack = await anaSocket.request({
      type: 'message.send',
      conversationId,
      message: { id: randomUUID(), text: '', attachment: { uploadId: videoId } },
    });
    expect(ack).toMatchObject({ type: 'ack' });
    const history = await relay.http<{ messages: Message[] }>('GET', `/v1/conversations/${conversationId}/messages`, { as: bob.token });
    expect(history.body.messages.at(-1)?.attachment).toMatchObject({ type: 'video/mp4', thumbnail: { width: 320, height: 180 } });
    const served = await fetch(`${relay.url}/v1/uploads/${videoId}/thumbnail`, { headers: { authorization: `Bearer ${bob.token}` } });
    expect(served.headers.get('content-type')).toBe('image/webp');
    expect(await sharp(Buffer.from(await served.arrayBuffer())).metadata()).toMatchObject({ format: 'webp', width: 320, height: 180 });
    // Once in a message, the attachment is what members were sent: no new poster.
    expect(await put(videoId, ana.token, still)).toMatchObject({ status: 404, body: { code: 'UPLOAD_NOT_FOUND' } });
  });

  it('makes none when thumbnails are turned off or the image is over maxInputBytes', async () => {
    const png = await solid(400, 400).png().toBuffer();
    for (const thumbnails of [{ enabled: false }, { maxInputBytes: png.length - 1 }]) {
      const { relay, ana, conversationId } = await setup({ uploads: { thumbnails } });
      await using _relay = relay;
      const id = await uploadTus(relay, ana.token, png, { conversationId, filetype: 'image/png' });
      expect((await relay.http<UploadInfo>('GET', `/v1/uploads/${id}/info`, { as: ana.token })).body).toMatchObject({
        complete: true,
        thumbnail: null,
      });
    }
  });
});

describe('a thumbnail’s lifetime', () => {
  it('is deleted with its upload when the upload expires unattached', async () => {
    await using relay = await startRelay({ uploads: { expireAfterMs: 1_000, sweepIntervalMs: 100 } });
    const [ana, bob] = [await relay.user(), await relay.user()];
    const conversationId = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', { as: ana.token, body: { type: 'private', userId: bob.id } })
    ).body.id;
    const id = await uploadTus(relay, ana.token, await solid(500, 500).png().toBuffer(), { conversationId, filetype: 'image/png' });
    const file = join(relay.dataDir, 'uploads', `${id}.thumbnail.webp`);
    expect(existsSync(file)).toBe(true);
    await expect
      .poll(async () => (await relay.http('GET', `/v1/uploads/${id}/info`, { as: ana.token })).status, { timeout: 5_000, interval: 100 })
      .toBe(404);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(relay.dataDir, 'uploads', id))).toBe(false);
  });
});
