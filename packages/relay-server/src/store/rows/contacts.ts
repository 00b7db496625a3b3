import type { ChannelType, Contact } from '@chat4all/protocol';
import { iso, isoOrNull } from '../../shared/time.js';
import { parseMetadata } from './metadata.js';

export interface ContactRow {
  id: string;
  display_name: string | null;
  metadata: string;
  conversation_id: string | null;
  preferred_channel_id: string | null;
  created_at: number;
}

export interface IdentityRow {
  contact_id: string;
  channel_id: string;
  channel: ChannelType;
  external_id: string;
  display_name: string | null;
  username: string | null;
  last_inbound_at: number | null;
}

export const CONTACT_COLUMNS = 'c.id, u.display_name, u.metadata, c.conversation_id, c.preferred_channel_id, c.created_at';
export const IDENTITY_COLUMNS = 'contact_id, channel_id, channel, external_id, display_name, username, last_inbound_at';

/** Contacts with their identities (rows of any contacts, in any order; each contact keeps its identities by first contact). */
export function toContacts(rows: readonly ContactRow[], identities: readonly IdentityRow[]): Contact[] {
  return rows.map((row) => ({
    id: row.id,
    displayName: row.display_name,
    metadata: parseMetadata(row.metadata),
    conversationId: row.conversation_id,
    preferredChannelId: row.preferred_channel_id,
    identities: identities
      .filter((identity) => identity.contact_id === row.id)
      .map((identity) => ({
        channelId: identity.channel_id,
        channel: identity.channel,
        externalId: identity.external_id,
        displayName: identity.display_name,
        username: identity.username,
        lastInboundAt: isoOrNull(identity.last_inbound_at),
      })),
    createdAt: iso(row.created_at),
  }));
}
