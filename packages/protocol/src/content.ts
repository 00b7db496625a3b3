import type { ContactsContent, LocationContent } from './models.js';

/** What a place or contact cards read as text: "name — address" (or "latitude, longitude"), or the cards' names. */
export function contentText(content: LocationContent | ContactsContent): string {
  if (content.type === 'contacts') return content.contacts.map((c) => c.name).join(', ');
  return [content.name, content.address].filter(Boolean).join(' — ') || `${content.latitude}, ${content.longitude}`;
}
