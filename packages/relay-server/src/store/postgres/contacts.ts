import type { Contact, Conversation } from '@chat4all/protocol';
import { CONTACT_COLUMNS, type ContactRow, IDENTITY_COLUMNS, type IdentityRow, toContacts } from '../rows/contacts.js';
import type { ContactInput, ContactOutcome, ContactsRepository, ConversationsRepository } from '../types.js';
import type { PostgresDb } from './db.js';

/** Contacts and their channel identities in PostgreSQL. */
export class PostgresContacts implements ContactsRepository {
  readonly #db: PostgresDb;
  readonly #conversations: ConversationsRepository;

  constructor(db: PostgresDb, conversations: ConversationsRepository) {
    this.#db = db;
    this.#conversations = conversations;
  }

  async ensure(input: ContactInput): Promise<ContactOutcome> {
    const { channel, externalId, now } = input;
    const { contactId, created } = await this.#db.transaction(async (tx) => {
      // Concurrent first messages of one identity (two nodes, a retried webhook) create one contact.
      await tx`SELECT pg_advisory_xact_lock(hashtext(${`${channel.id}|${externalId}`}))`;
      const [found] = await tx<{ contact_id: string }[]>`
        UPDATE channel_identities SET display_name = COALESCE(${input.displayName}, display_name),
          username = COALESCE(${input.username}, username), last_inbound_at = COALESCE(${input.inboundAt}, last_inbound_at)
        WHERE channel_id = ${channel.id} AND external_id = ${externalId} RETURNING contact_id`;
      if (found) return { contactId: found.contact_id, created: false };
      const id = input.newContactId;
      const { id: conversationId, memberIds, metadata } = input.conversation;
      const title = input.displayName ?? externalId;
      await tx`
        INSERT INTO users (id, display_name, metadata, created_at, updated_at)
        VALUES (${id}, ${title}, ${JSON.stringify({ contact: true })}, ${now}, ${now})`;
      await tx`
        INSERT INTO conversations (id, type, title, metadata, created_at, last_activity_at)
        VALUES (${conversationId}, 'group', ${title}, ${JSON.stringify(metadata)}, ${now}, ${now})`;
      const members = [...new Set([...memberIds, id])].map((userId, index) => ({
        conversation_id: conversationId,
        user_id: userId,
        role: index === 0 ? 'owner' : 'member',
        joined_at: now,
      }));
      await tx`INSERT INTO members ${tx(members)}`;
      await tx`INSERT INTO contacts (id, conversation_id, created_at) VALUES (${id}, ${conversationId}, ${now})`;
      await tx`
        INSERT INTO channel_identities (channel_id, external_id, channel, contact_id, display_name, username, last_inbound_at, created_at)
        VALUES (${channel.id}, ${externalId}, ${channel.type}, ${id}, ${input.displayName}, ${input.username}, ${input.inboundAt}, ${now})`;
      return { contactId: id, created: true };
    });
    const contact = (await this.get(contactId)) as Contact;
    const conversation = (await this.#conversations.get(contact.conversationId as string)) as Conversation;
    return { contact, conversation, created };
  }

  async #contacts(rows: ContactRow[]): Promise<Contact[]> {
    if (rows.length === 0) return [];
    const identities = await this.#db.sql<IdentityRow[]>`
      SELECT ${this.#db.sql.unsafe(IDENTITY_COLUMNS)} FROM channel_identities
      WHERE contact_id = ANY(${rows.map((row) => row.id)}::text[]) ORDER BY created_at, channel_id`;
    return toContacts(rows, identities);
  }

  async get(id: string): Promise<Contact | null> {
    const rows = await this.#db.sql<ContactRow[]>`
      SELECT ${this.#db.sql.unsafe(CONTACT_COLUMNS)} FROM contacts c JOIN users u ON u.id = c.id WHERE c.id = ${id}`;
    return (await this.#contacts(rows))[0] ?? null;
  }

  async find(channelId: string, externalId: string): Promise<Contact | null> {
    const [found] = await this.#db.sql<{ contact_id: string }[]>`
      SELECT contact_id FROM channel_identities WHERE channel_id = ${channelId} AND external_id = ${externalId}`;
    return found ? this.get(found.contact_id) : null;
  }

  async list(page: { limit: number; after: string | null }): Promise<Contact[]> {
    const rows = await this.#db.sql<ContactRow[]>`
      SELECT ${this.#db.sql.unsafe(CONTACT_COLUMNS)} FROM contacts c JOIN users u ON u.id = c.id
      WHERE ${page.after}::text IS NULL OR (c.created_at, c.id) < (SELECT created_at, id FROM contacts WHERE id = ${page.after})
      ORDER BY c.created_at DESC, c.id DESC LIMIT ${page.limit}`;
    return this.#contacts(rows);
  }

  async setConversation(contactId: string, conversationId: string): Promise<boolean> {
    const result = await this.#db.sql`
      UPDATE contacts SET conversation_id = ${conversationId} WHERE id = ${contactId}
        AND EXISTS (SELECT 1 FROM members WHERE conversation_id = ${conversationId} AND user_id = ${contactId})`;
    return result.count > 0;
  }

  async setPreferredChannel(contactId: string, channelId: string | null): Promise<boolean> {
    const result = await this.#db.sql`
      UPDATE contacts SET preferred_channel_id = ${channelId} WHERE id = ${contactId}
        AND (${channelId}::text IS NULL OR EXISTS (
          SELECT 1 FROM channel_identities WHERE contact_id = ${contactId} AND channel_id = ${channelId}))`;
    return result.count > 0;
  }

  async moveIdentity(channelId: string, from: string, to: string): Promise<boolean> {
    const result = await this.#db.sql`
      UPDATE channel_identities SET external_id = ${to} WHERE channel_id = ${channelId} AND external_id = ${from}
        AND NOT EXISTS (SELECT 1 FROM channel_identities WHERE channel_id = ${channelId} AND external_id = ${to})`;
    return result.count > 0;
  }
}
