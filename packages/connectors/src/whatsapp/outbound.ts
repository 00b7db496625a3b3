import { CHANNEL_CAPABILITIES, type ContactsContent, type LocationContent } from '@chat4all/protocol';

/** Longest text body and longest media caption (Cloud API, "Messages" reference), in characters. */
export const WHATSAPP_TEXT_LIMIT = CHANNEL_CAPABILITIES.whatsapp.text.limit;
export const WHATSAPP_CAPTION_LIMIT = CHANNEL_CAPABILITIES.whatsapp.caption?.limit ?? WHATSAPP_TEXT_LIMIT;

/**
 * A message template to send (`metadata.whatsapp.template = { name, language, components? }`,
 * https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates): the
 * only messages WhatsApp delivers outside the 24-hour customer service window.
 */
export function templateOf(metadata: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const template = (metadata?.whatsapp as { template?: { name?: unknown; language?: unknown; components?: unknown } } | undefined)
    ?.template;
  if (!template || typeof template.name !== 'string') return undefined;
  const language = typeof template.language === 'string' ? { code: template.language } : (template.language ?? { code: 'en_US' });
  return { name: template.name, language, ...(Array.isArray(template.components) ? { components: template.components } : {}) };
}

/** The `location` or `contacts` object of a message sharing a place or contact cards. */
export function whatsappContentBody(content: LocationContent | ContactsContent): Record<string, unknown> {
  if (content.type === 'location') {
    const { latitude, longitude, name, address } = content;
    return { type: 'location', location: { latitude, longitude, ...(name ? { name } : {}), ...(address ? { address } : {}) } };
  }
  return {
    type: 'contacts',
    contacts: content.contacts.map((card) => ({
      name: { formatted_name: card.name, first_name: card.name },
      phones: card.phones.map((p) => ({ phone: p.phone, ...(p.type ? { type: p.type } : {}) })),
      emails: card.emails.map((email) => ({ email })),
      ...(card.organization ? { org: { company: card.organization } } : {}),
    })),
  };
}
