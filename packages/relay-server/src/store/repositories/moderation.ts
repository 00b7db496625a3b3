/** Who decided what becomes of a message: the content rules, the app's hook, or the fallback when the hook did not answer. */
export type DecisionSource = 'rules' | 'hook' | 'fallback';

/** What a message is decided to be: stored as sent, refused with a reason the sender sees, or stored with the text the hook gave. */
export type DecisionAction = 'allow' | 'reject' | 'replace';

/** The decision on one message id, made once and given again to every retry of that id. */
export interface ModerationDecision {
  messageId: string;
  conversationId: string;
  senderId: string | null;
  /** Where the message came from: an app (REST or WebSocket send) or a contact's channel. */
  origin: 'app' | 'channel';
  action: DecisionAction;
  /** Why it was rejected (what the sender is told); null otherwise. */
  reason: string | null;
  /** The text the hook gave (`replace`); null otherwise. */
  text: string | null;
  source: DecisionSource;
  /** The message as it arrived, kept for audit when it is rejected; null otherwise. */
  message: Record<string, unknown> | null;
  decidedAt: number;
  /**
   * A hash of what was judged (the message's text, content, file, reply, thread, mentions and
   * metadata as the sender sent them), so a retry is held to the message decided on; null for
   * decisions recorded before it was kept.
   */
  digest: string | null;
}

/** A claim on deciding a message id, so one caller (on any node) asks the hook, and the others wait for its decision. */
export interface DecisionClaim {
  messageId: string;
  conversationId: string;
  senderId: string | null;
  /** The caller's own id: while its lease lasts, others wait for its decision rather than ask too. */
  owner: string;
  now: number;
  leaseMs: number;
}

export type ClaimOutcome =
  /** The caller decides: no one had, or the one who claimed it let its lease run out. */
  | { kind: 'claimed' }
  | { kind: 'decided'; decision: ModerationDecision }
  /** Someone else is deciding; ask again (their lease ends at `leaseUntil`). */
  | { kind: 'pending'; leaseUntil: number };

/**
 * The decisions of the content rules and the before-send hook, one per message id. A decision,
 * once recorded, is never changed: a retried id gets it again; rejected messages are kept as
 * the audit of what was refused.
 */
export interface ModerationRepository {
  /** Claims the deciding of a message id, or tells who holds it or what was decided. */
  claim(claim: DecisionClaim): Promise<ClaimOutcome>;
  /**
   * Records a decision where none is recorded yet, claimed or not, and whoever holds the claim:
   * a caller whose lease ran out and the one that took it over can both get to decide, and the
   * first decision written is the one both (and every retry) are given. Answers the decision
   * that holds, which is another's when someone decided first.
   */
  decide(decision: ModerationDecision): Promise<ModerationDecision>;
  get(messageId: string): Promise<ModerationDecision | null>;
  /**
   * A conversation's rejected messages, newest first (by decision time, then message id), after
   * the page that ended at (`before`, `beforeId`) when given.
   */
  listRejected(conversationId: string, page: { before?: number; beforeId?: string; limit: number }): Promise<ModerationDecision[]>;
  /** Forgets the decisions to let messages through made before `before` (the messages are stored, which answers a retry); rejections stay. */
  purge(before: number): Promise<number>;
}
