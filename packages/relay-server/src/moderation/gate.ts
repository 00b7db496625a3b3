import { RelayError } from '../errors.js';
import type { AppendInput } from '../store/types.js';
import type { Draft } from './before-send.js';
import { type EditVerdict, rejectedError, type Verdict } from './service.js';

/** What the message path asks of moderation (the `ModerationService`). */
export interface MessageModeration {
  readonly active: boolean;
  review(draft: Draft, origin: 'app' | 'channel'): Promise<Verdict>;
  checkEdit(text: string): EditVerdict;
}

/** An edit's new text as the content rules let it be stored, or MESSAGE_REJECTED. */
export function moderateEdit(moderation: MessageModeration | undefined, text: string): string {
  if (!moderation?.active) return text;
  const verdict = moderation.checkEdit(text);
  if (verdict.action === 'reject') throw rejectedError(verdict.reason);
  return verdict.text;
}

/**
 * A new message as moderation lets it be committed (its text masked or replaced), or
 * MESSAGE_REJECTED with the reason the sender is told.
 */
export async function moderate(
  moderation: MessageModeration | undefined,
  origin: 'app' | 'channel',
  input: AppendInput,
): Promise<AppendInput> {
  // What the server API sends as the system (no sender) is the app's own word: not checked.
  if (!moderation?.active || input.senderId === null) return input;
  const verdict = await moderation.review(
    {
      id: input.id,
      conversationId: input.conversationId,
      senderId: input.senderId,
      kind: input.kind,
      text: input.text,
      content: input.content,
      attachment: input.attachment,
      metadata: input.metadata,
      replyTo: input.replyTo,
      threadId: input.threadId ?? null,
      mentions: [...(input.mentions ?? [])],
      mentionsAll: input.mentionsAll ?? false,
    },
    origin,
  );
  if (verdict.action === 'reject') throw rejectedError(verdict.reason);
  const { text, content, attachment } = verdict;
  return text === input.text && content === input.content && attachment === input.attachment
    ? input
    : { ...input, text, content, attachment };
}

/** A rejection becomes null; any other failure stays one. */
export function rejectedOnly(error: unknown): null {
  if (error instanceof RelayError && error.code === 'MESSAGE_REJECTED') return null;
  throw error;
}
