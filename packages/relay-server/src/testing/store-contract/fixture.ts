import { randomUUID } from 'node:crypto';
import type { Conversation } from '@chat4all/protocol';
import { afterEach, beforeEach } from 'vitest';
import type { AppendInput, ContactInput, Store } from '../../store/types.js';

/** Creates a fresh, empty store (migrations not yet run) for each test. */
export type StoreFactory = () => Store | Promise<Store>;

/** The store each test gets, migrated, with the users ana, bob and cid; and the inputs the tests build on. */
export interface StoreFixture {
  /** The current test's store: read it in a test or a `beforeEach`, never when tests are declared. */
  readonly store: Store;
  readonly now: number;
  /** A text message from ana, with a fresh id. */
  input(over: Partial<AppendInput> & { conversationId: string }): AppendInput;
  /** A new group owned by ana with `memberIds`. */
  group(memberIds?: string[]): Promise<Conversation>;
  /** Maria writing in on WhatsApp; a new contact lands in a conversation with ana and bob. */
  contactInput(externalId: string, over?: Partial<ContactInput>): ContactInput;
}

/** Opens a store before each test of the enclosing `describe` and closes it after. */
export function storeFixture(makeStore: StoreFactory): StoreFixture {
  let current: Store | undefined;
  const now = 1_700_000_000_000;
  const whatsapp = { id: 'wa-main', type: 'whatsapp' } as const;

  beforeEach(async () => {
    const store = await makeStore();
    current = store;
    await store.migrate();
    for (const id of ['ana', 'bob', 'cid']) await store.users.upsert({ id, displayName: id.toUpperCase() }, now);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  const open = (): Store => {
    if (!current) throw new Error('the store is open only while a test runs');
    return current;
  };

  return {
    get store() {
      return open();
    },
    now,
    input: (over) => ({
      id: randomUUID(),
      senderId: 'ana',
      kind: 'text',
      text: 'hello',
      metadata: {},
      attachment: null,
      content: null,
      replyTo: null,
      now,
      ...over,
    }),
    group: (memberIds = ['bob']) =>
      open().conversations.createGroup({ id: randomUUID(), title: 'g', avatarUrl: null, metadata: {}, ownerId: 'ana', memberIds, now }),
    contactInput: (externalId, over = {}) => ({
      channel: whatsapp,
      externalId,
      displayName: 'Maria',
      username: null,
      inboundAt: now,
      newContactId: `contact:${randomUUID()}`,
      conversation: { id: randomUUID(), memberIds: ['ana', 'bob'], metadata: { channel: 'whatsapp' } },
      now,
      ...over,
    }),
  };
}
