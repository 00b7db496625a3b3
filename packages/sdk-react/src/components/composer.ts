import { type FormEvent, createElement as h, type KeyboardEvent, useRef, useState } from 'react';
import { useChatClient } from '../context.js';
import { useSendFile, useSendMessage } from '../hooks.js';

/** Typing is renewed this often while the user types (the relay expires it after a few seconds). */
const TYPING_RENEW_MS = 3_000;

export interface ComposerProps {
  conversationId: string;
  placeholder?: string;
  className?: string;
}

/** A message box: Enter sends, Shift+Enter breaks the line, Attach sends a file; tells the others while the user types. */
export function Composer({ conversationId, placeholder = 'Message', className = 'c4a-composer' }: ComposerProps) {
  const client = useChatClient();
  const send = useSendMessage(conversationId);
  const sendFile = useSendFile(conversationId);
  const [text, setText] = useState('');
  const lastTyping = useRef(0);

  const typing = (active: boolean) => {
    const now = Date.now();
    if (active && now - lastTyping.current < TYPING_RENEW_MS) return;
    if (!active && lastTyping.current === 0) return;
    lastTyping.current = active ? now : 0;
    client.setTyping(conversationId, active).catch(() => {});
  };
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const message = text.trim();
    if (!message) return;
    setText('');
    typing(false);
    void send(message);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && !event.shiftKey) submit(event);
  };
  return h(
    'form',
    { className, onSubmit: submit },
    h('textarea', {
      'aria-label': placeholder,
      placeholder,
      rows: 1,
      value: text,
      onChange: (event: { target: { value: string } }) => {
        setText(event.target.value);
        typing(event.target.value.length > 0);
      },
      onBlur: () => typing(false),
      onKeyDown,
    }),
    h(
      'label',
      { className: 'c4a-composer-attach' },
      'Attach',
      h('input', {
        type: 'file',
        'aria-label': 'Attach a file',
        style: { display: 'none' },
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
