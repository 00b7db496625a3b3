// @vitest-environment happy-dom
import { type Chat4AllClient, MUTED_FOREVER } from '@chat4all/sdk-js';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { createElement as h, useEffect } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY, client as makeClient, startRelay, userToken } from '../../sdk-js/test/relay.js';
import { ChannelStatus, ConversationList, PinnedMessages, Reactions } from '../src/components/index.js';
import {
  ChatProvider,
  useChannelDeliveries,
  useChannelPolicies,
  useConnectionState,
  useConversation,
  useConversationSettings,
  useMessageStatus,
  useMessages,
  usePins,
  usePresence,
  useSendFile,
  useSendMessage,
  useTyping,
  useUnreadCount,
  useUnreadTotal,
  useUpload,
} from '../src/index.js';

/** How many pins a conversation has, handing out the hook's `pin`. */
function PinCount({ conversationId, onPin }: { conversationId: string; onPin: (pin: ReturnType<typeof usePins>['pin']) => void }) {
  const { pins, pin } = usePins(conversationId);
  useEffect(() => {
    onPin(pin);
  }, [pin, onPin]);
  return h('p', { 'data-testid': 'pins' }, `${pins.length}`);
}

/** What a composer shows of the first contact's channel policy. */
function Composer({ conversationId }: { conversationId: string }) {
  const [policy] = useChannelPolicies(conversationId);
  return h('p', { 'data-testid': 'policy' }, policy ? `${policy.channel} ${policy.state} ${policy.capabilities?.text.limit}` : 'none');
}

// Tell React this is a test environment, so act() flushes updates.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

async function conversation(url: string, a: string, b: string): Promise<string> {
  const response = await fetch(`${url}/v1/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'private', userId: b, createdBy: a }),
  });
  return ((await response.json()) as { id: string }).id;
}

function Chat({ conversationId, onSender }: { conversationId: string; onSender: (send: (text: string) => Promise<unknown>) => void }) {
  const state = useConnectionState();
  const { messages } = useMessages(conversationId);
  const sendMessage = useSendMessage(conversationId);
  const typing = useTyping(conversationId);
  const bobPresence = usePresence('bob');
  const unread = useUnreadCount(conversationId);
  const total = useUnreadCount();
  const summary = useConversation(conversationId);
  useEffect(() => onSender(sendMessage), [sendMessage, onSender]);
  return h(
    'div',
    null,
    h('p', { 'data-testid': 'state' }, state),
    h('p', { 'data-testid': 'typing' }, typing.join(',')),
    h('p', { 'data-testid': 'presence' }, bobPresence.status),
    h('p', { 'data-testid': 'unread' }, `${unread}/${total}/${summary?.lastMessage?.text ?? ''}`),
    h(
      'ul',
      null,
      messages.map((m) => h('li', { key: m.id }, `${m.text}:${m.status}`)),
    ),
  );
}

/** One message's channel deliveries: their history as text, and the ChannelStatus badges. */
function ChannelRow({ conversationId, messageId }: { conversationId: string; messageId: string }) {
  const deliveries = useChannelDeliveries(conversationId, messageId);
  return h(
    'div',
    null,
    h('p', { 'data-testid': 'history' }, deliveries[0]?.history.map((entry) => entry.status).join(',') ?? ''),
    h(ChannelStatus, { conversationId, messageId }),
  );
}

/** A file message's progress while it uploads, then the file as recipients see it. */
function FileRow({ conversationId, messageId }: { conversationId: string; messageId: string }) {
  const { progress } = useUpload(messageId);
  const message = useMessages(conversationId).messages.find((m) => m.id === messageId);
  const file = message?.attachment
    ? `${message.attachment.name} ${message.attachment.size}`
    : `${message?.pendingFile?.name ?? ''} uploading`;
  return h('p', { 'data-testid': 'file' }, `${file} ${progress?.status ?? 'none'} ${message?.status ?? ''}`);
}

function FileSender({ conversationId, onSend }: { conversationId: string; onSend: (send: ReturnType<typeof useSendFile>) => void }) {
  const sendFile = useSendFile(conversationId);
  useEffect(() => onSend(sendFile), [sendFile, onSend]);
  return null;
}

/** One device's inbox: a conversation's settings, the unread totals, and the list (main or archive). */
function InboxView({ conversationId, archived }: { conversationId: string; archived?: boolean }) {
  const settings = useConversationSettings(conversationId);
  const total = useUnreadTotal();
  const state = settings
    ? `${settings.mutedUntil ? 'muted' : 'audible'} ${settings.pinnedAt ? 'pinned' : 'loose'} ${settings.markedUnread}`
    : 'none';
  return h(
    'div',
    null,
    h('p', { 'data-testid': 'settings' }, state),
    h('p', { 'data-testid': 'total' }, `${total.messages}/${total.conversations}`),
    h(ConversationList, { onSelect: () => undefined, archived }),
  );
}

const renders = { list: new Map<string, number>(), status: 0 };

function MessageCount({ conversationId }: { conversationId: string }) {
  renders.list.set(conversationId, (renders.list.get(conversationId) ?? 0) + 1);
  return h('p', null, useMessages(conversationId).messages.length);
}

function FirstStatus({ conversationId, messageId }: { conversationId: string; messageId: string }) {
  renders.status++;
  return h('p', null, useMessageStatus(conversationId, messageId) ?? 'none');
}

describe('sdk-react hooks against the real relay', () => {
  let relay: Awaited<ReturnType<typeof startRelay>>;
  const clients: Chat4AllClient[] = [];
  beforeEach(async () => {
    relay = await startRelay({ config: { realtime: { offlineGraceMs: 0 } } });
  });
  afterEach(async () => {
    cleanup();
    for (const c of clients.splice(0)) c.close();
    await relay.close();
    relay.remove();
  });
  const connected = async (userId: string) => {
    const c = makeClient(relay.url, await userToken(relay.url, userId));
    clients.push(c);
    return c;
  };

  it('shows the connection, the messages with their status, unread counts, typing and presence', async () => {
    const ana = await connected('ana');
    const bob = await connected('bob');
    const conversationId = await conversation(relay.url, 'ana', 'bob');
    let send: ((text: string) => Promise<unknown>) | undefined;
    render(
      h(
        ChatProvider,
        { client: ana },
        h(Chat, {
          conversationId,
          onSender: (fn: (text: string) => Promise<unknown>) => {
            send = fn;
          },
        }),
      ),
    );
    expect(screen.getByTestId('state').textContent).toBe('idle');
    await act(() => ana.connect());
    await waitFor(() => expect(screen.getByTestId('state').textContent).toBe('connected'));

    await act(async () => {
      await send?.('hi bob');
    });
    await waitFor(() => expect(screen.getByText('hi bob:sent')).toBeTruthy());
    await act(() => bob.connect());
    await waitFor(() => expect(screen.getByText('hi bob:delivered')).toBeTruthy());
    await waitFor(() => expect(screen.getByTestId('presence').textContent).toBe('online'));
    await act(() => bob.markRead(conversationId));
    await waitFor(() => expect(screen.getByText('hi bob:read')).toBeTruthy());

    await act(async () => {
      await bob.send(conversationId, 'hi ana');
    });
    await waitFor(() => expect(screen.getByTestId('unread').textContent).toBe('1/1/hi ana'));
    await act(() => bob.setTyping(conversationId, true));
    await waitFor(() => expect(screen.getByTestId('typing').textContent).toBe('bob'));
    await act(() => ana.markRead(conversationId));
    await waitFor(() => expect(screen.getByTestId('unread').textContent).toBe('0/0/hi ana'));
    act(() => bob.close());
    await waitFor(() => expect(screen.getByTestId('presence').textContent).toBe('offline'));
  });

  it("syncs a user's mute, pin and marks between their devices with useConversationSettings, useUnreadTotal and ConversationList", async () => {
    const phone = await connected('ana');
    const laptop = await connected('ana');
    const bob = await connected('bob');
    await userToken(relay.url, 'cid');
    const withBob = await conversation(relay.url, 'ana', 'bob');
    const withCid = await conversation(relay.url, 'ana', 'cid');
    await Promise.all([phone.connect(), laptop.connect(), bob.connect()]);
    await bob.send(withBob, 'one');
    await bob.send(withBob, 'two');
    render(h(ChatProvider, { client: laptop }, h(InboxView, { conversationId: withBob })));
    await waitFor(() => expect(screen.getByTestId('total').textContent).toBe('2/1'));
    expect(screen.getByTestId('settings').textContent).toBe('audible loose false');

    // Muted and pinned on the phone: the laptop shows it at once, and the total leaves it out.
    await act(async () => {
      await phone.inbox.update(withBob, { mutedUntil: MUTED_FOREVER, pinned: true });
    });
    await waitFor(() => expect(screen.getByTestId('settings').textContent).toBe('muted pinned false'));
    await waitFor(() => expect(screen.getByTestId('total').textContent).toBe('0/0'));
    expect(screen.getByLabelText('Pinned')).toBeTruthy();
    expect(screen.getByLabelText('Muted')).toBeTruthy();
    expect(laptop.conversations.getSnapshot()[0]?.id).toBe(withBob);
    // Bob's own view of the conversation is untouched.
    expect(bob.conversations.getSnapshot().find((c) => c.id === withBob)?.settings).toEqual({
      mutedUntil: null,
      archived: false,
      pinnedAt: null,
      markedUnread: false,
    });

    // Marked unread on the phone, read on the laptop: the mark is gone on both.
    await act(async () => {
      await phone.inbox.update(withBob, { mutedUntil: null });
      await phone.inbox.update(withCid, { markedUnread: true });
    });
    await waitFor(() => expect(screen.getByLabelText('Marked unread')).toBeTruthy());
    await waitFor(() => expect(screen.getByTestId('total').textContent).toBe('2/2'));
    await act(() => laptop.markRead(withCid));
    await waitFor(() => expect(phone.conversations.getSnapshot().find((c) => c.id === withCid)?.settings.markedUnread).toBe(false));
    await waitFor(() => expect(screen.getByTestId('total').textContent).toBe('2/1'));

    // Archived on the laptop: out of its main list.
    await act(async () => {
      await laptop.inbox.update(withCid, { archived: true });
    });
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(1));
  });

  it('re-renders only the components whose slice changed', async () => {
    const ana = await connected('ana');
    const bob = await connected('bob');
    const cid = await connected('cid');
    const withBob = await conversation(relay.url, 'ana', 'bob');
    const withCid = await conversation(relay.url, 'ana', 'cid');
    await Promise.all([ana.connect(), bob.connect(), cid.connect()]);
    const first = await bob.send(withBob, 'first');
    // Settled: ana's device has acknowledged it, so its status no longer moves.
    await waitFor(() => expect(ana.messages(withBob).getSnapshot()[0]?.status).toBe('delivered'));
    render(
      h(
        ChatProvider,
        { client: ana },
        h(MessageCount, { conversationId: withBob }),
        h(MessageCount, { conversationId: withCid }),
        h(FirstStatus, { conversationId: withBob, messageId: first.id }),
      ),
    );
    const before = { bob: renders.list.get(withBob) ?? 0, cid: renders.list.get(withCid) ?? 0, status: renders.status };

    await act(async () => {
      await bob.send(withBob, 'second');
    });
    await waitFor(() => expect(ana.messages(withBob).getSnapshot()).toHaveLength(2));
    await waitFor(() => expect(renders.list.get(withBob)).toBeGreaterThan(before.bob));
    // The other conversation and the first message's unchanged status did not render again.
    expect({ cid: renders.list.get(withCid), status: renders.status }).toEqual({ cid: before.cid, status: before.status });
  });

  it('shows a message’s reactions and toggles the user’s own with useReactions and Reactions', async () => {
    const ana = await connected('ana');
    const bob = await connected('bob');
    const conversationId = await conversation(relay.url, 'ana', 'bob');
    await Promise.all([ana.connect(), bob.connect()]);
    const sent = await bob.send(conversationId, 'pizza?');
    await waitFor(() => expect(ana.messages(conversationId).getSnapshot()[0]?.seq).toBe(1));
    render(h(ChatProvider, { client: ana }, h(Reactions, { conversationId, messageId: sent.id, choices: ['👍', '🍕'] })));
    await act(async () => {
      await bob.react(conversationId, sent.id, '🍕');
    });
    await waitFor(() => expect(screen.getByRole('button', { name: '🍕 1' }).getAttribute('aria-pressed')).toBe('false'));
    expect(screen.getByRole('button', { name: '🍕 1' }).title).toBe('🍕: bob');
    // Pressing a reaction the user does not have adds it; pressing it again takes it back.
    act(() => screen.getByRole('button', { name: '🍕 1' }).click());
    await waitFor(() => expect(screen.getByRole('button', { name: '🍕 2' }).getAttribute('aria-pressed')).toBe('true'));
    await waitFor(() => expect(bob.messages(conversationId).getSnapshot()[0]?.reactions[0]?.count).toBe(2));
    act(() => screen.getByRole('button', { name: '🍕 2' }).click());
    await waitFor(() => expect(screen.getByRole('button', { name: '🍕 1' }).getAttribute('aria-pressed')).toBe('false'));
    act(() => screen.getByRole('button', { name: '👍' }).click());
    await waitFor(() => expect(screen.getByRole('button', { name: '👍 1' }).getAttribute('aria-pressed')).toBe('true'));
  });

  it('lists a conversation’s pins live with usePins and PinnedMessages, and unpins from it', async () => {
    const ana = await connected('ana');
    const bob = await connected('bob');
    const conversationId = await conversation(relay.url, 'ana', 'bob');
    await Promise.all([ana.connect(), bob.connect()]);
    const sent = await bob.send(conversationId, 'meet at 10');
    await waitFor(() => expect(ana.messages(conversationId).getSnapshot()[0]?.seq).toBe(1));
    let pinWith: ReturnType<typeof usePins>['pin'] | undefined;
    render(
      h(
        ChatProvider,
        { client: ana },
        h(PinCount, {
          conversationId,
          onPin: (pin: ReturnType<typeof usePins>['pin']) => {
            pinWith = pin;
          },
        }),
        h(PinnedMessages, { conversationId, canUnpin: true, nameOf: (id: string) => id.toUpperCase() }),
      ),
    );
    expect(screen.getByTestId('pins').textContent).toBe('0');
    // In a private conversation both members pin: bob's pin reaches ana live.
    await act(async () => {
      await bob.pin(conversationId, sent.id);
    });
    await waitFor(() => expect(screen.getByTestId('pins').textContent).toBe('1'));
    expect(screen.getByRole('button', { name: 'meet at 10' })).toBeTruthy();
    expect(screen.getByText('pinned by BOB')).toBeTruthy();
    act(() => screen.getByRole('button', { name: 'Unpin' }).click());
    await waitFor(() => expect(screen.getByTestId('pins').textContent).toBe('0'));
    expect(screen.queryByRole('list', { name: 'Pinned messages' })).toBeNull();
    await waitFor(() => expect(bob.pins(conversationId).getSnapshot()).toEqual([]));
    // The hook's own pin, with a time it lapses.
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await act(async () => {
      await pinWith?.(sent.id, { until });
    });
    await waitFor(() => expect(screen.getByTestId('pins').textContent).toBe('1'));
    expect(ana.pins(conversationId).getSnapshot()[0]).toMatchObject({ pinnedBy: 'ana', expiresAt: until });
  });

  it('sends a file with useSendFile and shows its upload with useUpload until it is sent', async () => {
    const ana = await connected('ana');
    await connected('bob');
    const conversationId = await conversation(relay.url, 'ana', 'bob');
    await ana.connect();
    let sendFile: ReturnType<typeof useSendFile> | undefined;
    const view = render(
      h(ChatProvider, { client: ana }, h(FileSender, { conversationId, onSend: (fn: ReturnType<typeof useSendFile>) => (sendFile = fn) })),
    );
    const sent = await act(async () =>
      sendFile?.(new Uint8Array(3 * 1024 * 1024).fill(7), { name: 'scan.pdf', type: 'application/pdf', chunkSize: 256 * 1024 }),
    );
    if (!sent) throw new Error('no message');
    view.rerender(h(ChatProvider, { client: ana }, h(FileRow, { conversationId, messageId: sent.id })));
    await waitFor(() => expect(screen.getByTestId('file').textContent).toMatch(/^scan\.pdf uploading (uploading|complete) pending$/));
    await waitFor(() => expect(screen.getByTestId('file').textContent).toBe(`scan.pdf ${3 * 1024 * 1024} none sent`));
  });

  it('shows where a message stands on a contact’s channel with useChannelDeliveries and ChannelStatus', async () => {
    await using inbox = await startRelay({
      config: { channels: [{ id: 'loop', type: 'loopback', members: ['agent'], statusDelayMs: 20 }], dispatch: { pollIntervalMs: 20 } },
    });
    const agent = makeClient(inbox.url, await userToken(inbox.url, 'agent'));
    await agent.connect();
    const added = await fetch(`${inbox.url}/v1/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channelId: 'loop', externalId: 'alice', displayName: 'Alice' }),
    });
    const { conversationId } = (await added.json()) as { conversationId: string };
    const sent = await agent.send(conversationId, 'olá Alice');
    render(h(ChatProvider, { client: agent }, h(ChannelRow, { conversationId, messageId: sent.id })));
    await waitFor(() => expect(screen.getByTestId('history').textContent).toBe('sent,delivered,read'));
    expect(screen.getByTitle('Loopback: read').textContent).toBe('Loopback · read');
    cleanup();
    agent.close();
  });

  it('tells a composer what a contact can be sent now with useChannelPolicies', async () => {
    await using inbox = await startRelay({ config: { channels: [{ id: 'loop', type: 'loopback', members: ['agent'] }] } });
    const agent = makeClient(inbox.url, await userToken(inbox.url, 'agent'));
    await agent.connect();
    const added = await fetch(`${inbox.url}/v1/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channelId: 'loop', externalId: 'bruno', displayName: 'Bruno' }),
    });
    const { conversationId } = (await added.json()) as { conversationId: string };
    render(h(ChatProvider, { client: agent }, h(Composer, { conversationId })));
    await waitFor(() => expect(screen.getByTestId('policy').textContent).toBe('loopback always 65536'));
    cleanup();
    agent.close();
  });
});
