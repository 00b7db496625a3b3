import type { ChannelType, Contact, Conversation, Metadata } from '@chat4all/protocol';

/** A channel account as the store needs to know it: its id and platform. */
export interface ChannelRef {
  id: string;
  type: ChannelType;
}

/** Who wrote in (or whom the app wants to reach) on one channel account. */
export interface ContactInput {
  channel: ChannelRef;
  externalId: string;
  displayName: string | null;
  username: string | null;
  /** Set when the contact wrote just now (not when the app adds it). */
  inboundAt: number | null;
  /** Used only when the identity is new. */
  newContactId: string;
  /** The conversation made for a new contact: its id, title and the app users in it (the first is its owner). */
  conversation: { id: string; memberIds: string[]; metadata: Metadata };
  now: number;
}

export interface ContactOutcome {
  contact: Contact;
  conversation: Conversation;
  /** Whether the contact and its conversation were created by this call. */
  created: boolean;
}

/** External contacts and their identities on channel accounts. */
export interface ContactsRepository {
  /**
   * Finds the contact with this identity, or creates it (a user row, the identity, and a group
   * conversation with the app users and the contact) in one transaction; concurrent calls for
   * the same identity create one contact. Records `inboundAt` and refreshes the names.
   */
  ensure(input: ContactInput): Promise<ContactOutcome>;
  get(id: string): Promise<Contact | null>;
  /** The contact with this identity on the channel account, if there is one (nothing is created). */
  find(channelId: string, externalId: string): Promise<Contact | null>;
  /** Contacts by creation, newest first, after the contact `after` when given. */
  list(page: { limit: number; after: string | null }): Promise<Contact[]>;
  /** The conversation the contact's messages land in; false unless the contact is a member of it. */
  setConversation(contactId: string, conversationId: string): Promise<boolean>;
  /** The channel messages to the contact go out on; false when the contact has no such identity. */
  setPreferredChannel(contactId: string, channelId: string | null): Promise<boolean>;
  /**
   * The platform moved a chat to a new id (a Telegram group upgraded to a supergroup): the
   * identity `from` on the channel account becomes `to`, with its contact and conversation.
   * False when there is no such identity, or `to` is already someone's.
   */
  moveIdentity(channelId: string, from: string, to: string): Promise<boolean>;
}
