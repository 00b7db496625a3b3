export { fakeGraph, type GraphFailure, type FakeGraph } from './fake-graph.js';
export { fakeTelegram, type FakeTelegram, type TelegramFailure } from './fake-telegram.js';
export { jsonServer, metaSignature, postMetaWebhook, postWebhook, type WebhookAnswer } from './json-server.js';
