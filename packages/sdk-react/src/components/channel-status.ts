import type { ChannelDelivery } from '@chat4all/sdk-js';
import { createElement as h } from 'react';
import { useChannelDeliveries } from '../hooks.js';

const CHANNEL_NAMES: Record<string, string> = {
  whatsapp: 'WhatsApp',
  instagram: 'Instagram',
  messenger: 'Messenger',
  telegram: 'Telegram',
  webhook: 'Webhook',
  loopback: 'Loopback',
};
const STATUS_LABELS: Record<ChannelDelivery['status'], string> = {
  pending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
};

export interface ChannelStatusProps {
  conversationId: string;
  messageId: string;
  className?: string;
}

/** Where a message stands on each contact's channel: a badge per channel, the platform's error in its title when it failed. */
export function ChannelStatus({ conversationId, messageId, className = 'c4a-channels' }: ChannelStatusProps) {
  const deliveries = useChannelDeliveries(conversationId, messageId);
  if (deliveries.length === 0) return null;
  return h(
    'span',
    { className },
    ...deliveries.map((delivery) => {
      const channel = CHANNEL_NAMES[delivery.channel ?? ''] ?? delivery.channelId ?? 'channel';
      const retrying = delivery.status === 'pending' && delivery.error ? ` (retrying: ${delivery.error.code})` : '';
      const label = `${channel}: ${delivery.deadLettered ? 'failed, in the dead-letter queue' : STATUS_LABELS[delivery.status]}${retrying}`;
      const title = delivery.error && delivery.status === 'failed' ? `${label} — ${delivery.error.code}: ${delivery.error.message}` : label;
      return h(
        'span',
        {
          key: delivery.id,
          className: 'c4a-channel',
          'data-channel': delivery.channel ?? undefined,
          'data-status': delivery.status,
          title,
          'aria-label': title,
        },
        `${channel} · ${STATUS_LABELS[delivery.status]}`,
      );
    }),
  );
}
