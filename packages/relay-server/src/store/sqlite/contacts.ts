import type { Contact } from '@chat4all/protocol';
import { CONTACT_COLUMNS, type ContactRow, IDENTITY_COLUMNS, type IdentityRow, toContacts } from '../rows/contacts.js';
import { CONVERSATION_COLUMNS, type ConversationRow, toConversation } from '../rows/conversations.js';
import type { ContactInput, ContactOutcome, ContactsRepository } from '../types.js';
import type { SqliteDb } from './db.js';

/** Contacts and their channel identities in SQLite. */
export class SqliteContacts implements ContactsRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async ensure(input: ContactInput): Promise<ContactOutcome> {
    return this.#db.transaction((): ContactOutcome => {
      const { channel, externalId, now } = input;
      const found = this.#db.get<{ contact_id: string }>(
        'SELECT contact_id FROM channel_identities WHERE channel_id = ? AND external_id = ?',
        channel.id,
        externalId,
      );
      let created = false;
      let contactId = found?.contact_id;
      if (contactId) {
        this.#db.run(
          `UPDATE channel_identities SET display_name = COALESCE(?, display_name), username = COALESCE(?, username),
             last_inbound_at = COALESCE(?, last_inbound_at) WHERE channel_id = ? AND external_id = ?`,
          input.displayName,
          input.username,
          input.inboundAt,
          channel.id,
          externalId,
        );
      } else {
        created = true;
        contactId = input.newContactId;
        const { id: conversationId, memberIds, metadata } = input.conversation;
        this.#db.run(
          'INSERT INTO users (id, display_name, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
          contactId,
          input.displayName ?? externalId,
          JSON.stringify({ contact: true }),
          now,
          now,
        );
        this.#db.run(
          `INSERT INTO conversations (id, type, title, metadata, created_at, last_activity_at) VALUES (?, 'group', ?, ?, ?, ?)`,
          conversationId,
          input.displayName ?? externalId,
          JSON.stringify(metadata),
          now,
          now,
        );
        const members = [...new Set([...memberIds, contactId])];
        for (const [index, userId] of members.entries()) {
          this.#db.run(
            'INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)',
            conversationId,
            userId,
            index === 0 ? 'owner' : 'member',
            now,
          );
        }
        this.#db.run('INSERT INTO contacts (id, conversation_id, created_at) VALUES (?, ?, ?)', contactId, conversationId, now);
        this.#db.run(
          `INSERT INTO channel_identities (channel_id, external_id, channel, contact_id, display_name, username, last_inbound_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          channel.id,
          externalId,
          channel.type,
          contactId,
          input.displayName,
          input.username,
          input.inboundAt,
          now,
        );
      }
      const contact = this.#contacts('WHERE c.id = ?', contactId)[0] as Contact;
      const conversation = this.#db.get<ConversationRow>(
        `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = ?`,
        contact.conversationId,
      ) as ConversationRow;
      return { contact, conversation: toConversation(conversation), created };
    });
  }

  #contacts(where: string, ...params: unknown[]): Contact[] {
    const rows = this.#db.all<ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts c JOIN users u ON u.id = c.id ${where}`, ...params);
    if (rows.length === 0) return [];
    const identities = this.#db.all<IdentityRow>(
      `SELECT ${IDENTITY_COLUMNS} FROM channel_identities WHERE contact_id IN (${rows.map(() => '?').join(',')}) ORDER BY created_at, channel_id`,
      ...rows.map((row) => row.id),
    );
    return toContacts(rows, identities);
  }

  async get(id: string): Promise<Contact | null> {
    return this.#contacts('WHERE c.id = ?', id)[0] ?? null;
  }

  async find(channelId: string, externalId: string): Promise<Contact | null> {
    const found = this.#db.get<{ contact_id: string }>(
      'SELECT contact_id FROM channel_identities WHERE channel_id = ? AND external_id = ?',
      channelId,
      externalId,
    );
    return found ? this.get(found.contact_id) : null;
  }

  async list(page: { limit: number; after: string | null }): Promise<Contact[]> {
    if (page.after === null) return this.#contacts('ORDER BY c.created_at DESC, c.id DESC LIMIT ?', page.limit);
    return this.#contacts(
      `WHERE (c.created_at, c.id) < (SELECT created_at, id FROM contacts WHERE id = ?) ORDER BY c.created_at DESC, c.id DESC LIMIT ?`,
      page.after,
      page.limit,
    );
  }

  async setConversation(contactId: string, conversationId: string): Promise<boolean> {
    const result = this.#db.run(
      `UPDATE contacts SET conversation_id = ? WHERE id = ?
         AND EXISTS (SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?)`,
      conversationId,
      contactId,
      conversationId,
      contactId,
    );
    return result.changes > 0;
  }

  async setPreferredChannel(contactId: string, channelId: string | null): Promise<boolean> {
    const result = this.#db.run(
      `UPDATE contacts SET preferred_channel_id = ? WHERE id = ?
         AND (? IS NULL OR EXISTS (SELECT 1 FROM channel_identities WHERE contact_id = ? AND channel_id = ?))`,
      channelId,
      contactId,
      channelId,
      contactId,
      channelId,
    );
    return result.changes > 0;
  }

  async moveIdentity(channelId: string, from: string, to: string): Promise<boolean> {
    const result = this.#db.run(
      `UPDATE channel_identities SET external_id = ? WHERE channel_id = ? AND external_id = ?
         AND NOT EXISTS (SELECT 1 FROM channel_identities WHERE channel_id = ? AND external_id = ?)`,
      to,
      channelId,
      from,
      channelId,
      to,
    );
    return result.changes > 0;
  }
}
