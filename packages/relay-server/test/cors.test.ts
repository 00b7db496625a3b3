import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, type RunningRelay, startRelay } from './fixtures.js';

describe('CORS for browser apps', () => {
  let relay: RunningRelay;
  afterEach(() => relay?.close());

  it('answers preflights from any origin by default, with the headers the SDK sends', async () => {
    relay = await startRelay();
    const preflight = await fetch(`${relay.url}/v1/conversations`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const user = await relay.user();
    const response = await fetch(`${relay.url}/v1/me`, {
      headers: { origin: 'https://app.example', authorization: `Bearer ${user.token}` },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('access-control-expose-headers')).toContain('retry-after');
  });

  it('allows only the configured origins when allowedOrigins is set', async () => {
    relay = await startRelay({ allowedOrigins: ['https://app.example'] });
    const allowed = await fetch(`${relay.url}/healthz`, { headers: { origin: 'https://app.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await fetch(`${relay.url}/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('leaves an OPTIONS that is no preflight to tus, which says what it supports; a preflight to uploads is still CORS', async () => {
    relay = await startRelay({ uploads: { maxBytes: 1234567 } });
    const discovery = await fetch(`${relay.url}/v1/uploads`, { method: 'OPTIONS' });
    expect(discovery.status).toBe(204);
    expect(discovery.headers.get('tus-version')).toBe('1.0.0');
    expect(discovery.headers.get('tus-max-size')).toBe('1234567');
    expect(discovery.headers.get('tus-extension')).toContain('creation');
    const preflight = await fetch(`${relay.url}/v1/uploads`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'tus-resumable',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('tus-resumable');
  });

  it('mints a token with no body at all, every field of which is optional', async () => {
    relay = await startRelay();
    const user = await relay.user();
    for (const headers of [{}, { 'content-type': 'application/json' }] as Array<Record<string, string>>) {
      const minted = await fetch(`${relay.url}/v1/users/${user.id}/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, ...headers },
      });
      expect(minted.status).toBe(201);
    }
  });
});
