import { randomBytes, randomUUID } from 'node:crypto';
import { fakeGraph } from '@chat4all/connectors/testing';
import type { ServerFrame } from '@chat4all/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import type { RelayConfigInput } from '../src/index.js';
import { deleteKeys, dropSchemas, POSTGRES_URL, REDIS_URL, startRelay } from './fixtures.js';

const WA = { accessToken: 'EAAJB-scaled', phoneNumberId: '106540352242922', appSecret: 'meta-app-secret', verifyToken: 'v' };
const schema = `channels_${randomBytes(6).toString('hex')}`;
const keyPrefix = `test:${randomBytes(6).toString('hex')}`;
afterAll(async () => {
  await dropSchemas([schema]);
  await deleteKeys(keyPrefix);
});

describe('channels on two nodes (PostgreSQL + Redis Streams)', () => {
  it('a webhook on one node reaches the agent on the other; each answer is sent once by the dispatch consumer group', async () => {
    const graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    const config: RelayConfigInput = {
      store: { driver: 'postgres', postgres: { url: POSTGRES_URL, schema, poolSize: 4 } },
      bus: { driver: 'redis', redis: { url: REDIS_URL, keyPrefix, partitions: 2 } },
      channels: [{ id: 'wa', type: 'whatsapp', members: ['agent'], baseUrl: graph.url, ...WA }],
      dispatch: { pollIntervalMs: 50 },
    };
    try {
      await using a = await startRelay(config);
      await using b = await startRelay(config);
      graph.subscribe(`${a.url}/v1/channels/wa/webhook`, WA.appSecret);
      const agent = await b.user('agent');
      const socket = await b.connect(agent.token);
      await graph.inbound({ from: '5511999990000', name: 'Maria', text: 'oi' });
      const created = await socket.waitFor((f) => f.type === 'message.created');
      const conversationId = created.type === 'message.created' ? created.message.conversationId : '';

      const ids: string[] = [];
      for (let n = 0; n < 20; n++) {
        const id = randomUUID();
        ids.push(id);
        socket.send({ type: 'message.send', id: `r${n}`, conversationId, message: { id, text: `resposta ${n}` } });
      }
      const sentOf = (id: string) => (f: ServerFrame) =>
        f.type === 'delivery.updated' && f.delivery.messageId === id && f.delivery.status === 'sent';
      const sent = await Promise.all(ids.map((id) => socket.waitFor(sentOf(id))));
      // Once each, and in the conversation's order, whichever node sent which.
      const texts = graph.calls.map((c) => (c.text as { body: string }).body);
      expect(texts).toEqual(ids.map((_, n) => `resposta ${n}`));
      // Statuses arrive at node A; the agent on node B sees them.
      for (const frame of sent) {
        if (frame.type !== 'delivery.updated') continue;
        await graph.status(frame.delivery.externalId as string, 'delivered', '5511999990000');
      }
      await Promise.all(
        ids.map((id) =>
          socket.waitFor((f) => f.type === 'delivery.updated' && f.delivery.messageId === id && f.delivery.status === 'delivered'),
        ),
      );
    } finally {
      await graph.close();
    }
  });
});
