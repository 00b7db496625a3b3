import { createPublicKey, randomUUID } from 'node:crypto';
import type { Device, RegisterDeviceBody } from '@chat4all/protocol';
import type { RelayConfig } from '../config.js';
import { RelayError } from '../errors.js';
import { assertPublicUrl } from '../http/public-addresses.js';
import type { Limits } from '../limits/limits.js';
import type { DeviceAddress, Store, StoredDevice } from '../store/types.js';

export interface DeviceServiceOptions {
  config: Pick<RelayConfig['push'], 'devicesPerUser' | 'allowInsecureEndpoints' | 'allowPrivateAddresses'>;
  /** Per-user limit of registrations and removals (`device`). */
  rateLimits: Pick<Limits, 'write'>;
}

/**
 * Each user's push devices: registered, listed and removed by the user themself. A device is a
 * Web Push subscription, an FCM registration token or an APNs device token. An endpoint
 * must be `https:` (a push service; `http:` too with `push.allowInsecureEndpoints`), since the
 * relay posts each notification to it, and on a public address (`push.allowPrivateAddresses`
 * aside), since the URL is the user's to choose.
 */
export class DeviceService {
  constructor(
    private readonly store: Pick<Store, 'devices'>,
    private readonly options: DeviceServiceOptions,
  ) {}

  async register(userId: string, body: RegisterDeviceBody): Promise<{ device: Device; created: boolean }> {
    const refusal = await this.options.rateLimits.write('device', userId);
    if (refusal) throw refusal;
    const { devicesPerUser } = this.options.config;
    const outcome = await this.store.devices.register({
      ...(await this.#address(body)),
      id: randomUUID(),
      userId,
      now: Date.now(),
      max: devicesPerUser,
    });
    if (!outcome.ok) throw new RelayError('TOO_MANY_DEVICES', `At most ${devicesPerUser} devices can be registered; remove one first`);
    return { device: toPublic(outcome.device), created: outcome.created };
  }

  async list(userId: string): Promise<Device[]> {
    return (await this.store.devices.list(userId)).map(toPublic);
  }

  /** NOT_FOUND for an id that is not one of the caller's devices, whoever's it is. */
  async remove(userId: string, id: string): Promise<void> {
    const refusal = await this.options.rateLimits.write('device', userId);
    if (refusal) throw refusal;
    if (!(await this.store.devices.remove(userId, id))) throw new RelayError('NOT_FOUND', `Device ${id} not found`);
  }

  /** The schema checked each kind's shape; a Web Push endpoint and key get the checks a pattern cannot make. */
  async #address(body: RegisterDeviceBody): Promise<DeviceAddress> {
    switch (body.kind) {
      case 'fcm':
        return { kind: 'fcm', token: body.token };
      case 'apns':
        // APNs takes the token in either case; one spelling, so the same token is one device.
        return { kind: 'apns', token: body.token.toLowerCase(), environment: body.environment ?? 'production' };
      default: {
        const { endpoint, keys } = body.subscription;
        await this.#checkEndpoint(endpoint);
        checkKey(keys.p256dh);
        return { kind: 'webpush', endpoint, p256dh: keys.p256dh.replace(/=+$/, ''), auth: keys.auth.replace(/=+$/, '') };
      }
    }
  }

  async #checkEndpoint(endpoint: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new RelayError('PUSH_ENDPOINT_REFUSED', 'subscription.endpoint is not a URL');
    }
    const allowed = this.options.config.allowInsecureEndpoints ? ['https:', 'http:'] : ['https:'];
    if (!allowed.includes(url.protocol) || url.username || url.password)
      throw new RelayError('PUSH_ENDPOINT_REFUSED', 'subscription.endpoint must be an https: URL without credentials');
    if (this.options.config.allowPrivateAddresses) return;
    // Checked again when each push is posted (`publicOnly`), so a name that resolves elsewhere later is refused then.
    await assertPublicUrl(endpoint, 'push.allowPrivateAddresses').catch((err: unknown) => {
      throw new RelayError('PUSH_ENDPOINT_REFUSED', `subscription.endpoint is refused: ${(err as Error).message}`);
    });
  }
}

/** The schema checks the key's shape; this checks it is a point of P-256, without which no push could be encrypted to it. */
function checkKey(p256dh: string): void {
  const point = Buffer.from(p256dh, 'base64url');
  try {
    createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') },
      format: 'jwk',
    });
  } catch {
    throw new RelayError('BAD_REQUEST', 'subscription.keys.p256dh is not a P-256 public key');
  }
}

function toPublic({ id, kind, endpoint, token, createdAt, updatedAt }: StoredDevice): Device {
  return kind === 'webpush' ? { id, kind, endpoint, createdAt, updatedAt } : { id, kind, token, createdAt, updatedAt };
}
