import { randomUUID } from 'node:crypto';
import { it } from 'vitest';
import { POSTGRES_URL, REDIS_URL, startRelay, UNLIMITED } from './fixtures.js';

it('scratch', async () => {
  for (const store of ['sqlite', 'postgres'] as const) {
    const relay = await startRelay({
      limits: UNLIMITED,
      store: { driver: store, postgres: { url: POSTGRES_URL, schema: `zz_${randomUUID().slice(0, 6)}` } },
      bus: { driver: 'redis', redis: { url: REDIS_URL, keyPrefix: `scratch:${randomUUID()}` } },
    });
    const [ana, bob] = [await relay.user(), await relay.user()];
    const { body } = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: bob.id },
    });
    const s = await relay.connect(ana.token);
    const t0 = performance.now();
    for (let i = 0; i < 100; i++)
      await s.request({ type: 'message.send', conversationId: body.id, message: { id: randomUUID(), text: 'x' } });
    console.log(store, ((performance.now() - t0) / 100).toFixed(2), 'ms per sequential send');
    await relay.close();
  }
});
