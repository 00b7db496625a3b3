import { createHash, randomUUID } from 'node:crypto';
import type { Attachment, MessageContent } from '@chat4all/protocol';
import type { Logger } from 'pino';
import type { RelayConfig } from '../config.js';
import { RelayError } from '../errors.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { ModerationDecision, Store } from '../store/types.js';
import { callBeforeSend, type Draft } from './before-send.js';
import { ContentRules } from './content-rules.js';

export type { Draft } from './before-send.js';

/**
 * What becomes of a new message: stored with `text` (the sender's, masked or replaced) and its
 * `content` and `attachment` (masked where the rules matched), or refused with a reason.
 */
export type Verdict =
  | { action: 'allow'; text: string; content: MessageContent | null; attachment: Attachment | null }
  | { action: 'reject'; reason: string };

/** What becomes of an edit's new text. */
export type EditVerdict = { action: 'allow'; text: string } | { action: 'reject'; reason: string };

/** How often a caller waiting for another's decision looks at the store again. */
const WAIT_STEP_MS = 20;
/** How long decisions that let a message through are kept: retries later than this find the message itself stored. */
const KEEP_ALLOWED_MS = 24 * 3600_000;

/**
 * Content rules and the app's before-send hook, between a send's validation and its commit.
 * The rules are pure and run first. The hook is asked once per message id: the caller that
 * claims the id in the store asks it (a lease covers a caller that dies), and every retry of
 * the id, on any node, gets the decision recorded, whether the hook's or the fallback's.
 * Rejected messages are recorded with what they were, the audit the server API lists.
 */
export class ModerationService {
  readonly #rules: ContentRules;
  #purgedAt = 0;

  constructor(
    private readonly deps: {
      store: Pick<Store, 'moderation' | 'messages'>;
      config: RelayConfig['moderation'];
      textMaxLength: number;
      metrics: Pick<
        RelayMetrics,
        'moderationDecisions' | 'moderationEditDecisions' | 'beforeSendCalls' | 'beforeSendFallbacks' | 'beforeSendSeconds'
      >;
      log: Logger;
      fetch?: typeof fetch;
    },
  ) {
    this.#rules = new ContentRules(deps.config);
  }

  /** Whether anything is checked at all: with no rules and no hook a message costs nothing here. */
  get active(): boolean {
    return !this.#rules.empty || this.deps.config.beforeSend.url !== undefined;
  }

  /**
   * The verdict on a new message. A message already stored under its id is a retry and passes
   * as it is (the store answers it with the original).
   */
  async review(draft: Draft, origin: 'app' | 'channel'): Promise<Verdict> {
    if (!this.active) return passed(draft);
    const { metrics, store } = this.deps;
    // Before any rule: the rules may have changed since the message was stored, and the store answers a retry with the original.
    if (await store.messages.get(draft.conversationId, draft.id)) return passed(draft);
    const digest = digestOf(draft);
    const ruled = this.#rules.checkMessage(draft);
    if (ruled.action === 'reject') {
      // Kept for audit (once per id); the rules decide again on a retry, and decide the same.
      await this.#record(draft, origin, digest, { action: 'reject', reason: ruled.reason, text: null, source: 'rules' });
      metrics.moderationDecisions.inc({ action: 'reject', source: 'rules' });
      return { action: 'reject', reason: ruled.reason };
    }
    const checked = { ...draft, text: ruled.text, content: ruled.content, attachment: ruled.attachment };
    if (this.deps.config.beforeSend.url === undefined) {
      metrics.moderationDecisions.inc({ action: ruled.masked ? 'mask' : 'allow', source: 'rules' });
      return passed(checked);
    }
    return this.#hook(checked, origin, digest, ruled.masked);
  }

  /**
   * The rules applied to an edit's new text (the hook is asked about new messages only): the
   * text to store, masked where a mask rule matched, or a rejection.
   */
  checkEdit(text: string): EditVerdict {
    const ruled = this.#rules.check(text, null);
    this.deps.metrics.moderationEditDecisions.inc({ action: ruled.action === 'reject' ? 'reject' : ruled.masked ? 'mask' : 'allow' });
    if (ruled.action === 'reject') return ruled;
    return { action: 'allow', text: ruled.text };
  }

  /** A conversation's rejected messages, newest first: the audit, for the server API key. */
  rejected(conversationId: string, page: { before?: number; beforeId?: string; limit: number }): Promise<ModerationDecision[]> {
    return this.deps.store.moderation.listRejected(conversationId, page);
  }

  async #hook(draft: Draft, origin: 'app' | 'channel', digest: string, masked: boolean): Promise<Verdict> {
    const { store, config } = this.deps;
    const owner = randomUUID();
    const leaseMs = config.beforeSend.timeoutMs + 2000;
    for (;;) {
      const claim = await store.moderation.claim({
        messageId: draft.id,
        conversationId: draft.conversationId,
        senderId: draft.senderId,
        owner,
        now: Date.now(),
        leaseMs,
      });
      if (claim.kind === 'decided') return this.#verdict(claim.decision, draft, digest, masked, 'stored');
      if (claim.kind === 'pending') {
        // Another caller (a retry racing this one, on this node or another) is asking the hook.
        await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_STEP_MS, Math.max(1, claim.leaseUntil - Date.now()))));
        continue;
      }
      this.#purge();
      // Decisions to let through are forgotten after a day; the message they let through answers a retry then.
      if (await store.messages.get(draft.conversationId, draft.id)) {
        const held = await this.#record(draft, origin, digest, { action: 'allow', reason: null, text: null, source: 'hook' });
        return this.#verdict(held, draft, digest, masked, 'stored');
      }
      const decided = await this.#ask(draft, origin);
      return this.#verdict(await this.#record(draft, origin, digest, decided), draft, digest, masked, decided.source);
    }
  }

  /** Asks the hook, or takes the fallback when it gives no usable answer. */
  async #ask(draft: Draft, origin: 'app' | 'channel'): Promise<Pick<ModerationDecision, 'action' | 'reason' | 'text' | 'source'>> {
    const { config, metrics, log } = this.deps;
    const hook = config.beforeSend as typeof config.beforeSend & { url: string; secret: string };
    const started = performance.now();
    const called = await callBeforeSend(hook, draft, origin, this.deps.fetch);
    metrics.beforeSendSeconds.observe((performance.now() - started) / 1000);
    if (called.ok) {
      const { answer } = called;
      if (answer.action !== 'replace' || this.#replacementFits(answer.text, draft)) {
        metrics.beforeSendCalls.inc({ outcome: answer.action });
        if (answer.action === 'allow') return { action: 'allow', reason: null, text: null, source: 'hook' };
        if (answer.action === 'reject')
          return { action: 'reject', reason: answer.reason ?? 'The message was refused', text: null, source: 'hook' };
        return { action: 'replace', reason: null, text: answer.text, source: 'hook' };
      }
    }
    const reason = called.ok ? 'invalid' : called.reason;
    const message = called.ok ? 'the replacement text is empty or longer than limits.textMaxLength' : called.message;
    metrics.beforeSendCalls.inc({ outcome: 'fallback' });
    metrics.beforeSendFallbacks.inc({ reason });
    log.warn({ messageId: draft.id, reason, failure: message, fallback: hook.fallback }, 'before-send hook gave no answer; fallback used');
    return hook.fallback === 'allow'
      ? { action: 'allow', reason: null, text: null, source: 'fallback' }
      : { action: 'reject', reason: hook.fallbackReason, text: null, source: 'fallback' };
  }

  /** A replacement is held to what a send is: within the text limit, and not empty unless the message has a file or content. */
  #replacementFits(text: string, draft: Draft): boolean {
    if (text === '' && !draft.attachment && !draft.content) return false;
    return text.length <= this.deps.textMaxLength || [...text].length <= this.deps.textMaxLength;
  }

  async #record(
    draft: Draft,
    origin: 'app' | 'channel',
    digest: string,
    decided: Pick<ModerationDecision, 'action' | 'reason' | 'text' | 'source'>,
  ): Promise<ModerationDecision> {
    return this.deps.store.moderation.decide({
      messageId: draft.id,
      conversationId: draft.conversationId,
      senderId: draft.senderId,
      origin,
      ...decided,
      message: decided.action === 'reject' ? { ...draft } : null,
      decidedAt: Date.now(),
      digest,
    });
  }

  /**
   * The verdict a recorded decision gives this draft. An id decided for another sender or
   * conversation is someone else's, as the store would say of a stored message; so is one
   * decided on another body: a decision is about what was judged, and a retry that sends
   * something else (after making the first attempt fail, say) is not that message.
   */
  #verdict(
    decision: ModerationDecision,
    draft: Draft,
    digest: string,
    masked: boolean,
    source: 'rules' | 'hook' | 'fallback' | 'stored',
  ): Verdict {
    if (decision.conversationId !== draft.conversationId || decision.senderId !== draft.senderId)
      throw new RelayError('MESSAGE_ID_CONFLICT', 'The message id is already used by another message');
    if (decision.digest !== null && decision.digest !== digest)
      throw new RelayError('MESSAGE_ID_CONFLICT', 'The message id was already used for a message with another body; send it with a new id');
    // One count per message, of what became of it: a masked message the hook let through is `mask`.
    this.deps.metrics.moderationDecisions.inc({ action: decision.action === 'allow' && masked ? 'mask' : decision.action, source });
    if (decision.action === 'reject') return { action: 'reject', reason: decision.reason ?? 'The message was refused' };
    return { ...passed(draft), ...(decision.action === 'replace' ? { text: decision.text as string } : {}) };
  }

  /** Forgets old decisions to let through, at most once an hour per node, without holding up the send. */
  #purge(): void {
    if (Date.now() - this.#purgedAt < 3600_000) return;
    this.#purgedAt = Date.now();
    this.deps.store.moderation
      .purge(Date.now() - KEEP_ALLOWED_MS)
      .catch((err: unknown) => this.deps.log.error({ err }, 'forgetting old moderation decisions failed'));
  }
}

/** A draft let through as it stands. */
function passed(draft: Draft): Verdict {
  return { action: 'allow', text: draft.text, content: draft.content, attachment: draft.attachment };
}

/**
 * A hash of what moderation judges in a message, as the sender sent it (before any mask):
 * what a retry of the same message sends again. The file is taken by what identifies its
 * bytes, not by what the relay adds later (thumbnail, read size). Object keys are sorted, so
 * a client that orders them differently on a retry sends the same message.
 */
export function digestOf(draft: Draft): string {
  const { attachment } = draft;
  const judged = {
    kind: draft.kind,
    text: draft.text,
    content: draft.content,
    attachment: attachment && { uploadId: attachment.uploadId, name: attachment.name, type: attachment.type, sha256: attachment.sha256 },
    metadata: draft.metadata,
    replyTo: draft.replyTo,
    threadId: draft.threadId,
    mentions: [...draft.mentions].sort(),
    mentionsAll: draft.mentionsAll,
  };
  return createHash('sha256').update(sorted(judged)).digest('base64url');
}

/** JSON with every object's keys in order. */
function sorted(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sorted).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${sorted((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** The error a sender gets for a rejected message: the reason is the app's, shown as it is. */
export function rejectedError(reason: string): RelayError {
  return new RelayError('MESSAGE_REJECTED', reason, { details: { reason } });
}
