import { beforeEach, describe, expect, it } from 'vitest';
import type { ContactOutcome, Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** Contacts and their channel identities: what every adapter's `store.contacts` must do. */
export function contactsContract(fixture: StoreFixture): void {
  describe('contacts', () => {
    const { now, contactInput } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });

    it('creates a contact once per channel identity, with its conversation, even when asked concurrently', async () => {
      const outcomes = await Promise.all(
        [contactInput('5511999990000'), contactInput('5511999990000')].map((i) => store.contacts.ensure(i)),
      );
      expect(outcomes.filter((o) => o.created)).toHaveLength(1);
      const [first, second] = outcomes as [ContactOutcome, ContactOutcome];
      expect(second.contact.id).toBe(first.contact.id);
      expect(second.conversation.id).toBe(first.conversation.id);
      const { contact, conversation } = first;
      expect(contact).toMatchObject({
        displayName: 'Maria',
        conversationId: conversation.id,
        preferredChannelId: null,
        identities: [
          {
            channelId: 'wa-main',
            channel: 'whatsapp',
            externalId: '5511999990000',
            displayName: 'Maria',
            lastInboundAt: new Date(now).toISOString(),
          },
        ],
      });
      expect(conversation).toMatchObject({ type: 'group', title: 'Maria', metadata: { channel: 'whatsapp' } });
      expect((await store.conversations.listMembers(conversation.id)).map((m) => [m.userId, m.role])).toEqual([
        ['ana', 'owner'],
        ['bob', 'member'],
        [contact.id, 'member'],
      ]);
      // Later messages refresh the name and the last inbound time, and keep the contact.
      const again = await store.contacts.ensure(contactInput('5511999990000', { displayName: 'Maria S.', inboundAt: now + 5 }));
      expect(again).toMatchObject({ created: false, contact: { id: contact.id, identities: [{ displayName: 'Maria S.' }] } });
      expect(again.contact.identities[0]?.lastInboundAt).toBe(new Date(now + 5).toISOString());
      expect(await store.contacts.get(contact.id)).toEqual(again.contact);
      expect(await store.contacts.get('contact:nobody')).toBeNull();
      expect(await store.contacts.setPreferredChannel(contact.id, 'wa-main')).toBe(true);
      expect(await store.contacts.setPreferredChannel(contact.id, 'tg-other')).toBe(false);
      expect((await store.contacts.get(contact.id))?.preferredChannelId).toBe('wa-main');
      const other = await store.contacts.ensure(contactInput('5511888880000', { now: now + 10 }));
      expect((await store.contacts.list({ limit: 10, after: null })).map((c) => c.id)).toEqual([other.contact.id, contact.id]);
      expect((await store.contacts.list({ limit: 10, after: other.contact.id })).map((c) => c.id)).toEqual([contact.id]);
    });

    it('moves an identity to the platform’s new id, unless that id is already someone’s', async () => {
      const first = await store.contacts.ensure(contactInput('-4001'));
      await store.contacts.ensure(contactInput('-5001'));
      expect(await store.contacts.moveIdentity('wa-main', '-4001', '-5001')).toBe(false);
      expect(await store.contacts.moveIdentity('wa-main', '-4001', '-1004001')).toBe(true);
      expect(await store.contacts.moveIdentity('wa-main', '-4001', '-1004002')).toBe(false);
      const contact = await store.contacts.get(first.contact.id);
      expect(contact?.identities.map((i) => i.externalId)).toEqual(['-1004001']);
      expect((await store.contacts.find('wa-main', '-1004001'))?.id).toBe(first.contact.id);
      expect(await store.contacts.find('wa-main', '-4001')).toBeNull();
      const again = await store.contacts.ensure(contactInput('-1004001'));
      expect(again).toMatchObject({ created: false, contact: { id: first.contact.id } });
    });

    it('moves a contact’s messages to a conversation it is a member of, and only then', async () => {
      const maria = await store.contacts.ensure(contactInput('5511900000001'));
      const lia = await store.contacts.ensure(contactInput('5511900000002'));
      const target = maria.conversation.id;
      expect(await store.contacts.setConversation(lia.contact.id, target)).toBe(false);
      await store.conversations.addMembers(target, [lia.contact.id], 'member', now);
      expect(await store.contacts.setConversation(lia.contact.id, target)).toBe(true);
      expect((await store.contacts.get(lia.contact.id))?.conversationId).toBe(target);
      expect(await store.contacts.setConversation('contact:nobody', target)).toBe(false);
    });
  });
}
