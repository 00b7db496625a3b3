import type { SendResult } from '@chat4all/connectors';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { Logger } from 'pino';
import type { MessageChange } from '../messages/service.js';
import type { RelayMetrics } from '../observability/metrics.js';
import { BackgroundWork } from '../shared/background.js';
import type { Store } from '../store/types.js';
import type { Channel, Channels } from './channels.js';

/** Attempts of one change on one channel before it is given up, and the first wait between them. */
const CHANGE_ATTEMPTS = 4;
const CHANGE_FIRST_DELAY_MS = 500;

/**
 * The platform's id, on `channelId`, of a message of the conversation: the contact's own (it
 * came in on that channel account), or the one a delivery to the contact was given there.
 */
export async function platformIdOf(
  store: Pick<Store, 'messages' | 'deliveries'>,
  target: { conversationId: string; messageId: string; contactId: string; channelId: string | null },
): Promise<string | null> {
  const message = await store.messages.get(target.conversationId, target.messageId);
  const origin = message?.metadata.channel as { id?: string; externalId?: string } | undefined;
  if (origin?.id === target.channelId && origin?.externalId) return origin.externalId;
  const sent = (await store.deliveries.listForMessage(target.messageId)).find(
    (d) => d.contactId === target.contactId && d.channelId === target.channelId,
  );
  return sent?.externalId ?? null;
}

/**
 * App users' reactions, edits and deletes passed to the contacts' channels that take them:
 * a reaction sets the business's reaction on the platform's message (the reacting user's, or
 * if they took theirs back another app user's, or none), an edit or delete changes every part
 * of a message sent there. Retried on the platform's retryable errors, then given up and
 * counted; changes that come from the platform itself are not sent back to it.
 */
export class ChannelChanges {
  readonly #work: BackgroundWork;
  readonly #retry = retry(
    handleWhen((error) => error instanceof RetryableChange),
    { maxAttempts: CHANGE_ATTEMPTS - 1, backoff: new ExponentialBackoff({ initialDelay: CHANGE_FIRST_DELAY_MS, maxDelay: 10_000 }) },
  );

  constructor(
    private readonly deps: {
      store: Pick<Store, 'contacts' | 'conversations' | 'messages' | 'deliveries'>;
      channels: Channels;
      metrics: RelayMetrics;
      log: Logger;
    },
  ) {
    this.#work = new BackgroundWork((err) => deps.log.warn({ err }, 'passing a change to a channel failed'));
  }

  pass(change: MessageChange): void {
    const { message, userId } = change;
    if (this.deps.channels.size === 0) return;
    if (change.kind === 'reaction' ? userId?.startsWith('contact:') : message.senderId?.startsWith('contact:')) return;
    this.#work.run(this.#each(change));
  }

  settled(): Promise<void> {
    return this.#work.settled();
  }

  async #each(change: MessageChange): Promise<void> {
    const { store, channels } = this.deps;
    const { conversationId, id: messageId } = change.message;
    for (const member of await store.conversations.listMembers(conversationId)) {
      if (!member.userId.startsWith('contact:')) continue;
      const contact = await store.contacts.get(member.userId);
      const route = contact ? channels.routeFor(contact) : null;
      if (!route) continue;
      const { channel } = route;
      const recipientId = route.identity.externalId;
      const call = await this.#call(change, channel, recipientId, member.userId);
      if (!call) continue;
      const outcome = await this.#retry
        .execute(async () => {
          const result = await call();
          if (!result.ok && (result.error.retry === 'backoff' || result.error.retry === 'after')) throw new RetryableChange(result);
          return result;
        })
        .catch((error: unknown) => {
          if (error instanceof RetryableChange) return error.result;
          throw error;
        });
      this.deps.metrics.channelChanges.inc({ channel: channel.id, kind: change.kind, outcome: outcome.ok ? 'sent' : 'failed' });
      if (!outcome.ok)
        this.deps.log.info(
          { channelId: channel.id, messageId, kind: change.kind, code: outcome.error.code, platformCode: outcome.error.platformCode },
          'the platform did not take a change',
        );
    }
  }

  /** The connector call that passes the change to one contact, or null when there is nothing to pass there. */
  async #call(
    change: MessageChange,
    channel: Channel,
    recipientId: string,
    contactId: string,
  ): Promise<(() => Promise<SendResult>) | null> {
    const { connector } = channel;
    const { message } = change;
    if (change.kind === 'reaction') {
      if (!connector.react) return null;
      const target = { conversationId: message.conversationId, messageId: message.id, contactId, channelId: channel.id };
      const externalId = await platformIdOf(this.deps.store, target);
      if (!externalId) return null;
      // The account has one reaction there: the reacting user's latest, else another app user's, else none.
      const ours = message.reactions.filter((r) => r.userIds.some((id) => !id.startsWith('contact:')));
      const key = ours.findLast((r) => r.userIds.includes(change.userId ?? ''))?.key ?? ours.at(-1)?.key ?? null;
      return () => (connector.react as NonNullable<typeof connector.react>)(recipientId, externalId, key);
    }
    const delivery = (await this.deps.store.deliveries.listForMessage(message.id)).find(
      (d) => d.contactId === contactId && d.channelId === channel.id,
    );
    // Not sent yet: the dispatcher sends the message as it then is (a deleted one not at all).
    if (!delivery?.externalId) return null;
    const parts = delivery.parts.length > 0 ? delivery.parts : [delivery.externalId];
    if (change.kind === 'delete') {
      if (!connector.delete) return null;
      return () => (connector.delete as NonNullable<typeof connector.delete>)(recipientId, parts);
    }
    if (!connector.edit) return null;
    return () =>
      (connector.edit as NonNullable<typeof connector.edit>)(recipientId, { parts, file: message.attachment !== null }, message.text);
  }
}

class RetryableChange extends Error {
  constructor(readonly result: SendResult) {
    super('retryable channel change failure');
  }
}
