import { createClient } from '@chat4all/sdk-js';
import { createElement as h } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ChatProvider, useConnectionState, useMessages, useUnreadCount } from '../src/index.js';

function Page() {
  const state = useConnectionState();
  const { messages } = useMessages('c1');
  const unread = useUnreadCount();
  return h('main', null, `${state} ${messages.length} ${unread}`);
}

describe('server rendering', () => {
  it('renders with no window, no IndexedDB and no socket', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    expect(typeof (globalThis as { indexedDB?: unknown }).indexedDB).toBe('undefined');
    const client = createClient({ url: 'http://relay.invalid', token: 'server-side' });
    const html = renderToString(h(ChatProvider, { client }, h(Page)));
    expect(html).toBe('<main>idle 0 0</main>');
    expect(client.connection.getSnapshot()).toBe('idle');
  });
});
