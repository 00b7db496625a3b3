import type { ConnectionState } from '@chat4all/sdk-js';
import { createElement as h } from 'react';
import { useConnectionState } from '../hooks.js';

const LABELS: Record<ConnectionState, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting… messages you send are kept and sent when back.',
  offline: 'You are offline. Messages you send are kept and sent when back.',
  closed: 'Disconnected.',
};

export interface ConnectionBannerProps {
  /** Text per state. */
  labels?: Partial<Record<ConnectionState, string>>;
  className?: string;
}

/** Says when the client is not connected; renders nothing while connected. */
export function ConnectionBanner({ labels, className = 'c4a-connection' }: ConnectionBannerProps) {
  const state = useConnectionState();
  if (state === 'connected') return null;
  return h('div', { role: 'status', 'aria-live': 'polite', className, 'data-state': state }, labels?.[state] ?? LABELS[state]);
}
