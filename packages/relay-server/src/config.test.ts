import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ChannelConfigSchema, ConfigError, loadConfig, RelayConfigSchema, resolveConfig } from './config.js';

describe('configuration', () => {
  it('fills every default', () => {
    const config = resolveConfig({});
    expect(config).toMatchObject({
      env: 'development',
      host: '127.0.0.1',
      port: 8080,
      dataDir: './data',
      store: { driver: 'sqlite', sqlite: { path: 'chat4all.db', synchronous: 'full', exclusive: true } },
      auth: { issuer: 'chat4all', audience: 'chat4all', builtIn: true, accessTokenTtlSeconds: 900 },
      limits: { textMaxLength: 4000, frameMaxBytes: 65_536 },
    });
  });

  it('reads env vars, coercing numbers and booleans, over the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat4all-config-'));
    const file = join(dir, 'relay.json');
    writeFileSync(file, JSON.stringify({ port: 9000, limits: { textMaxLength: 100 }, auth: { builtIn: true } }));
    const config = loadConfig({
      file,
      env: { CHAT4ALL_PORT: '9100', CHAT4ALL_BUILTIN_AUTH: 'false', PORT: '1', CHAT4ALL_LOG_LEVEL: 'warn' },
    });
    expect(config.port).toBe(9100);
    expect(config.limits.textMaxLength).toBe(100);
    expect(config.auth.builtIn).toBe(false);
    expect(config.logLevel).toBe('warn');
  });

  it('reads the thumbnail keys from env, and refuses a thumbnail size out of range', () => {
    const env = {
      CHAT4ALL_UPLOAD_THUMBNAILS: 'false',
      CHAT4ALL_UPLOAD_THUMBNAIL_SIZE: '160',
      CHAT4ALL_UPLOAD_THUMBNAIL_MAX_INPUT_PIXELS: '1000',
      CHAT4ALL_UPLOAD_POSTER_MAX_BYTES: '4096',
    };
    expect(loadConfig({ env }).uploads.thumbnails).toEqual({
      enabled: false,
      maxInputBytes: 25 * 1024 ** 2,
      maxInputPixels: 1000,
      size: 160,
      timeoutSeconds: 10,
      maxPosterBytes: 4096,
    });
    expect(() => loadConfig({ env: { CHAT4ALL_UPLOAD_THUMBNAIL_SIZE: '99999' } })).toThrow(/CHAT4ALL_UPLOAD_THUMBNAIL_SIZE/);
  });

  it('reads tracing from env, and refuses a sample ratio past 1 or a collector URL that is not http(s)', () => {
    const config = loadConfig({
      env: { CHAT4ALL_TRACING: 'true', CHAT4ALL_TRACING_SAMPLE_RATIO: '0.25', CHAT4ALL_TRACING_OTLP_URL: 'http://otel:4318/v1/traces' },
    });
    expect(config.tracing).toEqual({
      enabled: true,
      serviceName: 'chat4all-relay',
      sampleRatio: 0.25,
      otlp: { url: 'http://otel:4318/v1/traces' },
    });
    expect(resolveConfig({}).tracing.enabled).toBe(false);
    expect(() => loadConfig({ env: { CHAT4ALL_TRACING_SAMPLE_RATIO: '2' } })).toThrow(
      /tracing\.sampleRatio \(from CHAT4ALL_TRACING_SAMPLE_RATIO\)/,
    );
    expect(() => loadConfig({ env: { CHAT4ALL_TRACING_OTLP_URL: 'grpc://otel:4317' } })).toThrow(/tracing\.otlp\.url/);
  });

  it('names the bad key and the env var it came from', () => {
    expect(() => loadConfig({ env: { CHAT4ALL_PORT: 'eighty' } })).toThrow(/port \(from CHAT4ALL_PORT\)/);
    expect(() => loadConfig({ env: { CHAT4ALL_LOG_LEVEL: 'loud' } })).toThrow(/logLevel \(from CHAT4ALL_LOG_LEVEL\).*expected one of/);
    expect(() => resolveConfig({ limits: { textMaxLength: 0 } })).toThrow(ConfigError);
    expect(() => resolveConfig({ limits: { textMaxLength: 0 } })).toThrow(/limits\.textMaxLength/);
    expect(() => resolveConfig({ auth: { appSecret: 'short' } })).toThrow(/auth\.appSecret/);
    expect(() => resolveConfig({ colour: 'blue' } as never)).toThrow(/colour/);
  });

  it('picks the scale-out store and bus from env, and names the URL each one needs', () => {
    const config = loadConfig({
      env: {
        CHAT4ALL_STORE: 'postgres',
        CHAT4ALL_POSTGRES_URL: 'postgres://chat4all@db:5432/chat4all',
        CHAT4ALL_BUS: 'redis',
        CHAT4ALL_REDIS_URL: 'redis://redis:6379',
        CHAT4ALL_REDIS_PARTITIONS: '8',
        CHAT4ALL_MIGRATE_ON_START: 'false',
      },
    });
    expect(config.store).toMatchObject({
      driver: 'postgres',
      migrateOnStart: false,
      postgres: { url: 'postgres://chat4all@db:5432/chat4all', poolSize: 10 },
    });
    expect(config.bus).toMatchObject({ driver: 'redis', redis: { url: 'redis://redis:6379', partitions: 8, keyPrefix: 'chat4all' } });
    expect(() => loadConfig({ env: { CHAT4ALL_STORE: 'postgres' } })).toThrow(
      /store\.postgres\.url: required by the 'postgres' store \(set it or CHAT4ALL_POSTGRES_URL\)/,
    );
    expect(() => loadConfig({ env: { CHAT4ALL_BUS: 'redis' } })).toThrow(/bus\.redis\.url.*CHAT4ALL_REDIS_URL/);
    expect(() => loadConfig({ env: { CHAT4ALL_STORE: 'mongo' } })).toThrow(
      /store\.driver \(from CHAT4ALL_STORE\).*expected one of "sqlite", "postgres"/,
    );
  });

  it('takes any one push provider for push.enabled, each provider whole, and names the missing key', () => {
    expect(() => loadConfig({ env: { CHAT4ALL_PUSH_ENABLED: 'true' } })).toThrow(/push\.vapid\.publicKey.*CHAT4ALL_VAPID_PUBLIC_KEY/);
    expect(resolveConfig({ push: { enabled: true, fcm: { serviceAccountFile: '/etc/chat4all/fcm.json' } } }).push.fcm).toEqual({
      serviceAccountFile: '/etc/chat4all/fcm.json',
      url: 'https://fcm.googleapis.com',
    });
    expect(() => loadConfig({ env: { CHAT4ALL_APNS_KEY_ID: 'ABC123DEFG', CHAT4ALL_APNS_TOPIC: 'com.example.chat' } })).toThrow(
      /push\.apns\.teamId.*CHAT4ALL_APNS_TEAM_ID/,
    );
    expect(() => resolveConfig({ push: { vapid: { subject: 'mailto:ops@example.com' } } })).toThrow(/push\.vapid\.publicKey/);
    expect(() => resolveConfig({ push: { apns: { keyId: 'short' } } })).toThrow(/push\.apns\.keyId/);
  });

  it('refuses an unreadable config file with its path', () => {
    expect(() => loadConfig({ file: '/nonexistent/relay.json', env: {} })).toThrow(/CHAT4ALL_CONFIG.*\/nonexistent\/relay\.json/);
  });
});

describe('documentation of the configuration', () => {
  const docs = (name: string) => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');
  /** Every key of an object schema, dotted (`limits.textMaxLength`), objects and their members both. */
  const keysOf = (schema: TSchema, prefix = ''): string[] =>
    schema.type === 'object' && schema.properties
      ? Object.entries(schema.properties as Record<string, TSchema>).flatMap(([key, child]) => [
          `${prefix}${key}`,
          ...keysOf(child, `${prefix}${key}.`),
        ])
      : [];

  it('lists every key of the relay configuration in docs/configuration.md', () => {
    const page = docs('configuration.md');
    // Objects that only group keys (store, limits…) need no row of their own; their keys do.
    const grouping = new Set([
      'store',
      'store.sqlite',
      'store.postgres',
      'bus',
      'bus.redis',
      'auth',
      'limits',
      'uploads',
      'uploads.s3',
      'uploads.thumbnails',
      'dispatch',
      'webhooks',
      'previews',
      'moderation',
      'moderation.links',
      'moderation.files',
      'moderation.beforeSend',
      'push',
      'push.vapid',
      'push.fcm',
      'push.apns',
      'privacy',
      'retention',
      'tracing',
      'tracing.otlp',
      'realtime',
    ]);
    const missing = keysOf(RelayConfigSchema).filter((key) => !grouping.has(key) && !page.includes(`\`${key}\``));
    expect(missing).toEqual([]);
  });

  it('lists every key of every channel account type in docs/connectors.md', () => {
    const table = docs('connectors.md').split('### Channel account keys')[1]?.split('\n## ')[0] ?? '';
    const keys = new Set(ChannelConfigSchema.anyOf.flatMap((schema) => Object.keys(schema.properties)));
    expect([...keys].filter((key) => !table.includes(`| \`${key}\` |`))).toEqual([]);
  });
});
