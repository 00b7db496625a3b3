// @vitest-environment happy-dom
import type { Chat4AllClient } from '@chat4all/sdk-js';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createElement as h } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY, client as makeClient, startRelay, userToken } from '../../sdk-js/test/relay.js';
import { Composer, MentionText } from '../src/components/index.js';
import { ChatProvider } from '../src/index.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

describe('mentions in the composer and the message text', () => {
  let relay: Awaited<ReturnType<typeof startRelay>>;
  const clients: Chat4AllClient[] = [];
  beforeEach(async () => {
    relay = await startRelay();
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
    await c.connect();
    return c;
  };
  const group = async () => {
    const response = await fetch(`${relay.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'group', createdBy: 'ana', memberIds: ['bob', 'cid'] }),
    });
    return ((await response.json()) as { id: string }).id;
  };
  const type = (box: HTMLElement, value: string) =>
    act(() => {
      fireEvent.change(box, { target: { value, selectionStart: value.length } });
    });
  const key = (box: HTMLElement, name: string) =>
    act(() => {
      fireEvent.keyDown(box, { key: name });
    });

  it('offers members after @, navigable by keyboard as a listbox, and sends the picked ones as mentions', async () => {
    const [ana, cid] = [await connected('ana'), await connected('cid')];
    await connected('bob');
    const conversationId = await group();
    const members = [
      { userId: 'bob', name: 'Bob Lee' },
      { userId: 'cid', name: 'Cid' },
    ];
    render(h(ChatProvider, { client: ana }, h(Composer, { conversationId, members, mentionAll: true })));
    const box = screen.getByRole('textbox', { name: 'Message' });
    const list = screen.getByRole('listbox', { hidden: true });
    expect(list.hidden).toBe(true);

    await type(box, 'hi @');
    expect(list.hidden).toBe(false);
    expect(box.getAttribute('aria-controls')).toBe(list.id);
    const options = () => screen.getAllByRole('option');
    expect(options().map((o) => o.textContent)).toEqual(['@all', '@Bob Lee', '@Cid']);
    expect(box.getAttribute('aria-activedescendant')).toBe(options()[0]?.id);
    await key(box, 'ArrowDown');
    await key(box, 'ArrowDown');
    expect(options()[2]?.getAttribute('aria-selected')).toBe('true');
    expect(box.getAttribute('aria-activedescendant')).toBe(options()[2]?.id);
    await key(box, 'ArrowDown');
    expect(options()[0]?.getAttribute('aria-selected')).toBe('true');
    await key(box, 'Escape');
    expect(list.hidden).toBe(true);

    await type(box, 'hi @b');
    expect(options().map((o) => o.textContent)).toEqual(['@Bob Lee']);
    await key(box, 'Enter');
    expect((box as HTMLTextAreaElement).value).toBe('hi @Bob Lee ');
    expect(list.hidden).toBe(true);
    await type(box, 'hi @Bob Lee and @C');
    act(() => {
      fireEvent.mouseDown(screen.getByRole('option', { name: '@Cid' }));
    });
    expect((box as HTMLTextAreaElement).value).toBe('hi @Bob Lee and @Cid ');
    await key(box, 'Enter');
    expect((box as HTMLTextAreaElement).value).toBe('');

    await waitFor(() => expect(cid.messages(conversationId).getSnapshot()[0]?.text).toBe('hi @Bob Lee and @Cid'));
    expect(cid.messages(conversationId).getSnapshot()[0]).toMatchObject({ mentions: ['bob', 'cid'], mentionsAll: false });
  });

  it('offers the conversation’s members by id when the app gives no names, and drops a pick the text no longer shows', async () => {
    const [ana, bob] = [await connected('ana'), await connected('bob')];
    await connected('cid');
    const conversationId = await group();
    render(h(ChatProvider, { client: ana }, h(Composer, { conversationId })));
    const box = screen.getByRole('textbox', { name: 'Message' });
    await type(box, '@');
    await waitFor(() => expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['@ana', '@bob', '@cid']));
    await key(box, 'ArrowDown');
    await key(box, 'Tab');
    expect((box as HTMLTextAreaElement).value).toBe('@bob ');
    await type(box, 'never mind');
    await key(box, 'Enter');
    await waitFor(() => expect(bob.messages(conversationId).getSnapshot()[0]?.text).toBe('never mind'));
    expect(bob.messages(conversationId).getSnapshot()[0]?.mentions).toEqual([]);
  });

  it('highlights a message’s mentions by display name', () => {
    const message = { text: 'ask @Bob Lee or @all, not @Dan', mentions: ['bob'], mentionsAll: true };
    const { container } = render(h(MentionText, { message, nameOf: (id) => (id === 'bob' ? 'Bob Lee' : null) }));
    const marks = Array.from(container.querySelectorAll('mark.c4a-mention'));
    expect(marks.map((m) => [m.textContent, m.getAttribute('data-user-id')])).toEqual([
      ['@Bob Lee', 'bob'],
      ['@all', null],
    ]);
    expect(container.textContent).toBe('ask @Bob Lee or @all, not @Dan');
  });
});
