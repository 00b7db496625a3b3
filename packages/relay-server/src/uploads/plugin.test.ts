import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { authPlugin } from '../auth/plugin.js';
import { conversationsPlugin } from '../conversations/plugin.js';
import { TEST_SECRETS, type TestApp, testApp } from '../http/test-app.js';
import { uploadsPlugin } from './plugin.js';
import { FileUploadStorage } from './storage.js';

describe('uploadsPlugin', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  async function withUploads() {
    t = await testApp();
    const { app, config, store, bus } = t;
    const { limits } = config;
    await app.register(authPlugin, { config: config.auth, secrets: TEST_SECRETS, limits, store, bus });
    await app.register(conversationsPlugin, { metadataMaxBytes: limits.metadataMaxBytes, store });
    const storage = new FileUploadStorage(join(config.dataDir, 'uploads'), config.uploads.expireAfterMs);
    await app.register(uploadsPlugin, { config: config.uploads, limits, linkSecret: TEST_SECRETS.appSecret, store, storage });
    await store.users.ensure('ana', null, Date.now());
    const conversation = await app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: { authorization: `Bearer ${TEST_SECRETS.apiKey}` },
      payload: { type: 'group', createdBy: 'ana' },
    });
    const { token } = await app.tokens.mint('ana');
    return { app, conversationId: conversation.json<{ id: string }>().id, auth: { authorization: `Bearer ${token}` } };
  }

  it('answers tus discovery without a token, and creates an upload with one', async () => {
    const { app, conversationId, auth } = await withUploads();
    const discovery = await app.inject({ method: 'OPTIONS', url: '/v1/uploads' });
    expect(discovery.statusCode).toBe(204);
    expect(discovery.headers['tus-version']).toBe('1.0.0');
    const metadata = `conversationId ${Buffer.from(conversationId).toString('base64')},filename ${Buffer.from('a.txt').toString('base64')}`;
    const created = await app.inject({
      method: 'POST',
      url: '/v1/uploads',
      headers: { ...auth, 'tus-resumable': '1.0.0', 'upload-length': '5', 'upload-metadata': metadata },
    });
    expect(created.statusCode).toBe(201);
    const id = String(created.headers.location).split('/').at(-1) ?? '';
    const info = await app.inject({ method: 'GET', url: `/v1/uploads/${id}/info`, headers: auth });
    expect(info.statusCode).toBe(200);
    expect(info.json()).toMatchObject({ id, size: 5, complete: false });
    expect((await app.uploads.visible('ana', id)).id).toBe(id);
  });

  it('answers UPLOAD_NOT_FOUND for an upload the caller cannot see', async () => {
    const { app, auth } = await withUploads();
    const info = await app.inject({ method: 'GET', url: '/v1/uploads/up_nothing/info', headers: auth });
    expect(info.statusCode).toBe(404);
    expect(info.json()).toMatchObject({ code: 'UPLOAD_NOT_FOUND' });
    const upload = await app.inject({ method: 'POST', url: '/v1/uploads', headers: { 'tus-resumable': '1.0.0', 'upload-length': '5' } });
    expect(upload.statusCode).toBe(401);
  });
});
