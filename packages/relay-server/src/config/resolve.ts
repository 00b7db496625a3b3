import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { checkContentRules } from '../moderation/content-rules.js';
import { ChannelConfigSchema } from './channels.js';
import { envVarOf } from './env.js';
import { ConfigError } from './error.js';
import { type RelayConfig, type RelayConfigInput, RelayConfigSchema } from './schema.js';

/** Fills defaults, coerces env strings, and validates; throws a ConfigError naming the first bad key. */
export function resolveConfig(input: RelayConfigInput | Record<string, unknown> = {}, sources = new Map<string, string>()): RelayConfig {
  const value: unknown = Value.Default(RelayConfigSchema, Value.Convert(RelayConfigSchema, structuredClone(input)));
  const error = channelError(value) ?? Value.Errors(RelayConfigSchema, value).First();
  if (error) {
    const key = pointerToKey(error.path) || '(root)';
    const from = sources.get(key);
    throw new ConfigError(from ? `${key} (from ${from})` : key, describe(error.schema, error.message, error.value));
  }
  const config = value as RelayConfig;
  const { vapid, fcm, apns } = config.push;
  // Each provider's keys come whole or not at all; push.enabled takes at least one provider, Web Push when no other.
  const hasVapid = Boolean(vapid.publicKey || vapid.privateKey || vapid.subject);
  const needsApns = Boolean(apns.keyId || apns.teamId || apns.privateKey || apns.privateKeyFile || apns.topic);
  const hasFcm = Boolean(fcm.serviceAccount || fcm.serviceAccountFile);
  const needsVapid = hasVapid || (config.push.enabled && !hasFcm && !needsApns);
  const vapidWhat = hasVapid ? 'push.vapid' : 'push.enabled';
  const required: Array<[boolean, string, string]> = [
    [config.store.driver === 'postgres' && !config.store.postgres.url, 'store.postgres.url', "the 'postgres' store"],
    [
      config.bus.driver === 'redis' && !config.bus.redis.url && !config.bus.redis.sentinels,
      'bus.redis.url',
      "the 'redis' bus (or bus.redis.sentinels)",
    ],
    [config.uploads.driver === 's3' && !config.uploads.s3.bucket, 'uploads.s3.bucket', "the 's3' upload store"],
    [needsVapid && !vapid.publicKey, 'push.vapid.publicKey', vapidWhat],
    [needsVapid && !vapid.privateKey, 'push.vapid.privateKey', vapidWhat],
    [needsVapid && !vapid.subject, 'push.vapid.subject', vapidWhat],
    [needsApns && !apns.keyId, 'push.apns.keyId', 'push.apns'],
    [needsApns && !apns.teamId, 'push.apns.teamId', 'push.apns'],
    [needsApns && !apns.privateKey && !apns.privateKeyFile, 'push.apns.privateKey', 'push.apns'],
    [needsApns && !apns.topic, 'push.apns.topic', 'push.apns'],
    [
      config.moderation.beforeSend.url !== undefined && !config.moderation.beforeSend.secret,
      'moderation.beforeSend.secret',
      'moderation.beforeSend.url',
    ],
  ];
  const ids = new Set<string>();
  for (const channel of config.channels) {
    if (ids.has(channel.id)) throw new ConfigError('channels', `two channel accounts have the id ${JSON.stringify(channel.id)}`);
    ids.add(channel.id);
  }
  for (const [missing, key, what] of required) {
    if (!missing) continue;
    throw new ConfigError(key, `required by ${what} (set it or ${envVarOf(key)})`);
  }
  checkContentRules(config.moderation);
  return config;
}

/** A channel account checked against the schema of its `type`, so the error names the field, not the union. */
function channelError(value: unknown) {
  const channels = (value as { channels?: unknown }).channels;
  if (!Array.isArray(channels)) return undefined;
  for (const [index, channel] of channels.entries()) {
    const type = (channel as { type?: unknown } | null)?.type;
    const schema = ChannelConfigSchema.anyOf.find((s) => s.properties.type.const === type);
    if (!schema) continue;
    const error = Value.Errors(schema, channel).First();
    if (error) return { ...error, path: `/channels/${index}${error.path}` };
  }
  return undefined;
}

function describe(schema: TSchema, message: string, value: unknown): string {
  if (schema.anyOf && (schema.anyOf as TSchema[]).every((s) => s.const !== undefined)) {
    const options = (schema.anyOf as TSchema[]).map((s) => JSON.stringify(s.const)).join(', ');
    return `expected one of ${options}, got ${JSON.stringify(value)}`;
  }
  return `${message.toLowerCase()}, got ${JSON.stringify(value)}`;
}

function pointerToKey(pointer: string): string {
  return pointer.split('/').filter(Boolean).join('.');
}
