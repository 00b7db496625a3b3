import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay } from './fixtures.js';

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
});
