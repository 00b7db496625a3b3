import type { ChannelError } from '@chat4all/connectors';
import type { ChannelHealth } from '@chat4all/protocol';
import type { Logger } from 'pino';
import type { RelayMetrics } from '../observability/metrics.js';
import type { ChannelHold, Store } from '../store/types.js';
import type { Channel, Channels } from './channels.js';

/**
 * Channel accounts on hold. When a platform refuses an account's own credentials (an expired
 * or revoked token), no message on it can go: the account is put on hold in the store (for
 * every node), its deliveries wait instead of failing, and `channel.health` says so. Once the
 * credentials are fixed, a resume makes every held delivery due again, in order.
 */
export class ChannelHealthService {
  #holds = new Map<string, ChannelHold>();

  constructor(
    private readonly deps: {
      store: Pick<Store, 'deliveries'>;
      channels: Channels;
      metrics: RelayMetrics;
      log: Logger;
      /** A channel account went on hold or came off it. */
      onChange(health: ChannelHealth): void;
      /** Held deliveries are due: look for them. */
      wake(): void;
    },
  ) {
    for (const channel of deps.channels.all()) deps.metrics.channelHeld.set({ channel: channel.id }, 0);
  }

  /** Whether the account is on hold, as this node last read it (see {@link refresh}). */
  held(channelId: string): boolean {
    return this.#holds.has(channelId);
  }

  /** Reads the holds from the store: other nodes may have put one on or taken it off. */
  async refresh(): Promise<void> {
    const holds = await this.deps.store.deliveries.listHolds();
    this.#holds = new Map(holds.map((hold) => [hold.channelId, hold]));
    for (const channel of this.deps.channels.all())
      this.deps.metrics.channelHeld.set({ channel: channel.id }, this.#holds.has(channel.id) ? 1 : 0);
  }

  /** Puts the account on hold for the platform's refusal of its credentials. */
  async hold(channel: Channel, error: ChannelError, now = Date.now()): Promise<void> {
    const hold: ChannelHold = {
      channelId: channel.id,
      code: error.code,
      platformCode: error.platformCode,
      message: error.message,
      since: now,
    };
    const changed = await this.deps.store.deliveries.setHold(channel.id, hold, now);
    await this.refresh();
    if (!changed) return;
    this.deps.log.error(
      { channelId: channel.id, code: error.code, platformCode: error.platformCode },
      'channel account on hold: its credentials were refused',
    );
    this.deps.onChange(this.view(channel));
  }

  /** Takes the account off hold; its held deliveries go out, in order. False when it was not on hold. */
  async resume(channel: Channel, now = Date.now()): Promise<boolean> {
    const changed = await this.deps.store.deliveries.setHold(channel.id, null, now);
    await this.refresh();
    if (!changed) return false;
    this.deps.log.info({ channelId: channel.id }, 'channel account resumed');
    this.deps.onChange(this.view(channel));
    this.deps.wake();
    return true;
  }

  /** The account as the server API shows it. */
  view(channel: Channel): ChannelHealth {
    const hold = this.#holds.get(channel.id);
    return {
      id: channel.id,
      type: channel.type,
      status: hold ? 'held' : 'active',
      hold: hold
        ? { code: hold.code, platformCode: hold.platformCode, message: hold.message, since: new Date(hold.since).toISOString() }
        : null,
    };
  }
}
