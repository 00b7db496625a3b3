export { type FakeGraph, fakeGraph, type GraphFailure, whatsappWebhook } from './fake-graph.js';
export { type FakeMetaSend, fakeMetaSend, type MetaSendFailure } from './fake-meta-send.js';
export { type FakeTelegram, fakeTelegram, type TelegramFailure } from './fake-telegram.js';
export { jsonServer, metaSignature, postMetaWebhook, postWebhook, type WebhookAnswer } from './json-server.js';
