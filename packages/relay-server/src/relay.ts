import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { authPlugin } from './auth/plugin.js';
import type { Bus } from './bus/types.js';
import { channelsPlugin } from './channels/plugin.js';
import { type RelayConfig, type RelayConfigInput, resolveConfig } from './config.js';
import { conversationsPlugin } from './conversations/plugin.js';
import { createApp } from './http/app.js';
import { healthPlugin } from './http/health.js';
import { metricsPlugin } from './http/metrics.js';
import { inboxPlugin } from './inbox/plugin.js';
import { createInfrastructure, type InfrastructureDependencies } from './infrastructure.js';
import { messagesPlugin } from './messages/plugin.js';
import { moderationPlugin } from './moderation/plugin.js';
import { traceFields } from './observability/tracing.js';
import { pinsPlugin } from './pins/plugin.js';
import { previewsPlugin } from './previews/plugin.js';
import { privacyPlugin } from './privacy/plugin.js';
import { pushPlugin } from './push/plugin.js';
import { realtimePlugin } from './realtime/plugin.js';
import { safetyPlugin } from './safety/plugin.js';
import { searchPlugin } from './search/plugin.js';
import { resolveSecrets } from './secrets.js';
import type { Store } from './store/types.js';
import { uploadsPlugin } from './uploads/plugin.js';
import { usersPlugin } from './users/plugin.js';
import { webhooksPlugin } from './webhooks/plugin.js';

export interface RelayDependencies extends InfrastructureDependencies {
  /** A pino logger to use instead of one built from `logLevel`. */
  logger?: Logger;
  /** The `fetch` connectors call platforms with. */
  fetch?: typeof fetch;
}

export interface Relay {
  readonly app: FastifyInstance;
  readonly config: RelayConfig;
  readonly store: Store;
  readonly bus: Bus;
  /** Starts listening; resolves with the base URL (`http://host:port`). */
  listen(): Promise<string>;
  /** Refuses new work, commits what is in flight, closes sockets with 1001, then the bus and store. */
  close(): Promise<void>;
}

function createLogger(config: RelayConfig): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'chat4all-relay' },
    mixin: traceFields,
  });
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
}

/** Query parameters that carry a credential or a capability: a token, or a signed link's signature. */
const SECRET_PARAMETERS = new Set(['access_token', 'token', 'refresh_token', 'signature', 'hub.verify_token']);

/**
 * A URL for the logs: every query parameter whose decoded name is a secret one has its value
 * replaced, however the name is spelled (`access%5Ftoken`) and however often it appears.
 */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const pairs = url
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const rawName = equals < 0 ? pair : pair.slice(0, equals);
      let name: string;
      try {
        name = decodeURIComponent(rawName.replaceAll('+', ' '));
      } catch {
        // An undecodable name could be anything: keep it out of the logs too.
        return `${rawName}=[redacted]`;
      }
      return SECRET_PARAMETERS.has(name.toLowerCase()) ? `${rawName}=[redacted]` : pair;
    });
  return `${url.slice(0, query)}?${pairs.join('&')}`;
}

/** Request log fields, with tokens and signatures masked in the query so they never reach the logs. */
export function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
  };
}

/**
 * Builds a relay without listening: config validated, secrets resolved, infrastructure
 * opened (the store migrated), features registered in order: each uses the services of those
 * before it, and the relay's close runs their close hooks in the same order (draining) and
 * then in reverse (releasing), the infrastructure last. `listen()` and `close()` are separate
 * so tests and embedders control the lifecycle (and can use `relay.app.inject()`).
 */
export async function createRelay(input: RelayConfigInput = {}, deps: RelayDependencies = {}): Promise<Relay> {
  const config = resolveConfig(input);
  // The request serializer is attached here so a logger given by the embedder masks tokens too.
  const log = (deps.logger ?? createLogger(config)).child({}, { serializers: { req: serializeRequest } });
  const { secrets, generated, file } = resolveSecrets(config);
  if (generated.length > 0)
    log.warn({ file, generated }, `generated ${generated.join(' and ')} into ${file}; set them explicitly in production`);
  const infrastructure = await createInfrastructure(config, deps);
  const { store, bus, shared, uploadStorage: storage, locker, dispatchQueue, tracing } = infrastructure;
  const app = await createApp({ config, log, bus, shared, tracing });
  // The first close hook, so the last to run: every feature is done with the infrastructure by then.
  app.addHook('onClose', () => infrastructure.close());
  const { limits, auth, uploads, webhooks, previews, push, moderation, privacy, retention } = config;
  const { metadataMaxBytes } = limits;
  await app.register(authPlugin, { config: auth, secrets, limits, store, bus });
  await app.register(healthPlugin, { store });
  await app.register(metricsPlugin);
  await app.register(usersPlugin, { metadataMaxBytes, store });
  await app.register(conversationsPlugin, { metadataMaxBytes, store });
  await app.register(safetyPlugin, { store });
  await app.register(uploadsPlugin, { config: uploads, limits, linkSecret: secrets.appSecret, store, storage, locker });
  await app.register(moderationPlugin, { config: moderation, textMaxLength: limits.textMaxLength, store, fetch: deps.fetch });
  await app.register(messagesPlugin, { limits, store });
  await app.register(previewsPlugin, { config: previews, store });
  await app.register(inboxPlugin, { limits, store });
  await app.register(pinsPlugin, { limits, store });
  await app.register(searchPlugin, { store });
  await app.register(pushPlugin, { config: push, store, shared });
  await app.register(privacyPlugin, { config: privacy, retention, linkSecret: secrets.appSecret, store, bus });
  await app.register(channelsPlugin, { config, store, shared, dispatchQueue, fetch: deps.fetch });
  await app.register(webhooksPlugin, { config: webhooks, store, fetch: deps.fetch });
  await app.register(realtimePlugin, { config, bus, shared, store });
  // A connection accepted while the server closes (a client reconnecting at that moment) has
  // no request yet and would hold the close open until its headers timed out.
  let idle: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    idle = setInterval(() => app.server.closeIdleConnections(), 100).unref();
  });
  // The last close hook added, so the first to run: the features have drained, and what they release next must not serve a request.
  app.addHook('onClose', async () => {
    clearInterval(idle);
    app.refuseRequests();
  });
  await app.ready();
  let closing: Promise<void> | undefined;
  return {
    app,
    config,
    store,
    bus,
    listen: () => app.listen({ host: config.host, port: config.port }),
    close: () => {
      closing ??= app.close();
      return closing;
    },
  };
}
