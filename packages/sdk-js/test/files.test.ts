import { randomBytes } from 'node:crypto';
import type { ChatMessage } from '@chat4all/sdk-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balancer } from './cluster.js';
import { API_KEY, client, startRelay, until, userToken } from './relay.js';

const MiB = 1024 * 1024;

describe('files from the SDK', () => {
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let lb: Awaited<ReturnType<typeof balancer>>;
  let conversationId: string;
  let anaToken: string;
  let bobToken: string;

  beforeAll(async () => {
    relay = await startRelay({ config: { uploads: { maxBytes: 32 * MiB } } });
    lb = await balancer([relay.port]);
    [anaToken, bobToken] = [await userToken(relay.url, 'ana'), await userToken(relay.url, 'bob')];
    const response = await fetch(`${relay.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'group', createdBy: 'ana', memberIds: ['bob'], title: 'files' }),
    });
    conversationId = ((await response.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await lb.close();
    await relay.close();
    relay.remove();
  });

  const download = async (uploadId: string, token: string) =>
    Buffer.from(
      await (await fetch(`${relay.url}/v1/uploads/${uploadId}`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer(),
    );

  it('sends a file message that waits in the outbox for its upload, survives a dropped connection mid-upload, and arrives once', async () => {
    const ana = client(lb.url, anaToken);
    const bob = client(relay.url, bobToken);
    await Promise.all([ana.connect(), bob.connect()]);
    const bytes = randomBytes(16 * MiB);
    const pending = await ana.sendFile(conversationId, bytes, {
      name: 'video.mp4',
      type: 'video/mp4',
      width: 1280,
      height: 720,
      chunkSize: MiB,
      text: 'holiday',
    });
    expect(pending).toMatchObject({
      kind: 'file',
      status: 'pending',
      attachment: null,
      pendingFile: { name: 'video.mp4', type: 'video/mp4', size: 16 * MiB },
    });
    const followUp = await ana.send(conversationId, 'did you get it?');
    const upload = ana.uploadOf(pending.id);
    if (!upload) throw new Error('no upload for the file message');

    await until(upload.progress, (p) => p.bytesSent >= 6 * MiB);
    lb.cut();
    const afterCut: number[] = [];
    upload.progress.subscribe(() => afterCut.push(upload.progress.getSnapshot().bytesSent));
    const info = await upload.done;
    expect(info).toMatchObject({ complete: true, size: 16 * MiB, name: 'video.mp4' });
    // Resumed from what the relay held, not from zero.
    expect(afterCut.length).toBeGreaterThan(0);
    expect(Math.min(...afterCut)).toBeGreaterThan(0);

    const received = await until(bob.messages(conversationId), (messages) => messages.length >= 2);
    expect(received.map((m) => m.id)).toEqual([pending.id, followUp.id]);
    const file = received[0] as ChatMessage;
    expect(file).toMatchObject({
      kind: 'file',
      text: 'holiday',
      attachment: { name: 'video.mp4', type: 'video/mp4', size: 16 * MiB, width: 1280, height: 720 },
    });
    expect((await download(file.attachment?.uploadId as string, bobToken)).equals(bytes)).toBe(true);
    const mine = await until(
      ana.messages(conversationId),
      (messages) => messages.every((m) => m.status !== 'pending') && messages.length >= 2,
    );
    expect(mine[0]?.attachment).toEqual(file.attachment);
    await until(ana.outbox, (entries) => entries.length === 0);
    ana.close();
    bob.close();
  });

  it('pauses, resumes and cancels an upload; a refused upload marks its message failed', async () => {
    const ana = client(relay.url, anaToken);
    await ana.connect();
    const standalone = ana.upload(randomBytes(8 * MiB), { conversationId, chunkSize: MiB });
    await until(standalone.progress, (p) => p.bytesSent >= MiB);
    standalone.pause();
    expect(standalone.progress.getSnapshot().status).toBe('paused');
    standalone.resume();
    expect((await standalone.done).size).toBe(8 * MiB);

    const cancelled = await ana.sendFile(conversationId, randomBytes(8 * MiB), { chunkSize: MiB });
    const cancelling = ana.uploadOf(cancelled.id);
    if (!cancelling) throw new Error('no upload for the file message');
    await until(cancelling.progress, (p) => p.bytesSent > 0);
    await ana.cancel(cancelled.id);
    expect(ana.outbox.getSnapshot().some((e) => e.id === cancelled.id)).toBe(false);

    const tooBig = await ana.sendFile(conversationId, randomBytes(33 * MiB));
    const failed = await until(ana.outbox, (entries) => entries.some((e) => e.id === tooBig.id && e.status === 'failed'));
    expect(failed.find((e) => e.id === tooBig.id)?.error).toMatchObject({ code: 'UPLOAD_TOO_LARGE', retryable: false });
    await ana.cancel(tooBig.id);
    const history = await fetch(`${relay.url}/v1/conversations/${conversationId}/messages?limit=100`, {
      headers: { authorization: `Bearer ${anaToken}` },
    });
    const ids = ((await history.json()) as { messages: Array<{ id: string }> }).messages.map((m) => m.id);
    expect(ids).not.toContain(cancelled.id);
    expect(ids).not.toContain(tooBig.id);
    ana.close();
  });
});
