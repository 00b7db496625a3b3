import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRelay, type Relay } from '@chat4all/relay-server';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const API_KEY = 'sk_example_0123456789abcdefghijklmnopqrstuvw';
const botScript = fileURLToPath(new URL('../bot.mjs', import.meta.url));

interface Message {
  seq: number;
  senderId: string | null;
  text: string;
  replyTo: string | null;
}

/**
 * The example as a user runs it: plain `node bot.mjs`, resolving @chat4all/sdk-js to its
 * built output, against a real relay.
 */
describe('examples/node-bot', () => {
  let relay: Relay | undefined;
  let bot: ChildProcess | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    bot?.kill('SIGKILL');
    await relay?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers in a conversation it is added to, as a reply', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chat4all-bot-'));
    relay = await createRelay({
      port: 0,
      dataDir,
      logLevel: 'silent',
      auth: { appSecret: 'example-app-secret-0123456789-abcdefghijk', apiKey: API_KEY },
    });
    const url = await relay.listen();
    const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await response.json()) as T;
    };

    bot = spawn(process.execPath, [botScript], {
      env: { PATH: process.env.PATH ?? '', CHAT4ALL_URL: url, CHAT4ALL_API_KEY: API_KEY, BOT_DATA_DIR: dataDir },
    });
    await new Promise<void>((resolve, reject) => {
      let output = '';
      bot?.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready')) resolve();
      });
      bot?.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      bot?.once('exit', (code) => reject(new Error(`bot exited with ${code}: ${output}`)));
    });

    await api('PUT', '/v1/users/visitor', {});
    const conversation = await api<{ id: string }>('POST', '/v1/conversations', {
      type: 'group',
      createdBy: 'visitor',
      memberIds: ['helper-bot'],
    });
    const { token } = await api<{ token: string }>('POST', '/v1/users/visitor/tokens', {});
    const visitor = new WebSocket(`${url.replace('http', 'ws')}/v1/ws?access_token=${token}`);
    await new Promise((resolve) => visitor.once('message', resolve));
    const questionId = crypto.randomUUID();
    const answer = new Promise<Message>((resolve) => {
      visitor.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; message?: Message };
        if (frame.type === 'message.created' && frame.message?.senderId === 'helper-bot') resolve(frame.message);
      });
    });
    visitor.send(
      JSON.stringify({ type: 'message.send', id: 'q', conversationId: conversation.id, message: { id: questionId, text: 'hello bot' } }),
    );
    expect(await answer).toMatchObject({ seq: 2, text: 'You said: hello bot', replyTo: questionId });
    visitor.close();
  });
});
