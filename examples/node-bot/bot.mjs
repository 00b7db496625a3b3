// A bot on Chat4All: it signs in through the server API, answers every message sent to a
// conversation it is a member of, and keeps unsent answers in a file across restarts.

import { createClient } from '@chat4all/sdk-js';
import { FileOutboxStorage } from '@chat4all/sdk-js/node';
import { createServerClient } from '@chat4all/sdk-js/server';
import WebSocket from 'ws';

const RELAY_URL = process.env.CHAT4ALL_URL ?? 'http://127.0.0.1:8080';
const API_KEY = process.env.CHAT4ALL_API_KEY;
const BOT_ID = process.env.BOT_ID ?? 'helper-bot';
const DATA_DIR = process.env.BOT_DATA_DIR ?? './data';

if (!API_KEY) {
  console.error('Set CHAT4ALL_API_KEY (the relay prints where it keeps it: data/secrets.json in development).');
  process.exit(1);
}

// The server API: your backend's view of the relay, authenticated with the API key.
const server = createServerClient({ url: RELAY_URL, apiKey: API_KEY });

await server.users.upsert(BOT_ID, { displayName: 'Helper bot' });

const bot = createClient({
  url: RELAY_URL,
  // The bot's own user token, minted by the server API and refreshed before it expires.
  tokenProvider: async () => (await server.users.token(BOT_ID)).token,
  WebSocket,
  storage: new FileOutboxStorage(`${DATA_DIR}/${BOT_ID}-outbox.json`),
});

const startedAt = Date.now();

function answer(text) {
  if (text.trim() === '!time') return `It is ${new Date().toISOString()} here.`;
  return `You said: ${text}`;
}

bot.on('message', (message) => {
  // Not our own messages, not system notices, and not history replayed when we (re)connect.
  if (message.senderId === BOT_ID || message.kind === 'system' || Date.parse(message.createdAt) < startedAt) return;
  bot
    .send(message.conversationId, answer(message.text), { replyTo: message.id })
    .catch((error) => console.error('could not queue answer', error));
});

await bot.connect();
console.log(`${BOT_ID} ready on ${RELAY_URL}`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    bot.close();
    process.exit(0);
  });
}
