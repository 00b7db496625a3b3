import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SendAck } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, freePort, readAllMessages, TestSocket, tempDir } from './fixtures.js';

/** The server API of a relay started by the CLI, with the API key it generated into `dataDir`. */
function serverApi(url: string, dataDir: string) {
  const { apiKey } = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as { apiKey: string };
  return async <T>(method: string, path: string, body: unknown): Promise<T> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as T;
  };
}

describe('chat4all-relay CLI', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const dataDir = () => {
    const dir = tempDir();
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('starts embedded with no configuration, generates its secrets and says so, and stops on SIGTERM', async () => {
    const dir = dataDir();
    const relay = cli(['start'], { CHAT4ALL_DATA_DIR: dir, CHAT4ALL_PORT: '0' });
    children.push(relay.child);
    const url = await relay.listening;
    expect(relay.output()).toContain('generated appSecret and apiKey');
    const secrets = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')) as { appSecret: string; apiKey: string };
    expect(secrets.apiKey).toMatch(/^sk_/);
    expect(existsSync(join(dir, 'chat4all.db'))).toBe(true);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready' });
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });

  it('refuses to start in production without an app secret, naming the key', async () => {
    const relay = cli(['start'], { NODE_ENV: 'production', CHAT4ALL_DATA_DIR: dataDir(), CHAT4ALL_PORT: '0' });
    children.push(relay.child);
    expect(await relay.exited).toBe(1);
    expect(relay.output()).toMatch(/auth\.appSecret: is required when NODE_ENV=production/);
  });

  it('refuses a bad env value, naming the key and the variable', async () => {
    const relay = cli(['start'], { CHAT4ALL_DATA_DIR: dataDir(), CHAT4ALL_PORT: 'eighty' });
    children.push(relay.child);
    expect(await relay.exited).toBe(1);
    expect(relay.output()).toContain('Invalid configuration: port (from CHAT4ALL_PORT)');
  });

  it('migrates, and mints a development token that the started relay accepts', async () => {
    const dir = dataDir();
    const migrate = cli(['migrate'], { CHAT4ALL_DATA_DIR: dir });
    expect(await migrate.exited).toBe(0);
    const minted = cli(['token', 'dev-ana', '--name', 'Ana'], { CHAT4ALL_DATA_DIR: dir });
    expect(await minted.exited).toBe(0);
    const token = minted.output().trim().split('\n').pop() ?? '';
    expect(token.split('.')).toHaveLength(3);

    const relay = cli(['start'], { CHAT4ALL_DATA_DIR: dir, CHAT4ALL_PORT: '0' });
    children.push(relay.child);
    const url = await relay.listening;
    const me = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ id: 'dev-ana', displayName: 'Ana' });
  });

  it('mints a development token while the relay runs on the same data directory, through its server API', async () => {
    const dir = dataDir();
    const port = String(await freePort());
    const relay = cli(['start'], { CHAT4ALL_DATA_DIR: dir, CHAT4ALL_PORT: port });
    children.push(relay.child);
    const url = await relay.listening;
    const minted = cli(['token', 'dev-bob', '--name', 'Bob'], { CHAT4ALL_DATA_DIR: dir, CHAT4ALL_PORT: port });
    expect(await minted.exited).toBe(0);
    const token = minted.output().trim().split('\n').pop() ?? '';
    const me = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ id: 'dev-bob', displayName: 'Bob' });
  });

  it('loses no acked message when the process is killed (SIGKILL) mid-burst', async () => {
    const dir = dataDir();
    const env = { CHAT4ALL_DATA_DIR: dir, CHAT4ALL_PORT: '0', CHAT4ALL_MESSAGES_PER_MINUTE: '10000000', CHAT4ALL_MESSAGE_BURST: '1000000' };
    const first = cli(['start'], env);
    children.push(first.child);
    const url = await first.listening;
    const api = serverApi(url, dir);
    await api('PUT', '/v1/users/crash-ana', {});
    await api('PUT', '/v1/users/crash-bob', {});
    const { token } = await api<{ token: string }>('POST', '/v1/users/crash-ana/tokens', {});
    const conv = await api<{ id: string }>('POST', '/v1/conversations', { type: 'private', userId: 'crash-bob', createdBy: 'crash-ana' });

    const socket = await TestSocket.open(`${url.replace('http', 'ws')}/v1/ws?access_token=${token}`);
    const acked: SendAck[] = [];
    let killed = false;
    // Keep sending until 2,000 acks have come back, then kill the process without warning.
    await new Promise<void>((resolve) => {
      socket.ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; result?: SendAck };
        if (frame.type === 'ack' && frame.result && !killed) {
          acked.push(frame.result);
          if (acked.length >= 2000) {
            killed = true;
            first.child.kill('SIGKILL');
            resolve();
          }
        }
      });
      for (let i = 0; i < 5000; i++)
        socket.send({ type: 'message.send', id: String(i), conversationId: conv.id, message: { id: randomUUID(), text: `m${i}` } });
    });
    await first.exited;

    const second = cli(['start'], env);
    children.push(second.child);
    const url2 = await second.listening;
    const stored = new Map((await readAllMessages(url2, token, conv.id)).map((m) => [m.id, m.seq]));
    expect(acked.length).toBeGreaterThanOrEqual(2000);
    for (const ack of acked) expect(stored.get(ack.messageId)).toBe(ack.seq);
    // Seqs stay gap-free across the crash.
    expect([...stored.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: stored.size }, (_, i) => i + 1));
  });

  it('loses no acked message when SIGTERM arrives during a 10-sender burst, and exits cleanly', async () => {
    const dir = dataDir();
    const env = { CHAT4ALL_DATA_DIR: dir, CHAT4ALL_PORT: '0', CHAT4ALL_MESSAGES_PER_MINUTE: '10000000', CHAT4ALL_MESSAGE_BURST: '1000000' };
    const first = cli(['start'], env);
    children.push(first.child);
    const url = await first.listening;
    const api = serverApi(url, dir);
    const senders = Array.from({ length: 10 }, (_, i) => `term-${i}`);
    for (const id of senders) await api('PUT', `/v1/users/${id}`, {});
    const conv = await api<{ id: string }>('POST', '/v1/conversations', {
      type: 'group',
      createdBy: senders[0],
      memberIds: senders.slice(1),
    });
    const tokens = await Promise.all(senders.map((id) => api<{ token: string }>('POST', `/v1/users/${id}/tokens`, {})));
    const sockets = await Promise.all(
      tokens.map(({ token }) => TestSocket.open(`${url.replace('http', 'ws')}/v1/ws?access_token=${token}`)),
    );
    const acked: SendAck[] = [];
    let signalled = false;
    const closes = sockets.map((socket) => {
      socket.ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; result?: SendAck };
        if (frame.type === 'ack' && frame.result?.messageId) acked.push(frame.result);
        if (acked.length >= 1500 && !signalled) {
          signalled = true;
          first.child.kill('SIGTERM');
        }
      });
      for (let i = 0; i < 500; i++)
        socket.send({ type: 'message.send', id: String(i), conversationId: conv.id, message: { id: randomUUID(), text: `m${i}` } });
      return socket.closed;
    });
    const closed = await Promise.all(closes);
    expect(await first.exited).toBe(0);
    expect(closed.every((c) => c.code === 1001 && c.reason === 'SHUTTING_DOWN')).toBe(true);
    expect(signalled).toBe(true);

    const second = cli(['start'], env);
    children.push(second.child);
    const url2 = await second.listening;
    const stored = new Map((await readAllMessages(url2, tokens[0]?.token ?? '', conv.id)).map((m) => [m.id, m.seq]));
    for (const ack of acked) expect(stored.get(ack.messageId)).toBe(ack.seq);
    expect([...stored.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: stored.size }, (_, i) => i + 1));
  });
});
