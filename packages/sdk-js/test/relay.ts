import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay, type Relay, type RelayConfigInput } from '@chat4all/relay-server';
import { dropSchemas, POSTGRES_URL, relayCli } from '@chat4all/relay-server/testing';
import { afterAll } from 'vitest';
import WebSocket from 'ws';
import { type ClientOptions, createClient, type WebSocketConstructor } from '../src/index.js';

/** A free TCP port, for a relay that must come back on the same address. */
export { freePort } from '@chat4all/relay-server/testing';

export const APP_SECRET = 'sdk-test-app-secret-0123456789-abcdefghijk';
export const API_KEY = 'sk_sdk_test_0123456789abcdefghijklmnopqrstuv';
/** Tests that send thousands of messages lift the per-user send limit. */
export const UNLIMITED = { messagesPerMinute: 10_000_000, messageBurst: 1_000_000 } as const;

/** A relay on `port` (0 = any) with a data dir that outlives it, so a test can restart it. */
export async function startRelay(options: { port?: number; dataDir?: string; config?: RelayConfigInput } = {}) {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'chat4all-sdk-'));
  const relay: Relay = await createRelay({
    port: options.port ?? 0,
    dataDir,
    logLevel: 'silent',
    ...options.config,
    auth: { appSecret: APP_SECRET, apiKey: API_KEY },
  });
  const url = await relay.listen().catch(async (error: unknown) => {
    await relay.close();
    throw error;
  });
  const remove = () => rmSync(dataDir, { recursive: true, force: true });
  return {
    relay,
    url,
    dataDir,
    port: Number(new URL(url).port),
    close: () => relay.close(),
    remove,
    /** Closes the relay and deletes its data dir, for `await using`. */
    async [Symbol.asyncDispose]() {
      await relay.close();
      remove();
    },
  };
}

/**
 * The relay config of each store, for `describe.each(Object.keys(stores))`: SQLite, and PostgreSQL in a schema of its own per call
 * (`sdk_<name>_…`), dropped after the file's tests.
 */
export function bothStores(name: string): Record<string, () => RelayConfigInput> {
  const schemas: string[] = [];
  afterAll(() => dropSchemas(schemas));
  return {
    sqlite: () => ({}),
    postgres: () => {
      const schema = `sdk_${name}_${randomUUID().slice(0, 8)}`;
      schemas.push(schema);
      return { store: { driver: 'postgres', postgres: { url: POSTGRES_URL, schema, poolSize: 4 } } };
    },
  };
}

/** Upserts a user through the server API and mints a token for them. */
export async function userToken(url: string, userId: string, ttlSeconds?: number): Promise<string> {
  const call = (method: string, path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  await call('PUT', `/v1/users/${userId}`, { displayName: userId });
  const response = await call('POST', `/v1/users/${userId}/tokens`, ttlSeconds ? { ttlSeconds } : {});
  return ((await response.json()) as { token: string }).token;
}

export function client(url: string, token: string, options: Partial<ClientOptions> = {}) {
  return createClient({
    url,
    token,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    backoff: { baseMs: 20, maxMs: 200 },
    ...options,
  });
}

/** The relay CLI in its own process, so a test can kill it without warning. */
export function relayProcess(
  port: number,
  dataDir: string,
  env: Record<string, string> = {},
): { child: ChildProcess; ready: Promise<void> } {
  const relay = relayCli(['start'], {
    CHAT4ALL_PORT: String(port),
    CHAT4ALL_DATA_DIR: dataDir,
    CHAT4ALL_APP_SECRET: APP_SECRET,
    CHAT4ALL_API_KEY: API_KEY,
    CHAT4ALL_MESSAGES_PER_MINUTE: '10000000',
    CHAT4ALL_MESSAGE_BURST: '1000000',
    ...env,
  });
  const ready = new Promise<void>((resolve, reject) => {
    relay.listening.then(() => resolve());
    relay.exited.then((code) => reject(new Error(`relay exited with ${code}: ${relay.output()}`)));
  });
  return { child: relay.child, ready };
}

/** Resolves with the store's value once `predicate` holds, re-checking on every change. */
export function until<T>(
  store: { subscribe(listener: () => void): () => void; getSnapshot(): T },
  predicate: (value: T) => boolean,
): Promise<T> {
  return new Promise((resolve) => {
    if (predicate(store.getSnapshot())) return resolve(store.getSnapshot());
    const stop = store.subscribe(() => {
      if (!predicate(store.getSnapshot())) return;
      stop();
      resolve(store.getSnapshot());
    });
  });
}

/** Creates both users (if needed) and their private conversation through the server API. */
export async function privateConversation(url: string, a: string, b: string): Promise<string> {
  await Promise.all([userToken(url, a), userToken(url, b)]);
  const response = await fetch(`${url}/v1/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'private', userId: b, createdBy: a }),
  });
  return ((await response.json()) as { id: string }).id;
}
