import { readFileSync, statSync, watch } from 'node:fs';
import { request } from 'node:http';
import { basename, join } from 'node:path';
import type { ConversationDetail } from '@chat4all/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patch, type RunningRelay, randomFile, tempDir, tusMetadata, twoNodes } from './fixtures.js';

const MiB = 1024 * 1024;

describe('an upload on two relay nodes (shared store, storage and Redis)', () => {
  let nodes: Awaited<ReturnType<typeof twoNodes>>;
  let a: RunningRelay;
  let b: RunningRelay;

  beforeAll(async () => {
    nodes = await twoNodes();
    ({ a, b } = nodes);
  });
  afterAll(() => nodes.close());

  it('is continued on the other node, which first makes the node holding it end its request', async () => {
    const [ana, bob] = [await a.user(), await a.user()];
    const conversationId = (
      await a.http<ConversationDetail>('POST', '/v1/conversations', { as: ana.token, body: { type: 'private', userId: bob.id } })
    ).body.id;
    const size = 8 * MiB;
    const source = await randomFile(tempDir(), size);
    const created = await fetch(`${a.url}/v1/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ana.token}`,
        'tus-resumable': '1.0.0',
        'upload-length': String(size),
        'upload-metadata': tusMetadata({ conversationId, sha256: source.sha256 }),
      },
    });
    const path = new URL(created.headers.get('location') ?? '', a.url).pathname;

    // A PATCH on node A that sends 1 MiB and then stalls, holding the upload's lock.
    const stalled = request(`${a.url}${path}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${ana.token}`,
        'tus-resumable': '1.0.0',
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
        'content-length': String(size),
      },
    });
    const ended = new Promise<number | 'closed'>((resolve) => {
      stalled.on('response', (res) => resolve(res.statusCode ?? 0));
      stalled.on('error', () => resolve('closed'));
      stalled.on('close', () => resolve('closed'));
    });
    stalled.write(readFileSync(source.path).subarray(0, MiB));
    // Node A holds the lock once it writes what it receives to the upload's file.
    await written(join(a.dataDir, 'uploads', basename(path)));

    // Node B needs the lock for HEAD: node A is asked to end its PATCH, and keeps what it received.
    const head = await fetch(`${b.url}${path}`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${ana.token}`, 'tus-resumable': '1.0.0' },
    });
    expect(head.status).toBe(200);
    await ended;
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(MiB);

    expect(await patch(`${b.url}${path}`, ana.token, source.path, offset, size)).toBe(204);
    const info = await a.http<{ complete: boolean; sha256: string }>('GET', `${path}/info`, { as: bob.token });
    expect(info.body).toMatchObject({ complete: true, sha256: source.sha256 });
  });
});

/** Resolves once the file exists and holds at least one byte. */
function written(file: string): Promise<void> {
  const size = () => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  };
  return new Promise((resolve) => {
    const watcher = watch(file, () => {
      if (size() > 0) {
        watcher.close();
        resolve();
      }
    });
    if (size() > 0) {
      watcher.close();
      resolve();
    }
  });
}
