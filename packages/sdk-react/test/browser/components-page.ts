import { createClient } from '@chat4all/sdk-js';
import { createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import {
  Composer,
  ConnectionBanner,
  ConversationList,
  MessageList,
  PresenceDot,
  Thread,
  TypingIndicator,
} from '../../src/components/index.js';
import { ChatProvider } from '../../src/index.js';

// A page made only of the published components, driven by the component test.
const params = new URLSearchParams(location.search);
const client = createClient({ url: params.get('relay') ?? '', token: params.get('token') ?? '' });
const me = params.get('me') ?? '';
const peer = params.get('peer') ?? '';

function App() {
  const [selected, setSelected] = useState<string | undefined>(params.get('conversation') ?? undefined);
  const [thread, setThread] = useState<string | null>(null);
  return h(
    ChatProvider,
    { client },
    h(ConnectionBanner),
    h('aside', null, h(ConversationList, { selectedId: selected, onSelect: setSelected }), h(PresenceDot, { userId: peer })),
    selected
      ? h(
          'main',
          null,
          h(
            'div',
            { style: { height: '400px', width: '480px' } },
            h(MessageList, { conversationId: selected, userId: me, onOpenThread: setThread }),
          ),
          h(TypingIndicator, { conversationId: selected }),
          h(Composer, { conversationId: selected }),
        )
      : null,
    selected && thread
      ? h(
          'div',
          { style: { height: '400px', width: '360px' } },
          h(Thread, { conversationId: selected, rootId: thread, userId: me, onClose: () => setThread(null) }),
        )
      : null,
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(h(App));
void client.connect();
Object.assign(window, { chat: client });
