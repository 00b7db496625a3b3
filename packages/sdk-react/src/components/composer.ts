import { type ChatMessage, MENTION_ALL, mentionQuery } from '@chat4all/sdk-js';
import { type FormEvent, createElement as h, type KeyboardEvent, useId, useRef, useState } from 'react';
import { useChatClient } from '../context.js';
import { useMembers, useSendFile, useSendMessage, useUser, useUsers } from '../hooks.js';

/** Typing is renewed this often while the user types (the relay expires it after a few seconds). */
const TYPING_RENEW_MS = 3_000;
/** At most this many members offered at once. */
const MAX_OPTIONS = 8;

/** Someone the composer offers to mention: a member's id and the name the text shows. */
export interface Mentionable {
  userId: string;
  name: string;
}

/** A saved answer an agent inserts by typing `/` and its short code (Chatwoot's and Intercom's canned responses). */
export interface CannedResponse {
  shortCode: string;
  text: string;
}

/** One entry of the composer's suggestion list: a member to mention, or a canned response. */
interface Suggestion {
  key: string;
  label: string;
  /** What replaces the typed `@query` or `/query`. */
  written: string;
  detail?: string;
  /** For a mention: the member's id (`''` for everyone). */
  userId?: string;
}

/** The `/query` being typed before the caret: at the start of the text or after a space. */
function cannedQuery(text: string, caret: number): { start: number; query: string } | null {
  const match = /(^|\s)\/([^\s/]{0,32})$/u.exec(text.slice(0, caret));
  return match ? { start: match.index + (match[1] ?? '').length, query: match[2] ?? '' } : null;
}

export interface ComposerProps {
  conversationId: string;
  placeholder?: string;
  className?: string;
  /** Who typing `@` offers, with their display names. @default the conversation's members, by their profiles' display names */
  members?: readonly Mentionable[];
  /** Offers `@all` (mentions everyone) too; the conversation's `groupMentions` must let the user. @default false */
  mentionAll?: boolean;
  /**
   * Replies in this root's thread, with an "Also send to the conversation" checkbox (unchecked after each send). Files are
   * sent to the conversation only: no Attach in a thread.
   */
  thread?: string;
  /** The message the next send replies to: shown above the box ("Replying to Ana") with a Cancel button. */
  replyTo?: ChatMessage | null;
  /** Called when the reply is sent or cancelled: the app clears `replyTo`. */
  onReplyDone?: () => void;
  /** Answers offered when the user types `/`: filtered by short code or text as they type, picked into the box to edit before sending. */
  cannedResponses?: readonly CannedResponse[];
}

/**
 * A message box: Enter sends, Shift+Enter breaks the line, Attach sends a file; tells the
 * others while the user types. Typing `@` opens a list of members (a `listbox` the textarea
 * controls): arrows move, Enter or Tab picks, Escape closes. A picked member is
 * written `@Name` and sent in `mentions` while the text still has it. With `cannedResponses`,
 * typing `/` opens them the same way, and a picked one replaces `/…` with its text. With
 * `thread`, it replies in that thread.
 */
export function Composer({
  conversationId,
  placeholder = 'Message',
  className = 'c4a-composer',
  members,
  mentionAll = false,
  thread,
  replyTo,
  onReplyDone,
  cannedResponses,
}: ComposerProps) {
  const client = useChatClient();
  const send = useSendMessage(conversationId);
  const sendFile = useSendFile(conversationId);
  const fetched = useMembers(members ? null : conversationId);
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [closedAt, setClosedAt] = useState<number | null>(null);
  const [alsoToConversation, setAlsoToConversation] = useState(false);
  const picked = useRef(new Map<string, string>());
  const lastTyping = useRef(0);
  const listId = useId();

  const profiles = useUsers(members ? [] : fetched.map((m) => m.userId));
  const candidates: readonly Mentionable[] =
    members ?? fetched.map((m) => ({ userId: m.userId, name: profiles.get(m.userId)?.displayName || m.userId }));
  const typed = mentionQuery(text, caret);
  const slash = !typed && cannedResponses && cannedResponses.length > 0 ? cannedQuery(text, caret) : null;
  const found = typed ?? slash;
  const query = found && found.start !== closedAt ? found : null;
  const wanted = query?.query.toLowerCase() ?? '';
  const options: Suggestion[] = !query
    ? []
    : typed
      ? [...(mentionAll ? [{ userId: '', name: MENTION_ALL }] : []), ...candidates]
          .filter((c) => c.name.toLowerCase().startsWith(wanted))
          .slice(0, MAX_OPTIONS)
          .map((c) => ({ key: c.userId || MENTION_ALL, label: `@${c.name}`, written: `@${c.name} `, userId: c.userId }))
      : (cannedResponses ?? [])
          .filter((r) => r.shortCode.toLowerCase().startsWith(wanted) || r.text.toLowerCase().includes(wanted))
          .slice(0, MAX_OPTIONS)
          .map((r, i) => ({ key: `/${i}/${r.shortCode}`, label: `/${r.shortCode}`, written: r.text, detail: r.text }));
  const open = options.length > 0;
  const current = Math.min(active, options.length - 1);

  const typing = (on: boolean) => {
    const now = Date.now();
    if (on && now - lastTyping.current < TYPING_RENEW_MS) return;
    if (!on && lastTyping.current === 0) return;
    lastTyping.current = on ? now : 0;
    client.setTyping(conversationId, on, thread).catch(() => {});
  };
  const pick = (option: Suggestion) => {
    if (!query) return;
    const next = text.slice(0, query.start) + option.written + text.slice(caret);
    if (option.userId !== undefined) picked.current.set(option.userId, option.label);
    setText(next);
    setCaret(query.start + option.written.length);
    setActive(0);
  };
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const message = text.trim();
    if (!message) return;
    // Only the picks the text still shows are mentions.
    const shown = [...picked.current].filter(([, label]) => message.includes(label)).map(([userId]) => userId);
    const mentions = shown.filter((id) => id !== '');
    picked.current.clear();
    setText('');
    setCaret(0);
    typing(false);
    setAlsoToConversation(false);
    void send(message, {
      mentions: mentions.length > 0 ? mentions : undefined,
      mentionsAll: shown.includes('') || undefined,
      threadId: thread,
      showInConversation: (thread && alsoToConversation) || undefined,
      replyTo: replyTo?.id,
    });
    if (replyTo) onReplyDone?.();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (open && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      event.preventDefault();
      setActive((current + (event.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length);
    } else if (open && (event.key === 'Enter' || event.key === 'Tab') && options[current]) {
      event.preventDefault();
      pick(options[current]);
    } else if (open && event.key === 'Escape') {
      event.preventDefault();
      setClosedAt(query?.start ?? null);
    } else if (event.key === 'Enter' && !event.shiftKey) submit(event);
  };
  const optionId = (i: number) => `${listId}-${i}`;
  return h(
    'form',
    { className, onSubmit: submit },
    replyTo ? h(ReplyBar, { message: replyTo, onCancel: () => onReplyDone?.() }) : null,
    h('textarea', {
      'aria-label': placeholder,
      placeholder,
      rows: 1,
      value: text,
      // A textbox that drives a listbox (still a textbox to assistive technology and tests
      // that find it as one), the active option named by aria-activedescendant.
      'aria-autocomplete': 'list',
      'aria-haspopup': 'listbox',
      'aria-controls': listId,
      'aria-activedescendant': open ? optionId(current) : undefined,
      onChange: (event: { target: { value: string; selectionStart: number | null } }) => {
        setText(event.target.value);
        setCaret(event.target.selectionStart ?? event.target.value.length);
        setActive(0);
        setClosedAt(null);
        typing(event.target.value.length > 0);
      },
      onSelect: (event: { currentTarget: { selectionStart: number | null } }) => setCaret(event.currentTarget.selectionStart ?? 0),
      onBlur: () => typing(false),
      onKeyDown,
    }),
    h(
      'ul',
      {
        id: listId,
        role: 'listbox',
        'aria-label': slash ? 'Canned responses' : 'Mention someone',
        className: 'c4a-mention-picker',
        hidden: !open,
      },
      options.map((option, i) =>
        h(
          'li',
          {
            key: option.key,
            id: optionId(i),
            role: 'option',
            'aria-selected': i === current,
            // Picked on mouse down, before the textarea loses focus.
            onMouseDown: (event: { preventDefault(): void }) => {
              event.preventDefault();
              pick(option);
            },
          },
          option.detail ? [h('strong', { key: 'label' }, option.label), h('span', { key: 'detail' }, option.detail)] : option.label,
        ),
      ),
    ),
    thread
      ? h(
          'label',
          { className: 'c4a-composer-also' },
          h('input', {
            type: 'checkbox',
            checked: alsoToConversation,
            onChange: (event: { target: { checked: boolean } }) => setAlsoToConversation(event.target.checked),
          }),
          'Also send to the conversation',
        )
      : h(
          'label',
          { className: 'c4a-composer-attach', title: 'Attach a file' },
          h(
            'svg',
            { viewBox: '0 0 24 24', width: 22, height: 22, 'aria-hidden': true, fill: 'none', stroke: 'currentColor', strokeWidth: 2 },
            h('path', { d: 'M21 11.5 12.5 20a5.5 5.5 0 0 1-7.8-7.8l9-9a3.7 3.7 0 0 1 5.2 5.2l-9 9a1.8 1.8 0 0 1-2.6-2.6l8.3-8.3' }),
          ),
          h('span', { className: 'c4a-visually-hidden' }, 'Attach'),
          h('input', {
            type: 'file',
            'aria-label': 'Attach a file',
            className: 'c4a-visually-hidden',
            onChange: (event: { target: { files: FileList | null; value: string } }) => {
              const file = event.target.files?.[0];
              event.target.value = '';
              if (file) void sendFile(file);
            },
          }),
        ),
    h('button', { type: 'submit', disabled: text.trim().length === 0 }, 'Send'),
  );
}

/** "Replying to Ana: the start of her text", with Cancel. */
function ReplyBar({ message, onCancel }: { message: ChatMessage; onCancel: () => void }) {
  const sender = useUser(message.senderId);
  const text = message.text || message.attachment?.name || '';
  return h(
    'div',
    { className: 'c4a-reply-bar', role: 'status' },
    h(
      'span',
      null,
      `Replying to ${sender?.displayName || message.senderId || 'a message'}: `,
      h('span', { className: 'c4a-quote-text' }, text.length > 80 ? `${text.slice(0, 79)}…` : text),
    ),
    h('button', { type: 'button', 'aria-label': 'Cancel reply', onClick: onCancel }, '×'),
  );
}
