#!/usr/bin/env node
// Talks to a relay started from the image: `send <url> <apiKey>` has two users exchange a
// message (HTTP to send, a WebSocket to receive it live) and prints the conversation id;
// `read <url> <apiKey> <conversationId>` checks the message is still there (after a restart
// on the same data volume).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../packages/relay-server/package.json', import.meta.url));
const WebSocket = require('ws');
const [mode, url, apiKey, conversationId] = process.argv.slice(2);
const TEXT = 'hello through the image';

async function api(method, path, body, token = apiKey) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
}

const tokenOf = async (id) => {
  await api('PUT', `/v1/users/${id}`, {});
  return (await api('POST', `/v1/users/${id}/tokens`, {})).token;
};

if (mode === 'send') {
  const [ana, bob] = [await tokenOf('ana'), await tokenOf('bob')];
  const conversation = await api('POST', '/v1/conversations', { type: 'private', userId: 'bob' }, ana);
  const socket = new WebSocket(`${url.replace('http', 'ws')}/v1/ws?access_token=${bob}`);
  const live = new Promise((resolve, reject) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === 'message.created') resolve(frame.message.text);
    });
    socket.on('error', reject);
  });
  await new Promise((resolve) => socket.once('message', resolve));
  await api('POST', `/v1/conversations/${conversation.id}/messages`, { id: crypto.randomUUID(), text: TEXT }, ana);
  if ((await live) !== TEXT) throw new Error('the message did not arrive live');
  socket.close();
  console.log(conversation.id);
} else if (mode === 'read') {
  const history = await api('GET', `/v1/conversations/${conversationId}/messages`, undefined, await tokenOf('bob'));
  if (history.messages[0]?.text !== TEXT) throw new Error('the message is not in the store after the restart');
  console.log('the message is still there after a restart on the same volume');
} else {
  console.error('usage: smoke.mjs send <url> <apiKey> | read <url> <apiKey> <conversationId>');
  process.exit(2);
}
