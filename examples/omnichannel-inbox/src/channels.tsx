import type { ChatMessage, ConversationSummary } from '@chat4all/sdk-js';

/** Each channel type's name, as badges and the composer say it. */
export const CHANNELS: Record<string, string> = {
  whatsapp: 'WhatsApp',
  messenger: 'Messenger',
  instagram: 'Instagram',
  telegram: 'Telegram',
  webhook: 'Webhook',
  loopback: 'Loopback',
};

/** The channel a contact's conversation came from: the relay puts it in the conversation's metadata. */
export function channelOf(conversation: Pick<ConversationSummary, 'metadata'> | undefined): string | undefined {
  const channel = conversation?.metadata.channel as { type?: string } | undefined;
  return channel?.type;
}

/** The channel a contact's message came in on. */
export function messageChannel(message: ChatMessage): string | undefined {
  return (message.metadata.channel as { type?: string } | undefined)?.type;
}

export const isContact = (userId: string | null | undefined): boolean => userId?.startsWith('contact:') === true;

/** A channel's badge: its name on its colour (`.channel-badge[data-channel]` in styles.css). */
export function ChannelBadge({ channel }: { channel: string | undefined }) {
  if (!channel) return null;
  return (
    <span className="channel-badge" data-channel={channel}>
      {CHANNELS[channel] ?? channel}
    </span>
  );
}

/** The teams conversations are assigned to: the relay keeps only their ids; the app names them. */
export const TEAMS = [
  { id: 'support', name: 'Support' },
  { id: 'billing', name: 'Billing' },
  { id: 'sales', name: 'Sales' },
];

/** Answers an agent inserts by typing `/` and the short code in the composer. */
export const CANNED_RESPONSES = [
  { shortCode: 'hello', text: 'Olá! Sou da equipe de atendimento. Como posso ajudar?' },
  { shortCode: 'tracking', text: 'Seu pedido está a caminho. Você pode acompanhar a entrega pelo link que enviamos por e-mail.' },
  { shortCode: 'refund', text: 'Já solicitamos o reembolso. O valor aparece na sua fatura em até 5 dias úteis.' },
  { shortCode: 'thanks', text: 'Obrigado pelo contato! Se precisar de algo mais, é só escrever aqui.' },
];
