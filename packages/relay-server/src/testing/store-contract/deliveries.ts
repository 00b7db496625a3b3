import { beforeEach, describe, expect, it } from 'vitest';
import { applyDeliveryPatch } from '../../channels/delivery-change.js';
import { appendPlan } from '../../messages/append-plan.js';
import type { DeliveryRecord, Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** Deliveries, early statuses, dead letters and channel holds: what every adapter's `store.deliveries` must do. */
export function deliveriesContract(fixture: StoreFixture): void {
  describe('deliveries', () => {
    const { now, input, contactInput } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });

    it('records a delivery per contact with each new message, and moves it with logged events', async () => {
      const { contact, conversation } = await store.contacts.ensure(contactInput('5511999990000'));
      const [toContact, fromContact, system] = await store.messages.append(
        [
          input({ conversationId: conversation.id }),
          input({ conversationId: conversation.id, senderId: contact.id }),
          input({ conversationId: conversation.id, senderId: null, kind: 'system' }),
        ],
        appendPlan,
      );
      expect(toContact).toMatchObject({ ok: true, created: true, dispatch: true });
      expect(fromContact).toMatchObject({ ok: true, created: true });
      expect(fromContact?.ok && fromContact.dispatch).toBeFalsy();
      expect(system?.ok && system.dispatch).toBeFalsy();
      const messageId = toContact?.ok ? toContact.message.id : '';
      const retried = await store.messages.append([input({ id: messageId, conversationId: conversation.id })], appendPlan);
      expect(retried[0]?.ok && retried[0].dispatch).toBeFalsy();

      const [delivery] = await store.deliveries.listForMessage(messageId);
      expect(delivery).toMatchObject({ messageId, contactId: contact.id, status: 'pending', attempts: 0, nextAttemptAt: now, dead: false });
      // Due now: one caller leases it, the next finds nothing until the lease runs out.
      const [claimed, none] = await Promise.all([store.deliveries.claimDue(now, 1000, 10), store.deliveries.claimDue(now, 1000, 10)]);
      expect([...(claimed ?? []), ...(none ?? [])].map((d) => d.id)).toEqual([delivery?.id]);
      expect(await store.deliveries.claimDue(now + 999, 1000, 10)).toEqual([]);
      expect((await store.deliveries.claimDue(now + 1000, 1000, 10)).map((d) => d.id)).toEqual([delivery?.id]);

      const id = delivery?.id as string;
      const before = await store.conversations.get(conversation.id);
      const sent = await store.deliveries.update(
        { id },
        () => ({
          status: 'sent',
          channelId: 'wa-main',
          channel: 'whatsapp',
          recipientId: '5511999990000',
          externalId: 'wamid.1',
          attempts: 1,
          nextAttemptAt: null,
          history: { status: 'sent', at: now + 1 },
        }),
        applyDeliveryPatch,
        now + 1,
      );
      expect(sent?.eventSeq).toBe((before?.lastEventSeq ?? 0) + 1);
      expect(sent?.delivery).toMatchObject({ status: 'sent', externalId: 'wamid.1', history: [{ status: 'sent', at: now + 1 }] });
      expect(await store.deliveries.get({ channelId: 'wa-main', externalId: 'wamid.1' })).toEqual(sent?.delivery);
      expect(await store.conversations.listEvents(conversation.id, before?.lastEventSeq ?? 0, 10)).toEqual([
        { eventSeq: sent?.eventSeq, type: 'delivery.updated', messageId, userId: contact.id },
      ]);
      // A lease change alone is not an event; declining changes nothing.
      expect(
        (await store.deliveries.update({ id }, () => ({ nextAttemptAt: now + 50 }), applyDeliveryPatch, now + 2))?.eventSeq,
      ).toBeNull();
      expect(await store.deliveries.update({ id }, () => null, applyDeliveryPatch, now + 3)).toBeNull();
      expect(await store.deliveries.update({ id: 'missing' }, () => ({ status: 'read' }), applyDeliveryPatch, now + 3)).toBeNull();
      expect(await store.deliveries.get({ channelId: 'wa-main', externalId: 'wamid.none' })).toBeNull();
      expect((await store.deliveries.listTo('wa-main', '5511999990000', now, 'read', 10)).map((d) => d.id)).toEqual([id]);
      expect((await store.deliveries.listTo('wa-main', '5511999990000', now, 'delivered', 10)).map((d) => d.id)).toEqual([id]);
      expect(await store.deliveries.listTo('wa-main', '5511999990000', now - 1, 'read', 10)).toEqual([]);
      expect(await store.deliveries.listTo('wa-main', 'someone-else', now, 'read', 10)).toEqual([]);
      await store.deliveries.update({ id }, () => ({ status: 'delivered' }), applyDeliveryPatch, now + 4);
      expect(await store.deliveries.listTo('wa-main', '5511999990000', now, 'delivered', 10)).toEqual([]);
      expect(await store.deliveries.listTo('wa-main', '5511999990000', now, 'read', 10)).toHaveLength(1);
    });

    it('makes only the first pending delivery to a contact in a conversation due, so they go out in order', async () => {
      const { conversation } = await store.contacts.ensure(contactInput('5511999990000'));
      const sends = await store.messages.append(
        [1, 2].map((n) => input({ conversationId: conversation.id, now: now + n })),
        appendPlan,
      );
      const [first, second] = await Promise.all(
        sends.map(async (o) => (await store.deliveries.listForMessage(o.ok ? o.message.id : ''))[0] as DeliveryRecord),
      );
      expect([first?.seq, second?.seq]).toEqual([1, 2]);
      expect((await store.deliveries.claimDue(now + 10, 1000, 10)).map((d) => d.id)).toEqual([first?.id]);
      // Waiting for a retry still holds the next one back; once the first is sent, the next is due.
      expect(await store.deliveries.claimDue(now + 5000, 1000, 10)).toHaveLength(1);
      await store.deliveries.update(
        { id: first?.id as string },
        () => ({ status: 'sent', nextAttemptAt: null }),
        applyDeliveryPatch,
        now + 6000,
      );
      expect((await store.deliveries.claimDue(now + 6000, 1000, 10)).map((d) => d.id)).toEqual([second?.id]);
    });

    it('lists the deliveries of several messages of one conversation at once, never another conversation’s', async () => {
      const { conversation } = await store.contacts.ensure(contactInput('5511999990000'));
      const other = await store.contacts.ensure(contactInput('5511999990001'));
      const sends = await store.messages.append(
        [1, 2].map((n) => input({ conversationId: conversation.id, now: now + n })),
        appendPlan,
      );
      const [elsewhere] = await store.messages.append([input({ conversationId: other.conversation.id })], appendPlan);
      const ids = sends.map((o) => (o.ok ? o.message.id : ''));
      const found = await store.deliveries.listForMessages(conversation.id, [...ids, elsewhere?.ok ? elsewhere.message.id : '']);
      expect(found.map((d) => d.messageId).sort()).toEqual([...ids].sort());
      expect(await store.deliveries.listForMessages(other.conversation.id, ids)).toEqual([]);
    });

    it('keeps statuses that came before their send was recorded, hands them out once, forgets old ones', async () => {
      await store.deliveries.keepEarlyStatus(
        { channelId: 'wa-main', externalId: 'wamid.9', status: 'read', at: now + 2, error: null },
        now - 1000,
      );
      await store.deliveries.keepEarlyStatus(
        { channelId: 'wa-main', externalId: 'wamid.9', status: 'delivered', at: now + 1, error: null },
        now - 1000,
      );
      await store.deliveries.keepEarlyStatus(
        { channelId: 'wa-main', externalId: 'wamid.old', status: 'delivered', at: now - 5000, error: null },
        now - 1000,
      );
      const failed = { code: 'UNAVAILABLE', platformCode: '131000', message: 'x' };
      await store.deliveries.keepEarlyStatus(
        { channelId: 'wa-main', externalId: 'wamid.8', status: 'failed', at: now, error: failed },
        now - 1000,
      );
      expect(await store.deliveries.takeEarlyStatuses('wa-main', 'wamid.9')).toEqual([
        { status: 'delivered', at: now + 1, error: null },
        { status: 'read', at: now + 2, error: null },
      ]);
      expect(await store.deliveries.takeEarlyStatuses('wa-main', 'wamid.9')).toEqual([]);
      expect(await store.deliveries.takeEarlyStatuses('wa-main', 'wamid.8')).toEqual([{ status: 'failed', at: now, error: failed }]);
      // Kept before `forgetBefore` of a later keep: forgotten.
      await store.deliveries.keepEarlyStatus(
        { channelId: 'wa-main', externalId: 'wamid.7', status: 'sent', at: now, error: null },
        now - 1000,
      );
      expect(await store.deliveries.takeEarlyStatuses('wa-main', 'wamid.old')).toEqual([]);
    });

    it('keeps dead letters apart, listed oldest first and counted', async () => {
      const { conversation } = await store.contacts.ensure(contactInput('5511999990000'));
      const sends = await store.messages.append(
        [1, 2, 3].map((n) => input({ conversationId: conversation.id, now: now + n })),
        appendPlan,
      );
      const ids: string[] = [];
      for (const outcome of sends) {
        const [delivery] = await store.deliveries.listForMessage(outcome.ok ? outcome.message.id : '');
        ids.push(delivery?.id as string);
      }
      for (const id of [ids[2], ids[0]] as string[])
        await store.deliveries.update(
          { id },
          () => ({ channelId: 'wa-main', status: 'failed', dead: true, nextAttemptAt: null }),
          applyDeliveryPatch,
          now + 5,
        );
      expect(await store.deliveries.countDeadLetters()).toBe(2);
      expect((await store.deliveries.listDeadLetters({ limit: 10, after: null })).map((d) => d.id)).toEqual([ids[0], ids[2]]);
      expect((await store.deliveries.listDeadLetters({ limit: 10, after: ids[0] as string })).map((d) => d.id)).toEqual([ids[2]]);
      expect(await store.deliveries.listDeadLetters({ limit: 10, after: null, channelId: 'tg' })).toEqual([]);
      expect(await store.deliveries.claimDue(now + 10, 1000, 10)).toHaveLength(1);
    });

    it('holds a channel account once, and on resume makes its waiting deliveries due; keeps a delivery’s parts', async () => {
      const { conversation } = await store.contacts.ensure(contactInput('5511999990001'));
      const [sent] = await store.messages.append([input({ conversationId: conversation.id, now })], appendPlan);
      const [delivery] = await store.deliveries.listForMessage(sent?.ok ? sent.message.id : '');
      const id = delivery?.id as string;
      await store.deliveries.update(
        { id },
        () => ({ channelId: 'wa-main', nextAttemptAt: now + 3_600_000, parts: ['wamid.1'], history: { status: 'held', at: now } }),
        applyDeliveryPatch,
        now,
      );
      expect((await store.deliveries.get({ id }))?.parts).toEqual(['wamid.1']);
      const hold = { channelId: 'wa-main', code: 'UNAUTHORIZED', platformCode: '190', message: 'Session has expired', since: now };
      expect(await store.deliveries.setHold('wa-main', hold, now)).toBe(true);
      expect(await store.deliveries.setHold('wa-main', { ...hold, since: now + 1 }, now + 1)).toBe(false);
      expect(await store.deliveries.listHolds()).toEqual([hold]);
      expect(await store.deliveries.claimDue(now + 10, 1000, 10)).toEqual([]);
      expect(await store.deliveries.setHold('wa-main', null, now + 20)).toBe(true);
      expect(await store.deliveries.listHolds()).toEqual([]);
      expect((await store.deliveries.claimDue(now + 20, 1000, 10)).map((d) => d.id)).toEqual([id]);
      expect(await store.deliveries.setHold('wa-main', null, now + 30)).toBe(false);
    });

    it('finds a delivery by any of its parts’ ids, keeping a status per part', async () => {
      const { conversation } = await store.contacts.ensure(contactInput('5511999990002'));
      const [sent] = await store.messages.append([input({ conversationId: conversation.id, now })], appendPlan);
      const [delivery] = await store.deliveries.listForMessage(sent?.ok ? sent.message.id : '');
      const id = delivery?.id as string;
      await store.deliveries.update({ id }, () => ({ channelId: 'wa-main', parts: ['wamid.p1'] }), applyDeliveryPatch, now);
      expect(await store.deliveries.get({ channelId: 'wa-main', externalId: 'wamid.p1' })).toBeNull();
      const updated = await store.deliveries.update(
        { id },
        () => ({ status: 'sent', externalId: 'wamid.p1', parts: ['wamid.p1', 'wamid.p2', 'wamid.p3'] }),
        applyDeliveryPatch,
        now + 1,
      );
      expect(updated?.delivery).toMatchObject({ parts: ['wamid.p1', 'wamid.p2', 'wamid.p3'], partStatuses: ['sent', 'sent', 'sent'] });
      expect((await store.deliveries.get({ channelId: 'wa-main', externalId: 'wamid.p2' }))?.id).toBe(id);
      expect((await store.deliveries.get({ channelId: 'wa-main', externalId: 'wamid.p3' }))?.id).toBe(id);
      expect(await store.deliveries.get({ channelId: 'other', externalId: 'wamid.p2' })).toBeNull();
      const read = await store.deliveries.update(
        { channelId: 'wa-main', externalId: 'wamid.p3' },
        () => ({ partStatuses: ['sent', 'sent', 'read'] }),
        applyDeliveryPatch,
        now + 2,
      );
      expect(read).toMatchObject({ delivery: { status: 'sent', partStatuses: ['sent', 'sent', 'read'] }, eventSeq: expect.any(Number) });
    });
  });
}
