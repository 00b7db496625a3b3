// The omnichannel inbox's back end for development: a relay with WhatsApp, Messenger,
// Instagram, Telegram and loopback channels, each platform one pointed at a fake of the
// platform that speaks its real API and webhooks, an agent to sign in as, and a small
// "simulator" API the app uses to make customers write in (text, a place, a button choice, a
// photo, a reaction), to expire and fix the WhatsApp token, and to see channel health.
//
//   pnpm start      relay on :8090, simulator on :8091, the app on http://localhost:5174
//
// Against real platforms, drop the fakes and put real credentials in the relay's `channels`
// config (docs/connectors.md); the app does not change.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signWebhook } from '@chat4all/connectors';
import { fakeGraph, fakeMetaSend, fakeTelegram, postWebhook } from '@chat4all/connectors/testing';
import { createRelay } from '@chat4all/relay-server';

const API_KEY = 'sk_inbox_example_0123456789abcdefghijklmnopq';
const APP_SECRET = 'inbox-example-app-secret-0123456789abcdefgh';
const META_SECRET = 'meta-app-secret-of-the-example';
const WA = { accessToken: 'EAAG-example', phoneNumberId: '106540352242922' };
/** The loopback channel's Standard Webhooks secret: people "write in" on it with signed JSON. */
const LOOPBACK_SECRET = 'whsec_aW5ib3gtZXhhbXBsZS1sb29wYmFjay1zZWNyZXQ=';
/** The agents: each is a member of every channel's conversations, so any of them can be assigned one. */
export const AGENTS = [
  { id: 'agent', displayName: 'Sofia Reis' },
  { id: 'marco', displayName: 'Marco Alves' },
  { id: 'lia', displayName: 'Lia Costa' },
];
const MEMBERS = AGENTS.map((a) => a.id);
/** A 1×1 PNG, the photo a simulated customer sends. */
const PHOTO = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** Customers of the simulator, one per channel. */
const CUSTOMERS = {
  whatsapp: { from: '5511999990000', name: 'Maria Silva' },
  // Meta's webhooks carry no name: the relay asks the User Profile API, which the fakes answer with `profile`.
  messenger: { from: '6677001', name: null, profile: { first_name: 'Lucas', last_name: 'Pereira' } },
  instagram: { from: '17841400009999', name: null, profile: { name: 'Ana Souza', username: 'ana.souza' } },
  telegram: { chatId: 5150, firstName: 'Rui' },
  loopback: { externalId: 'alice', name: 'Alice Martins' },
};

/**
 * Starts everything. `relayPort`/`simulatorPort` 0 pick free ports. `statusDelayMs` is how
 * long the fake phones take to report delivered (read takes twice that).
 */
export async function startInbox({
  relayPort = 8090,
  simulatorPort = 8091,
  statusDelayMs = 800,
  dataDir,
  appOrigins = ['http://localhost:5174', 'http://127.0.0.1:5174'],
} = {}) {
  // Only the app's own pages may call the simulator from a browser: it mints agent tokens and reads contacts.
  const origins = new Set(appOrigins);
  const whatsapp = await fakeGraph({ ...WA, autoStatusMs: statusDelayMs });
  const messenger = await fakeMetaSend({
    channel: 'messenger',
    accessToken: 'page-token',
    accountId: '1122334455',
    autoStatusMs: statusDelayMs,
    profiles: { [CUSTOMERS.messenger.from]: CUSTOMERS.messenger.profile },
  });
  const instagram = await fakeMetaSend({
    channel: 'instagram',
    accessToken: 'ig-token',
    accountId: '17841400000',
    autoStatusMs: statusDelayMs,
    profiles: { [CUSTOMERS.instagram.from]: CUSTOMERS.instagram.profile },
  });
  const telegram = await fakeTelegram('424242:example-bot');

  // The relay must know its public URL before it starts (Telegram's setWebhook): take a port first.
  const port = relayPort || (await freePort());
  const publicUrl = `http://127.0.0.1:${port}`;
  const relay = await createRelay({
    port,
    dataDir: dataDir ?? mkdtempSync(join(tmpdir(), 'chat4all-inbox-')),
    logLevel: 'warn',
    publicUrl,
    auth: { appSecret: APP_SECRET, apiKey: API_KEY },
    dispatch: { pollIntervalMs: 200 },
    channels: [
      { id: 'wa', type: 'whatsapp', members: MEMBERS, baseUrl: whatsapp.url, appSecret: META_SECRET, verifyToken: 'verify', ...WA },
      {
        id: 'fb',
        type: 'messenger',
        members: MEMBERS,
        baseUrl: messenger.url,
        accessToken: 'page-token',
        pageId: '1122334455',
        appSecret: META_SECRET,
        verifyToken: 'verify',
      },
      {
        id: 'ig',
        type: 'instagram',
        members: MEMBERS,
        baseUrl: instagram.url,
        accessToken: 'ig-token',
        accountId: '17841400000',
        appSecret: META_SECRET,
        verifyToken: 'verify',
      },
      { id: 'tg', type: 'telegram', members: MEMBERS, baseUrl: telegram.url, token: '424242:example-bot', secretToken: 'tg-secret' },
      { id: 'dev', type: 'loopback', members: MEMBERS, echo: true, statusDelayMs, secret: LOOPBACK_SECRET },
    ],
  });
  const relayUrl = await relay.listen();
  whatsapp.subscribe(`${relayUrl}/v1/channels/wa/webhook`, META_SECRET);
  messenger.subscribe(`${relayUrl}/v1/channels/fb/webhook`, META_SECRET);
  instagram.subscribe(`${relayUrl}/v1/channels/ig/webhook`, META_SECRET);

  const server = async (method, path, body) => {
    const response = await fetch(`${relayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.json();
  };
  for (const { id, displayName } of AGENTS) await server('PUT', `/v1/users/${id}`, { displayName });

  /**
   * A customer writes on a channel, as the platform would tell the relay: `kind` is `text`, a
   * `location`, a `choice` (a button reply), a `photo`, or a `reaction` to the agent's last message.
   */
  async function simulate(channel, text, kind = 'text') {
    switch (channel) {
      case 'whatsapp': {
        const customer = CUSTOMERS.whatsapp;
        // The webhook reference's message objects (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components).
        if (kind === 'location')
          return whatsapp.inboundMessage({
            ...customer,
            type: 'location',
            location: { latitude: -23.5614, longitude: -46.6559, name: 'Av. Paulista', address: 'São Paulo' },
          });
        if (kind === 'choice')
          return whatsapp.inboundMessage({
            ...customer,
            type: 'interactive',
            interactive: { type: 'button_reply', button_reply: { id: 'track-order', title: text || 'Track my order' } },
          });
        if (kind === 'photo')
          return whatsapp.inboundMedia({ ...customer, kind: 'image', bytes: PHOTO, mimeType: 'image/png', caption: text });
        if (kind === 'reaction') {
          const target = await lastAgentMessage('wa');
          if (!target) throw new Error('the agent has not written to this customer yet');
          return whatsapp.inboundMessage({ ...customer, type: 'reaction', reaction: { message_id: target, emoji: text || '❤️' } });
        }
        return whatsapp.inbound({ ...customer, text });
      }
      case 'messenger':
        return messenger.inbound({ from: CUSTOMERS.messenger.from, text });
      case 'instagram':
        return instagram.inbound({ from: CUSTOMERS.instagram.from, text });
      case 'telegram': {
        // Telegram learns the webhook URL from the relay's setWebhook at start.
        while (!telegram.webhook()) await new Promise((resolve) => setTimeout(resolve, 50));
        return telegram.inbound({ ...CUSTOMERS.telegram, text });
      }
      case 'loopback': {
        // The loopback channel has no platform: people write in with the generic webhook's signed JSON.
        const body = JSON.stringify({
          type: 'message',
          id: `sim-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
          from: { id: CUSTOMERS.loopback.externalId, name: CUSTOMERS.loopback.name },
          text: text || 'Hello!',
        });
        return postWebhook(`${relayUrl}/v1/channels/dev/webhook`, JSON.parse(body), signWebhook(LOOPBACK_SECRET, body));
      }
      default:
        throw new Error(`unknown channel ${channel}`);
    }
  }

  /** The platform's id of the newest message the agent sent on a channel account, from the relay's deliveries. */
  async function lastAgentMessage(channelId) {
    const { contacts } = await server('GET', '/v1/contacts?limit=50');
    const contact = contacts.find((c) => c.identities.some((i) => i.channelId === channelId));
    if (!contact?.conversationId) return null;
    const { messages } = await server('GET', `/v1/conversations/${contact.conversationId}/messages?limit=50`);
    for (const message of messages.reverse()) {
      if (message.senderId !== 'agent') continue;
      const { deliveries } = await server('GET', `/v1/conversations/${contact.conversationId}/messages/${message.id}/deliveries`);
      const sent = deliveries.find((d) => d.externalId);
      if (sent) return sent.externalId;
    }
    return null;
  }

  /**
   * The seed's cross-channel demonstration: the Instagram customer joins the WhatsApp
   * customer's conversation, and its messages land there; from then on each one's messages
   * reach the other on their own platform.
   */
  async function bridge() {
    const { contacts } = await server('GET', '/v1/contacts?limit=50');
    const on = (channelId) => contacts.find((c) => c.identities.some((i) => i.channelId === channelId));
    const whatsappCustomer = on('wa');
    const instagramCustomer = on('ig');
    if (!whatsappCustomer?.conversationId || !instagramCustomer) throw new Error('a WhatsApp and an Instagram customer must write first');
    const conversationId = whatsappCustomer.conversationId;
    await server('POST', `/v1/conversations/${conversationId}/members`, { userIds: [instagramCustomer.id] });
    await server('PATCH', `/v1/contacts/${encodeURIComponent(instagramCustomer.id)}`, { conversationId });
    return { conversationId };
  }

  /** Breaks the WhatsApp account's token (as when it expires) or fixes it; resuming the account is the operator's call. */
  function whatsappToken(valid) {
    whatsapp.rotateToken(valid ? WA.accessToken : 'EAAG-rotated-by-meta');
  }

  // The simulator API the app calls: a token for the agent, and "a customer writes".
  const simulator = createServer((request, response) => {
    const origin = request.headers.origin;
    const cors = origin
      ? { 'access-control-allow-origin': origin, 'access-control-allow-headers': 'content-type, authorization', vary: 'origin' }
      : {};
    const reply = (status, body) => response.writeHead(status, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify(body));
    // Browsers only from the app's pages; and only under its own name, so a page that rebinds another host name to this
    // machine cannot reach it with a same-origin request (which carries no Origin).
    const host = (request.headers.host ?? '').replace(/:\d+$/, '');
    if ((origin && !origins.has(origin)) || !['127.0.0.1', 'localhost', '[::1]'].includes(host))
      return response.writeHead(403, { vary: 'origin' }).end();
    if (request.method === 'OPTIONS') return response.writeHead(204, cors).end();
    let raw = '';
    request.on('data', (chunk) => {
      raw += chunk;
    });
    request.on('end', async () => {
      try {
        if (request.method === 'GET' && request.url === '/session') {
          const { token } = await server('POST', '/v1/users/agent/tokens', { ttlSeconds: 24 * 3600 });
          return reply(200, { relayUrl, userId: 'agent', token, agents: AGENTS });
        }
        if (request.method === 'POST' && request.url === '/simulate') {
          const { channel, text, kind } = JSON.parse(raw || '{}');
          const result = await simulate(channel, text ?? 'Olá!', kind);
          return reply(200, { ok: true, status: result?.status ?? 200 });
        }
        if (request.method === 'POST' && request.url === '/bridge') return reply(200, await bridge());
        // A contact's channel identities, for an agent in their conversation: contacts are the API key's to read, so the
        // agent's own token (checked with the relay) says whether they may see this one.
        const contact = /^\/contacts\/(contact:[\w-]+)$/.exec(decodeURIComponent(request.url ?? ''));
        if (request.method === 'GET' && contact) {
          const found = await server('GET', `/v1/contacts/${encodeURIComponent(contact[1])}`);
          const member =
            found.conversationId &&
            (await fetch(`${relayUrl}/v1/conversations/${found.conversationId}/members`, {
              headers: { authorization: request.headers.authorization ?? '' },
            }).then((answer) => answer.ok));
          return member ? reply(200, found) : reply(404, { message: 'not found' });
        }
        // Channel health as the operator sees it (the admin API needs the API key, which stays here).
        if (request.method === 'GET' && request.url === '/channels') return reply(200, await server('GET', '/v1/admin/channels'));
        if (request.method === 'POST' && request.url === '/whatsapp-token') {
          const { valid } = JSON.parse(raw || '{}');
          whatsappToken(valid === true);
          return reply(200, { ok: true });
        }
        const resume = /^\/channels\/([\w-]+)\/resume$/.exec(request.url ?? '');
        if (request.method === 'POST' && resume) return reply(200, await server('POST', `/v1/admin/channels/${resume[1]}/resume`));
        reply(404, { message: 'not found' });
      } catch (error) {
        reply(500, { message: String(error) });
      }
    });
  });
  await new Promise((resolve) => simulator.listen(simulatorPort, '127.0.0.1', resolve));
  const simulatorUrl = `http://127.0.0.1:${simulator.address().port}`;

  return {
    relayUrl,
    simulatorUrl,
    fakes: { whatsapp, messenger, instagram, telegram },
    /** The relay's server API, with the API key: what the app's own back end would call. */
    api: server,
    simulate,
    bridge,
    /** Lets the app served from `origin` call the simulator. */
    allowOrigin(origin) {
      origins.add(new URL(origin).origin);
    },
    async close() {
      await new Promise((resolve) => {
        simulator.closeAllConnections();
        simulator.close(resolve);
      });
      await relay.close();
      await Promise.all([whatsapp.close(), messenger.close(), instagram.close(), telegram.close()]);
    },
  };
}

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const inbox = await startInbox();
  console.log(`relay      ${inbox.relayUrl}`);
  console.log(
    `simulator  ${inbox.simulatorUrl}  (POST /simulate {"channel":"whatsapp"|"messenger"|"instagram"|"telegram"|"loopback","text":"…"})`,
  );
  // The app, served by Vite's dev server.
  const { createServer: createVite } = await import('vite');
  const vite = await createVite({ root: new URL('.', import.meta.url).pathname, server: { port: 5174 } });
  await vite.listen();
  console.log(`app        ${vite.resolvedUrls?.local[0] ?? 'http://localhost:5174'}`);
  const stop = async () => {
    await vite.close();
    await inbox.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
