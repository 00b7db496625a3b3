import { randomUUID } from 'node:crypto';
import type { Presence } from '@chat4all/protocol';
import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { type Logger, pino } from 'pino';
import { Authenticator } from './auth/authenticator.js';
import { PasswordHasher } from './auth/passwords.js';
import { authRoutes } from './auth/routes.js';
import { SessionService } from './auth/sessions.js';
import { TokenService } from './auth/tokens.js';
import type { Bus } from './bus/types.js';
import { ChannelChanges } from './channels/changes.js';
import { Channels } from './channels/channels.js';
import { DeliveryService } from './channels/deliveries.js';
import { Dispatcher, type DispatchItem } from './channels/dispatcher.js';
import { ChannelHealthService } from './channels/health.js';
import { InboundService } from './channels/inbound.js';
import { channelRoutes } from './channels/routes.js';
import { ChannelSignals } from './channels/signals.js';
import { startChannels } from './channels/start.js';
import { type RelayConfig, type RelayConfigInput, resolveConfig } from './config.js';
import type { RelayContext } from './context.js';
import { conversationRoutes } from './conversations/routes.js';
import { ConversationService } from './conversations/service.js';
import { isStoreUnavailable, RelayError } from './errors.js';
import { authHook } from './http/auth-hook.js';
import { fastifyTrust } from './http/client-address.js';
import { errorHandling } from './http/errors.js';
import { healthRoutes } from './http/health.js';
import { jsonBodies } from './http/json-body.js';
import { openApi, plainText } from './http/openapi.js';
import { slowClientServerOptions, slowClients } from './http/slow-clients.js';
import { createInfrastructure } from './infrastructure.js';
import { Limits } from './limits/limits.js';
import { messageRoutes } from './messages/routes.js';
import { MessageService } from './messages/service.js';
import { RelayMetrics } from './observability/metrics.js';
import type { WorkQueue } from './queue/types.js';
import { gatewayRoutes } from './realtime/gateway.js';
import { Hub } from './realtime/hub.js';
import { PresenceTracker } from './realtime/presence.js';
import { presenceRoutes } from './realtime/routes.js';
import { TypingTracker } from './realtime/typing.js';
import { resolveSecrets } from './secrets.js';
import type { SharedState } from './shared/types.js';
import { GroupCommit } from './store/group-commit.js';
import type { AppendInput, ReceiptInput, Store } from './store/types.js';
import { isTusDiscovery, TUS_REQUEST_HEADERS, TUS_RESPONSE_HEADERS, uploadRoutes } from './uploads/routes.js';
import { UploadService } from './uploads/service.js';
import { userRoutes } from './users/routes.js';
import { ObservedBus } from './webhooks/observed-bus.js';
import { webhookRoutes } from './webhooks/routes.js';
import { WebhookService } from './webhooks/service.js';

export interface RelayDependencies {
  /** A store to use instead of the one the config describes. The relay does not close it. */
  store?: Store;
  /** A bus to use instead of the in-process one. The relay does not close it. */
  bus?: Bus;
  /**
   * Shared state (rate limits, connections, presence, typing) to use instead of the one the
   * config describes: in-process, or Redis when `bus.driver` is `redis`. The relay does not close it.
   */
  shared?: SharedState;
  /** A pino logger to use instead of one built from `logLevel`. */
  logger?: Logger;
  /** The work queue of channel dispatch, instead of the in-process one (or Redis with `bus.driver: 'redis'`). The relay closes it. */
  dispatchQueue?: WorkQueue<DispatchItem>;
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
 * Builds a relay without listening: config validated, secrets resolved, store migrated,
 * routes registered. `listen()` and `close()` are separate so tests and embedders control
 * the lifecycle (and can use `relay.app.inject()`).
 */
export async function createRelay(input: RelayConfigInput = {}, deps: RelayDependencies = {}): Promise<Relay> {
  const config = resolveConfig(input);
  // The request serializer is attached here so a logger given by the embedder masks tokens too.
  const log = (deps.logger ?? createLogger(config)).child({}, { serializers: { req: serializeRequest } });
  const { secrets, generated, file } = resolveSecrets(config);
  if (generated.length > 0)
    log.warn({ file, generated }, `generated ${generated.join(' and ')} into ${file}; set them explicitly in production`);

  const infrastructure = await createInfrastructure(config, deps);
  const { store, bus, shared, uploadStorage, locker, dispatchQueue } = infrastructure;

  const tokens = new TokenService({ ...config.auth, ...secrets });
  const hub = new Hub();
  const metrics = new RelayMetrics({ socketCount: () => hub.size, deadLetterCount: () => store.countDeadLetters() });
  const webhooks = new WebhookService({ store, config: config.webhooks, log, metrics, fetch: deps.fetch });
  // What this node publishes is also what app webhooks report.
  const events = new ObservedBus(bus, (envelope) => webhooks.observe(envelope));
  const limits = new Limits(config.limits, shared, metrics, (err) => log.warn({ err }, 'rate limiter unavailable; allowing'));
  const conversations = new ConversationService(store, events, {
    metadataMaxBytes: config.limits.metadataMaxBytes,
    limitWrite: (kind, userId, count) => limits.write(kind, userId, count),
  });
  const onCommit = (size: number, durationMs: number) => {
    metrics.commitBatchSize.observe(size);
    metrics.commitSeconds.observe(durationMs / 1000);
  };
  const batching = { maxBatch: config.limits.commitBatchMax, onCommit, isolates: (error: unknown) => !isStoreUnavailable(error) };
  const appends = new GroupCommit((batch: AppendInput[]) => store.appendMessages(batch), batching);
  const receipts = new GroupCommit((batch: ReceiptInput[]) => store.applyReceipts(batch), batching);
  const passwords = new PasswordHasher({ inFlight: config.limits.passwordHashesInFlight, queue: config.limits.passwordHashQueue });
  const uploads = new UploadService(store, uploadStorage, config.uploads, secrets.appSecret, locker, {
    starts: (userId) => limits.write('upload', userId),
    bytes: (userId, size) => limits.uploadBytes(userId, size),
    maxOpen: config.limits.openUploadsPerUser,
  });
  const channels = new Channels(config.channels, deps.fetch);
  // The app users each channel puts in new contacts' conversations exist before the first webhook.
  for (const userId of new Set(config.channels.flatMap((c) => c.members ?? []))) await store.ensureUser(userId, null, Date.now());
  const deliveries = new DeliveryService(store, events, (err) => log.error({ err }, 'delivery publish failed; clients recover on resume'));
  const { publicUrl } = config;
  const signals = new ChannelSignals({ store, channels, log });
  const changes = new ChannelChanges({ store, channels, metrics, log });
  const health = new ChannelHealthService({
    store,
    channels,
    metrics,
    log,
    onChange: (channel) => webhooks.emit('channel.health', `channel.health:${channel.id}:${randomUUID()}`, { channel }),
    wake: () => dispatcher.wake(),
  });
  const dispatcher = new Dispatcher({
    store,
    channels,
    deliveries,
    health,
    shared,
    queue: dispatchQueue,
    config: config.dispatch,
    metrics,
    log,
    // Platforms may fetch a file for a day (WhatsApp and Telegram fetch within minutes).
    fileUrl: async (uploadId) => (publicUrl ? `${publicUrl}${uploads.signedPath(uploadId, Date.now() + 24 * 3600_000)}` : null),
    fileBytes: async (uploadId) => Buffer.concat(await (await uploads.storage.read(uploadId)).toArray()),
  });
  const publishPresence = async (presence: Presence) => {
    const rooms = new Set([...hub.connectionsOf(presence.userId)].flatMap((c) => [...c.rooms]));
    const conversationIds = rooms.size > 0 ? [...rooms] : (await store.syncState(presence.userId)).map((e) => e.conversationId);
    await bus.publish({ kind: 'presence', userId: presence.userId, conversationIds, event: { type: 'presence', ...presence } });
  };
  const messages = new MessageService(store, events, conversations, {
    limits: config.limits,
    appends,
    receipts,
    limitSend: (userId) => limits.send(userId),
    limitWrite: (kind, userId) => limits.write(kind, userId),
    onSent: (message, created, seconds) => {
      metrics.sendAckSeconds.observe(seconds);
      if (!created) return;
      metrics.messagesAppended.inc();
      if (log.isLevelEnabled('debug'))
        log.debug({ messageId: message.id, conversationId: message.conversationId, seq: message.seq }, 'message committed');
    },
    onPublishError: (err, messageId) => log.error({ err, messageId }, 'publish failed; clients recover on resume'),
    onDispatch: () => dispatcher.wake(),
    onChanged: (change) => changes.pass(change),
    onRead: (conversationId, userId, readSeq) => {
      if (!userId.startsWith('contact:')) signals.read(conversationId, readSeq);
    },
    attach: (senderId, conversationId, uploadId, messageId) => uploads.attach(senderId, conversationId, uploadId, messageId),
  });
  const inbound = new InboundService({
    store,
    channels,
    messages,
    conversations,
    deliveries,
    uploads,
    log,
    onContactCreated: (contact) => webhooks.emit('contact.created', `contact.created:${contact.id}`, { contact }),
  });
  const ctx: RelayContext = {
    config,
    log,
    store,
    bus: events,
    tokens,
    authenticator: new Authenticator(tokens, store),
    // A revoked login's sockets close on every node, this one included (the bus delivers to its publisher too).
    // A failed publish does not fail the logout: the login is revoked in the store, so its
    // sockets still cannot renew, and close at their token's expiry.
    sessions: new SessionService(store, tokens, config.auth.refreshTokenTtlSeconds, passwords, ({ userId, familyId }) =>
      bus
        .publish({ kind: 'session', userId, sessionId: familyId })
        .catch((err: unknown) => log.error({ err, userId }, 'could not tell the nodes a login ended; its sockets close at expiry')),
    ),
    conversations,
    appends,
    receipts,
    messages,
    health,
    hub,
    typing: new TypingTracker(
      shared,
      config.realtime.typingExpiryMs,
      (event) => {
        void bus.publish({ kind: 'conversation', conversationId: event.conversationId, event, exclude: event.userId });
        if (!event.userId.startsWith('contact:')) signals.typing(event.conversationId, event.active);
      },
      (err) => log.warn({ err }, 'typing state unavailable'),
    ),
    presence: new PresenceTracker(
      shared,
      config.realtime,
      (presence) => {
        publishPresence(presence).catch((err: unknown) => log.error({ err, userId: presence.userId }, 'presence publish failed'));
      },
      (err) => log.warn({ err }, 'presence state unavailable'),
    ),
    limits,
    uploads,
    metrics,
    channels,
    deliveries,
    dispatcher,
    inbound,
    webhooks,
    closing: false,
  };
  const channelsRunning = startChannels(ctx);
  dispatcher.start();
  webhooks.start();
  const sweep = setInterval(() => {
    uploads.sweep().catch((err: unknown) => log.error({ err }, 'upload sweep failed'));
  }, config.uploads.sweepIntervalMs);
  sweep.unref();
  const unsubscribe = bus.subscribe((envelope, publishedAt) => {
    hub.deliver(envelope);
    metrics.fanoutSeconds.observe((performance.timeOrigin + performance.now() - publishedAt) / 1000);
  });
  // This node may have missed fan-out: its clients reconnect and resume from the store.
  const unsubscribeGap = bus.onGap?.(() => {
    log.warn({ sockets: hub.size }, 'fan-out gap: asking clients to resume');
    hub.closeAll(new RelayError('RESUME_REQUIRED'));
  });

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.limits.bodyMaxBytes,
    trustProxy: fastifyTrust(config.trustProxy),
    http: slowClientServerOptions(config.limits.bodyTimeoutMs),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });
  // JSON only: a text/plain body is refused with UNSUPPORTED_MEDIA_TYPE rather than failing validation.
  app.removeContentTypeParser('text/plain');
  await app.register(jsonBodies);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  await app.register(errorHandling, { metrics });
  await app.register(slowClients, {
    ...config.limits,
    trustProxy: config.trustProxy,
    onRefused: (reason, address) => log.warn({ reason, address }, 'connection cut'),
  });
  // Browser apps call the HTTP API from their own origin: the same allow-list as WebSocket upgrades (empty: any).
  const corsOptions = {
    origin: config.allowedOrigins.length > 0 ? config.allowedOrigins : true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'range', ...TUS_REQUEST_HEADERS],
    exposedHeaders: [
      'x-request-id',
      'retry-after',
      'content-range',
      'content-disposition',
      'content-security-policy',
      'x-content-type-options',
      'etag',
      ...TUS_RESPONSE_HEADERS,
    ],
    maxAge: 600,
  };
  // An OPTIONS without Access-Control-Request-Method is no preflight: a tus client's discovery, answered by tus.
  await app.register(
    cors,
    () => (request: FastifyRequest, done: (error: Error | null, options: typeof corsOptions | { origin: false }) => void) =>
      done(null, isTusDiscovery(request) ? { origin: false } : corsOptions),
  );
  await app.register(openApi);
  await app.register(authHook, { ctx });
  await app.register(websocket, { options: { maxPayload: config.limits.frameHardMaxBytes } });
  await app.register(healthRoutes, { ctx });
  app.get(
    '/metrics',
    { schema: { response: { 200: plainText('Prometheus metrics, in the text exposition format') } } },
    async (_request, reply) => reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  await app.register(authRoutes, { ctx });
  await app.register(userRoutes, { ctx });
  await app.register(conversationRoutes, { ctx });
  await app.register(messageRoutes, { ctx });
  await app.register(presenceRoutes, { ctx });
  await app.register(uploadRoutes, { ctx });
  await app.register(channelRoutes, { ctx });
  await app.register(webhookRoutes, { ctx });
  await app.register(gatewayRoutes, { ctx });

  let closing: Promise<void> | undefined;
  return {
    app,
    config,
    store,
    bus,
    async listen() {
      return app.listen({ host: config.host, port: config.port });
    },
    close() {
      closing ??= (async () => {
        ctx.closing = true;
        clearInterval(sweep);
        channelsRunning.stop();
        await dispatcher.close();
        await signals.settled();
        await changes.settled();
        await webhooks.close();
        await Promise.all([appends.flush(), receipts.flush()]);
        hub.closeAll(new RelayError('SHUTTING_DOWN'));
        // A connection accepted while the server closes (a client reconnecting at that moment)
        // has no request yet and would hold the close open until its headers timed out.
        const idle = setInterval(() => app.server.closeIdleConnections(), 100);
        await app.close().finally(() => clearInterval(idle));
        await Promise.all([ctx.typing.close(), ctx.presence.close()]);
        unsubscribe();
        unsubscribeGap?.();
        await passwords.close();
        await infrastructure.close();
      })();
      return closing;
    },
  };
}
