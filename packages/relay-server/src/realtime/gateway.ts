import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type ClientFrame, PROTOCOL_VERSION, type ServerFrame, SUPPORTED_PROTOCOL_VERSIONS } from '@chat4all/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { RawData } from 'ws';
import type { SessionService } from '../auth/sessions.js';
import type { TokenService } from '../auth/tokens.js';
import type { RelayConfig } from '../config.js';
import type { ConversationService } from '../conversations/service.js';
import { RelayError, toRelayError } from '../errors.js';
import { rateLimited } from '../limits/errors.js';
import type { Limits } from '../limits/limits.js';
import type { MessageService } from '../messages/service.js';
import type { ThreadService } from '../messages/threads.js';
import type { RelayMetrics } from '../observability/metrics.js';
import { type Attributes, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracing } from '../observability/tracing.js';
import type { PinService } from '../pins/service.js';
import type { SafetyService } from '../safety/service.js';
import { Connection, type Credentials } from './connection.js';
import { parseFrame } from './frames.js';
import type { Hub } from './hub.js';
import type { PresenceTracker } from './presence.js';
import type { PresenceWatches } from './presence-watches.js';
import { assertLoginLive, renewCredentials } from './renew.js';
import type { Replay } from './resume.js';
import type { TypingTracker } from './typing.js';

/** What the socket endpoint works with. */
export interface GatewayContext {
  config: Pick<RelayConfig, 'realtime' | 'limits' | 'allowedOrigins'>;
  log: Logger;
  metrics: RelayMetrics;
  /** A span per frame, the root of what it leads to (the send's append, publish, fan-out, dispatch). */
  tracing: Pick<Tracing, 'enabled' | 'span'>;
  limits: Pick<Limits, 'connect' | 'write'>;
  hub: Hub;
  presence: PresenceTracker;
  watches: Pick<PresenceWatches, 'subscribe' | 'unsubscribe'>;
  typing: TypingTracker;
  messages: MessageService;
  threads: Pick<ThreadService, 'read'>;
  pins: Pick<PinService, 'pin' | 'unpin'>;
  conversations: Pick<ConversationService, 'idsOf'>;
  safety: Pick<SafetyService, 'hiddenFor'>;
  sessions: Pick<SessionService, 'revoked'>;
  tokens: Pick<TokenService, 'authenticate'>;
  /** A replay of what the connection missed, from the store. */
  replay(connection: Connection): Replay;
  /** True once the relay closes: new work is refused with SHUTTING_DOWN. */
  closing(): boolean;
}

/**
 * The WebSocket endpoint `/v1/ws`. The upgrade is a Fastify route, so authentication runs
 * as a hook before it; a failed check still completes the handshake and then closes with
 * the error's documented close code, because a browser cannot read an HTTP 401 on upgrade.
 */
export async function gatewayRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const heartbeat = setInterval(() => {
    for (const connection of ctx.hub.all()) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }, ctx.config.realtime.heartbeatIntervalMs);
  heartbeat.unref();
  app.addHook('onClose', async () => clearInterval(heartbeat));

  // No CORS headers: browsers do not apply CORS to a WebSocket; its Origin is checked against allowedOrigins instead.
  app.get('/v1/ws', { websocket: true, config: { auth: 'socket', cors: false } }, async (socket, request) => {
    // The upgrade's request and reply (headers, the URL, a child logger: about 7 KB) would live
    // as long as the socket, held by the response @fastify/websocket made for Fastify's routing,
    // which stays attached to the TCP socket, and by its error listener. Detached here as Node
    // detaches a response that ended; the listener replaced by one that does what it did, log
    // and terminate, holding neither.
    const tcp = request.raw.socket as (Socket & { _httpMessage?: ServerResponse | null }) | undefined;
    if (tcp) tcp._httpMessage?.detachSocket(tcp);
    socket.removeAllListeners('error');
    socket.on('error', (error) => {
      ctx.log.error({ err: error }, 'websocket error');
      socket.terminate();
    });
    const refuse = (error: RelayError) => {
      ctx.metrics.errors.inc({ code: error.code, transport: 'ws' });
      socket.send(JSON.stringify(errorFrame(null, error)));
      socket.close(error.closeCode ?? 4401, error.code);
    };
    const refusal = (await ctx.limits.connect(request.ip)) ?? originError(ctx, request) ?? request.authError ?? versionError(request);
    if (refusal || !request.principal) return refuse(refusal ?? new RelayError('UNAUTHENTICATED'));
    if (ctx.closing()) return refuse(new RelayError('SHUTTING_DOWN'));
    const principal = request.principal;
    if (principal.kind !== 'user') {
      // Live events are addressed to users; the server API key has no user to receive them.
      return refuse(new RelayError('UNAUTHENTICATED', 'The WebSocket needs a user token; the server API key is for HTTP'));
    }
    const awaitingResume = (request.query as { resume?: string }).resume === '1';
    const connection = new Connection(principal.userId, socket, ctx.config.limits.sendBufferBytes, awaitingResume);
    socket.on('pong', () => {
      connection.alive = true;
    });
    // Frames that arrive while the connection opens wait for it, and are dropped if it is refused.
    const credentials = { expiresAt: principal.expiresAt, sessionId: principal.sessionId };
    const ready = open(ctx, connection, credentials).then(
      () => true,
      (error: unknown) => {
        const relayError = toRelayError(error);
        if (relayError.code === 'INTERNAL') ctx.log.error({ err: error, userId: connection.userId }, 'could not open connection');
        ctx.metrics.errors.inc({ code: relayError.code, transport: 'ws' });
        connection.sendFrame(errorFrame(null, relayError));
        connection.close(relayError);
        return false;
      },
    );
    socket.on('message', (data, isBinary) => {
      void ready.then((opened) => (opened ? onFrame(ctx, connection, data, isBinary) : undefined));
    });
    connection.onDetach(() => {
      ctx.hub.remove(connection);
      ctx.presence.disconnected(connection.userId, connection.id);
      if (ctx.hub.connectionsOf(connection.userId).size === 0) ctx.typing.clearUser(connection.userId);
    });
    await ready;
  });
}

/**
 * Counts the connection against the user's limit on every node, joins the user's rooms, then
 * says welcome: every event committed after the welcome reaches this socket. From then on the
 * socket lives as long as its token (or a renewed one) and its built-in login.
 */
async function open(ctx: GatewayContext, connection: Connection, credentials: Credentials): Promise<void> {
  const max = ctx.config.limits.connectionsPerUser;
  if (!(await ctx.presence.connect(connection.userId, connection.id, max))) {
    throw new RelayError('TOO_MANY_CONNECTIONS', `At most ${max} connections per user`);
  }
  ctx.hub.add(connection);
  // Set before the check, so a logout published meanwhile finds this socket; one committed before is caught by the check.
  connection.authorize(credentials);
  await assertLoginLive(ctx, credentials.sessionId);
  // Read after the connection is registered, so a block published meanwhile is not missed.
  for (const senderId of await ctx.safety.hiddenFor(connection.userId)) connection.setHidden(senderId, true);
  const conversationIds = await ctx.conversations.idsOf(connection.userId);
  // The relay began closing while this socket opened, after its close hook closed the sockets it had: refused here, or it would hold the close open.
  if (ctx.closing()) throw new RelayError('SHUTTING_DOWN');
  // Joined and welcomed in one turn: nothing live reaches the socket before its welcome.
  ctx.hub.join(connection, conversationIds);
  connection.sendFrame({
    type: 'welcome',
    protocolVersion: PROTOCOL_VERSION,
    userId: connection.userId,
    connectionId: connection.id,
    serverTime: new Date().toISOString(),
    heartbeatIntervalMs: ctx.config.realtime.heartbeatIntervalMs,
    awaitingResume: connection.awaitingResume,
    tokenExpiresAt: connection.expiresAt === undefined ? null : new Date(connection.expiresAt).toISOString(),
  });
}

function originError(ctx: GatewayContext, request: FastifyRequest): RelayError | undefined {
  const origin = request.headers.origin;
  const { allowedOrigins } = ctx.config;
  if (!origin || allowedOrigins.length === 0 || allowedOrigins.includes(origin)) return undefined;
  return new RelayError('ORIGIN_NOT_ALLOWED', `Origin ${origin} may not open a WebSocket here`);
}

function versionError(request: FastifyRequest): RelayError | undefined {
  const v = (request.query as { v?: string }).v;
  if (v === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(Number(v))) return undefined;
  return new RelayError(
    'PROTOCOL_VERSION_UNSUPPORTED',
    `Protocol version ${v} is not supported; this relay speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`,
  );
}

async function onFrame(ctx: GatewayContext, connection: Connection, data: RawData, isBinary: boolean): Promise<void> {
  ctx.presence.activity(connection.userId);
  const fail = (id: string | null, error: RelayError) => failFrame(ctx, connection, id, error);
  if (isBinary) return fail(null, new RelayError('MALFORMED_FRAME', 'Binary frames are not accepted; send JSON text'));
  const parsed = parseFrame(rawToBuffer(data), ctx.config.limits.frameMaxBytes);
  if (!parsed.ok) return fail(parsed.id, parsed.error);
  const frame = parsed.frame;
  if (!ctx.tracing.enabled) return runFrame(ctx, connection, frame, undefined);
  const attributes: Attributes = {
    'chat4all.frame.type': frame.type,
    'chat4all.frame.id': frame.id,
    'chat4all.user_id': connection.userId,
  };
  if ('conversationId' in frame) attributes['chat4all.conversation_id'] = frame.conversationId;
  await ctx.tracing.span(`ws ${frame.type}`, { kind: SpanKind.SERVER, parent: ROOT_CONTEXT, attributes }, (span) =>
    runFrame(ctx, connection, frame, span),
  );
}

async function runFrame(ctx: GatewayContext, connection: Connection, frame: ClientFrame, span: Span | undefined): Promise<void> {
  if (frame.type === 'resume') return resume(ctx, connection, frame);
  try {
    if (ctx.closing()) throw new RelayError('SHUTTING_DOWN');
    const result = await execute(ctx, connection, frame);
    connection.sendFrame({ type: 'ack', id: frame.id, result });
  } catch (error) {
    const relayError = toRelayError(error);
    span?.setAttribute('chat4all.error.code', relayError.code);
    if (relayError.code === 'INTERNAL') {
      span?.setStatus({ code: SpanStatusCode.ERROR });
      ctx.log.error({ err: error, frame: frame.type, requestId: frame.id }, 'frame failed');
    }
    failFrame(ctx, connection, frame.id, relayError);
  }
}

function failFrame(ctx: GatewayContext, connection: Connection, id: string | null, error: RelayError): void {
  ctx.metrics.errors.inc({ code: error.code, transport: 'ws' });
  connection.sendFrame(errorFrame(id, error));
}

/**
 * One replay at a time per socket, and a few per user per minute: a replay reads and sends
 * a conversation's whole missed history, so a client asking again and again would make the
 * relay copy it over and over.
 */
async function resume(ctx: GatewayContext, connection: Connection, frame: Extract<ClientFrame, { type: 'resume' }>): Promise<void> {
  const refuse = (refusal: RelayError) => {
    ctx.metrics.errors.inc({ code: refusal.code, transport: 'ws' });
    connection.sendFrame(errorFrame(frame.id, refusal));
  };
  if (!connection.begin('resume')) return refuse(rateLimited(1000, 'A resume is already running on this socket; wait for its ack'));
  try {
    const refusal = await ctx.limits.write('resume', connection.userId);
    if (refusal) return refuse(refusal);
    await runReplay(ctx, connection, frame);
  } finally {
    connection.end('resume');
  }
}

async function runReplay(ctx: GatewayContext, connection: Connection, frame: Extract<ClientFrame, { type: 'resume' }>): Promise<void> {
  connection.beginReplay();
  const replay = ctx.replay(connection);
  try {
    await replay.run({ cursors: frame.cursors, newConversationMessages: frame.newConversationMessages ?? 50 });
  } catch (error) {
    // A half-done replay cannot go live without a gap: make the client reconnect and resume again.
    ctx.log.error({ err: error, userId: connection.userId }, 'resume failed');
    connection.close(toRelayError(error));
    return;
  }
  connection.sendFrame({ type: 'ack', id: frame.id, result: replay.result });
  connection.finishReplay(replay.replayed);
  ctx.metrics.resumes.inc();
  ctx.metrics.replayedMessages.inc(replay.result.messages);
}

function execute(ctx: GatewayContext, connection: Connection, frame: Exclude<ClientFrame, { type: 'resume' }>) {
  const principal = { kind: 'user', userId: connection.userId, displayName: null } as const;
  switch (frame.type) {
    case 'message.send':
      return ctx.messages.send(principal, frame.conversationId, frame.message, connection.id);
    case 'message.edit':
      return ctx.messages.edit(principal, frame.conversationId, frame.messageId, frame.text, frame);
    case 'message.delete':
      return ctx.messages.delete(principal, frame.conversationId, frame.messageId);
    case 'reaction.add':
      return ctx.messages.react(principal, frame.conversationId, frame.messageId, { add: frame.key });
    case 'reaction.remove':
      return ctx.messages.react(principal, frame.conversationId, frame.messageId, { remove: frame.key });
    case 'pin.add':
      return ctx.pins.pin(principal, frame.conversationId, frame.messageId, frame.until);
    case 'pin.remove':
      return ctx.pins.unpin(principal, frame.conversationId, frame.messageId).then(() => ({}));
    case 'receipt':
      return ctx.messages.receipt(connection.userId, frame.conversationId, frame.kind, frame.seq);
    case 'thread.read':
      return ctx.threads.read(connection.userId, frame.conversationId, frame.threadId, frame.seq);
    case 'typing':
      return typing(ctx, connection, frame);
    case 'presence.subscribe':
      return subscribePresence(ctx, connection, frame.userIds);
    case 'presence.unsubscribe':
      return ctx.watches.unsubscribe(connection, frame.userIds).then(() => ({}));
    case 'ping':
      return Promise.resolve({ serverTime: new Date().toISOString() });
    case 'auth':
      return renewCredentials(ctx, connection, frame);
  }
}

async function typing(ctx: GatewayContext, connection: Connection, frame: Extract<ClientFrame, { type: 'typing' }>) {
  if (!connection.rooms.has(frame.conversationId))
    throw new RelayError('CONVERSATION_NOT_FOUND', `Conversation ${frame.conversationId} not found`);
  const refusal = await ctx.limits.write('typing', connection.userId);
  if (refusal) throw refusal;
  await ctx.typing.set(frame.conversationId, connection.userId, frame.active, frame.threadId ?? null);
  return {};
}

async function subscribePresence(ctx: GatewayContext, connection: Connection, userIds: readonly string[]) {
  const refusal = await ctx.limits.write('presence', connection.userId);
  if (refusal) throw refusal;
  return { presence: await ctx.watches.subscribe(connection, userIds) };
}

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function errorFrame(id: string | null, error: RelayError): ServerFrame {
  return { type: 'error', id, error: error.toBody() };
}
