// The server entry (`@chat4all/sdk-js/server`): for an app's backend, never a browser bundle.
export { Chat4AllError } from '../errors.js';
export {
  Chat4AllServer,
  createServerClient,
  type QueryOf,
  type RequestBody,
  type ResponseOf,
  type ServerClientOptions,
} from './client.js';
export type { components, paths } from './openapi.js';
export {
  type AppWebhookEvent,
  type AppWebhookEventType,
  fastifyWebhook,
  verifyWebhook,
  type WebhookHeaders,
  type WebhookListener,
  webhookHandler,
} from './webhooks.js';
