import { TokenSource } from '../auth/token-source.js';
import { pathSegment, Rest } from '../rest.js';
import type { paths } from './openapi.js';

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';
/** The paths the server API key may call a method on. */
type PathWith<M extends Method> = { [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never }[keyof paths];
type Operation<P extends keyof paths, M extends Method> = Extract<paths[P][M], { responses: unknown }>;
type JsonOf<T> = T extends { content: { 'application/json': infer B } } ? B : undefined;

/** The JSON body of an operation, as the relay's OpenAPI document describes it. */
export type RequestBody<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: infer R } ? JsonOf<NonNullable<R>> : never;
/** The query parameters of an operation. */
export type QueryOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
/** What an operation answers on success (`undefined` for a 204). */
export type ResponseOf<P extends keyof paths, M extends Method> = Operation<P, M> extends { responses: infer R } ? Success<R> : never;
type Success<R> = [Extract<keyof R, 200 | 201 | 202>] extends [never] ? undefined : JsonOf<R[Extract<keyof R, 200 | 201 | 202>]>;

export interface ServerClientOptions {
  /** The relay's base URL, e.g. `https://chat.example.com`. */
  url: string;
  /** The server API key (`auth.apiKey`): keep it on your backend. */
  apiKey: string;
  /** Another `fetch` (a proxy agent, a test's recorder). */
  fetch?: typeof fetch;
}

/**
 * The relay's server API for an app's backend, typed from the relay's OpenAPI document
 * (`src/server/openapi.ts`, generated from `GET /v1/openapi.json`). Every method is one REST
 * call with the API key; path values are encoded as one segment each; an error answer throws
 * `Chat4AllError` with its code, status and whether a retry can help.
 */
export class Chat4AllServer {
  readonly #rest: Rest;

  constructor(options: ServerClientOptions) {
    this.#rest = new Rest(options.url, new TokenSource({ token: options.apiKey }), options.fetch);
  }

  /** Users of the app: create or update them, mint their tokens, export or erase their data. */
  readonly users = {
    /** Creates the user or updates their profile (PUT: the id is yours). */
    upsert: (userId: string, body: RequestBody<'/v1/users/{userId}', 'put'>) =>
      this.#call('put', '/v1/users/{userId}', { userId }, { body }),
    get: (userId: string) => this.#call('get', '/v1/users/{userId}', { userId }),
    /** The user directory: users whose display name, a word of it, or id starts with `query`, by name; page with `cursor`. */
    search: (query: QueryOf<'/v1/users', 'get'> = {}) => this.#call('get', '/v1/users', {}, { query }),
    /** An access token for the user, to hand to your app's client (`tokenProvider`). */
    token: (userId: string, body: RequestBody<'/v1/users/{userId}/tokens', 'post'> = {}) =>
      this.#call('post', '/v1/users/{userId}/tokens', { userId }, { body }),
    /** Starts building the user's data export (202); poll `getExport` until it is `ready`. */
    export: (userId: string) => this.#call('post', '/v1/users/{userId}/exports', { userId }),
    getExport: (userId: string, exportId: string) => this.#call('get', '/v1/users/{userId}/exports/{exportId}', { userId, exportId }),
    /** Erases the user: messages tombstoned or anonymised as configured, files, devices, sessions. */
    erase: (userId: string) => this.#call('post', '/v1/users/{userId}/erase', { userId }),
  };

  /** Conversations and their members, restrictions, retention and channels. */
  readonly conversations = {
    /** A private or group conversation; as the API key, name its creator with `createdBy`. */
    create: (body: RequestBody<'/v1/conversations', 'post'>) => this.#call('post', '/v1/conversations', {}, { body }),
    get: (conversationId: string) => this.#call('get', '/v1/conversations/{conversationId}', { conversationId }),
    update: (conversationId: string, body: RequestBody<'/v1/conversations/{conversationId}', 'patch'>) =>
      this.#call('patch', '/v1/conversations/{conversationId}', { conversationId }, { body }),
    members: (conversationId: string) => this.#call('get', '/v1/conversations/{conversationId}/members', { conversationId }),
    addMembers: (conversationId: string, body: RequestBody<'/v1/conversations/{conversationId}/members', 'post'>) =>
      this.#call('post', '/v1/conversations/{conversationId}/members', { conversationId }, { body }),
    setRole: (conversationId: string, userId: string, body: RequestBody<'/v1/conversations/{conversationId}/members/{userId}', 'patch'>) =>
      this.#call('patch', '/v1/conversations/{conversationId}/members/{userId}', { conversationId, userId }, { body }),
    removeMember: (conversationId: string, userId: string) =>
      this.#call('delete', '/v1/conversations/{conversationId}/members/{userId}', { conversationId, userId }),
    /** Who is muted or banned in the group. */
    restrictions: (conversationId: string) => this.#call('get', '/v1/conversations/{conversationId}/restrictions', { conversationId }),
    mute: (conversationId: string, userId: string, body: RequestBody<'/v1/conversations/{conversationId}/mutes/{userId}', 'put'> = {}) =>
      this.#call('put', '/v1/conversations/{conversationId}/mutes/{userId}', { conversationId, userId }, { body }),
    unmute: (conversationId: string, userId: string) =>
      this.#call('delete', '/v1/conversations/{conversationId}/mutes/{userId}', { conversationId, userId }),
    ban: (conversationId: string, userId: string) =>
      this.#call('put', '/v1/conversations/{conversationId}/bans/{userId}', { conversationId, userId }),
    unban: (conversationId: string, userId: string) =>
      this.#call('delete', '/v1/conversations/{conversationId}/bans/{userId}', { conversationId, userId }),
    retention: (conversationId: string) => this.#call('get', '/v1/conversations/{conversationId}/retention', { conversationId }),
    setRetention: (conversationId: string, body: RequestBody<'/v1/conversations/{conversationId}/retention', 'put'>) =>
      this.#call('put', '/v1/conversations/{conversationId}/retention', { conversationId }, { body }),
    /** Each external contact's channels in the conversation, with their service window. */
    channels: (conversationId: string) => this.#call('get', '/v1/conversations/{conversationId}/channels', { conversationId }),
    /** Messages moderation kept out of the conversation, newest first: the audit. */
    rejectedMessages: (conversationId: string, query: QueryOf<'/v1/conversations/{conversationId}/rejected-messages', 'get'> = {}) =>
      this.#call('get', '/v1/conversations/{conversationId}/rejected-messages', { conversationId }, { query }),
  };

  /** Messages: post as a bot (`senderId`) or as the system (no sender), read, edit, react. */
  readonly messages = {
    /** Posts a message. Give it an `id` (UUID) you keep: a retry with the same id is answered with the stored message. */
    post: (conversationId: string, body: RequestBody<'/v1/conversations/{conversationId}/messages', 'post'>) =>
      this.#call('post', '/v1/conversations/{conversationId}/messages', { conversationId }, { body }),
    list: (conversationId: string, query: QueryOf<'/v1/conversations/{conversationId}/messages', 'get'> = {}) =>
      this.#call('get', '/v1/conversations/{conversationId}/messages', { conversationId }, { query }),
    edit: (
      conversationId: string,
      messageId: string,
      body: RequestBody<'/v1/conversations/{conversationId}/messages/{messageId}', 'patch'>,
    ) => this.#call('patch', '/v1/conversations/{conversationId}/messages/{messageId}', { conversationId, messageId }, { body }),
    delete: (conversationId: string, messageId: string) =>
      this.#call('delete', '/v1/conversations/{conversationId}/messages/{messageId}', { conversationId, messageId }),
    /** Adds `userId`'s reaction `key` (an emoji) to a message. */
    react: (conversationId: string, messageId: string, key: string, userId: string) =>
      this.#call(
        'put',
        '/v1/conversations/{conversationId}/messages/{messageId}/reactions/{key}',
        { conversationId, messageId, key },
        {
          query: { userId },
        },
      ),
    unreact: (conversationId: string, messageId: string, key: string, userId: string) =>
      this.#call(
        'delete',
        '/v1/conversations/{conversationId}/messages/{messageId}/reactions/{key}',
        { conversationId, messageId, key },
        {
          query: { userId },
        },
      ),
    /** A thread's replies. */
    thread: (
      conversationId: string,
      rootId: string,
      query: QueryOf<'/v1/conversations/{conversationId}/threads/{rootId}/messages', 'get'> = {},
    ) => this.#call('get', '/v1/conversations/{conversationId}/threads/{rootId}/messages', { conversationId, rootId }, { query }),
    receipts: (conversationId: string, messageId: string) =>
      this.#call('get', '/v1/conversations/{conversationId}/messages/{messageId}/receipts', { conversationId, messageId }),
    /** The message's delivery to each external contact, per channel. */
    deliveries: (conversationId: string, messageId: string) =>
      this.#call('get', '/v1/conversations/{conversationId}/messages/{messageId}/deliveries', { conversationId, messageId }),
    /** The deliveries of up to 100 of the conversation's messages at once. */
    deliveriesOf: (conversationId: string, messageIds: readonly string[]) =>
      this.#call(
        'get',
        '/v1/conversations/{conversationId}/deliveries',
        { conversationId },
        { query: { messageIds: messageIds.join(',') } },
      ),
  };

  /** Pinned messages. */
  readonly pins = {
    list: (conversationId: string) => this.#call('get', '/v1/conversations/{conversationId}/pins', { conversationId }),
    pin: (
      conversationId: string,
      messageId: string,
      body: RequestBody<'/v1/conversations/{conversationId}/pins/{messageId}', 'put'> = {},
    ) => this.#call('put', '/v1/conversations/{conversationId}/pins/{messageId}', { conversationId, messageId }, { body }),
    unpin: (conversationId: string, messageId: string) =>
      this.#call('delete', '/v1/conversations/{conversationId}/pins/{messageId}', { conversationId, messageId }),
  };

  /** External contacts (WhatsApp, Instagram, Messenger, Telegram people). */
  readonly contacts = {
    list: (query: QueryOf<'/v1/contacts', 'get'> = {}) => this.#call('get', '/v1/contacts', {}, { query }),
    /** Reaches someone who has not written yet: the contact and its conversation. */
    create: (body: RequestBody<'/v1/contacts', 'post'>) => this.#call('post', '/v1/contacts', {}, { body }),
    get: (contactId: string) => this.#call('get', '/v1/contacts/{contactId}', { contactId }),
    update: (contactId: string, body: RequestBody<'/v1/contacts/{contactId}', 'patch'>) =>
      this.#call('patch', '/v1/contacts/{contactId}', { contactId }, { body }),
    /** Erases the contact: a GDPR request from a customer on a platform. */
    erase: (contactId: string) => this.#call('post', '/v1/contacts/{contactId}/erase', { contactId }),
  };

  /** Channel accounts' health, and holding accounts resumed. */
  readonly channels = {
    health: () => this.#call('get', '/v1/admin/channels', {}),
    /** Resumes an account held after the platform refused its credentials, once they are replaced. */
    resume: (channelId: string) => this.#call('post', '/v1/admin/channels/{channelId}/resume', { channelId }),
  };

  /** Channel deliveries that failed for good. */
  readonly deadLetters = {
    list: (query: QueryOf<'/v1/admin/dead-letters', 'get'> = {}) => this.#call('get', '/v1/admin/dead-letters', {}, { query }),
    /** Sends it again from its first attempt. */
    replay: (deliveryId: string) => this.#call('post', '/v1/admin/dead-letters/{deliveryId}/replay', { deliveryId }),
    discard: (deliveryId: string) => this.#call('delete', '/v1/admin/dead-letters/{deliveryId}', { deliveryId }),
  };

  /** The moderators' queue of reported messages. */
  readonly reports = {
    list: (query: QueryOf<'/v1/reports', 'get'> = {}) => this.#call('get', '/v1/reports', {}, { query }),
    close: (reportId: string, body: RequestBody<'/v1/reports/{reportId}', 'patch'>) =>
      this.#call('patch', '/v1/reports/{reportId}', { reportId }, { body }),
  };

  /** App webhook endpoints; verify their calls with `verifyWebhook` or the handlers beside it. */
  readonly webhooks = {
    /** Registers an endpoint; the answer holds the `secret` its calls are signed with. */
    create: (body: RequestBody<'/v1/webhooks', 'post'>) => this.#call('post', '/v1/webhooks', {}, { body }),
    list: () => this.#call('get', '/v1/webhooks', {}),
    get: (webhookId: string) => this.#call('get', '/v1/webhooks/{webhookId}', { webhookId }),
    update: (webhookId: string, body: RequestBody<'/v1/webhooks/{webhookId}', 'patch'>) =>
      this.#call('patch', '/v1/webhooks/{webhookId}', { webhookId }, { body }),
    delete: (webhookId: string) => this.#call('delete', '/v1/webhooks/{webhookId}', { webhookId }),
  };

  /** One REST call: `{name}` in `path` filled from `params`, each encoded as one segment. */
  async #call<M extends Method, P extends PathWith<M>>(
    method: M,
    path: P,
    params: Record<string, string>,
    options: { body?: unknown; query?: Record<string, string | number | boolean | undefined> } = {},
  ): Promise<ResponseOf<P, M>> {
    // A refused value (`..`) rejects the call (it is async), as an error answer would.
    const filled = (path as string).replace(/\{(\w+)\}/g, (_, name: string) => pathSegment(params[name] ?? ''));
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) query.set(name, String(value));
    const search = query.size > 0 ? `?${query}` : '';
    return this.#rest.request<ResponseOf<P, M>>(method.toUpperCase(), filled + search, options.body);
  }
}

/** The server API client for your backend: `createServerClient({ url, apiKey })`. */
export function createServerClient(options: ServerClientOptions): Chat4AllServer {
  return new Chat4AllServer(options);
}
