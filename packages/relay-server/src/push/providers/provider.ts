import type { DeviceKind, PushPayload, PushReadPayload } from '@chat4all/protocol';
import type { StoredDevice } from '../../store/types.js';

/**
 * What one attempt to reach a device came to: taken by the provider (`sent`); the device will
 * never get pushes again and is removed (`gone`); worth another attempt, after `afterMs` when
 * the provider said (`retry`); or refused for a reason another attempt would not change
 * (`refused`). A thrown error is a network failure, retried like `retry`.
 */
export type PushOutcome =
  | { kind: 'sent' }
  | { kind: 'gone'; detail?: string }
  | { kind: 'retry'; afterMs?: number; detail?: string }
  | { kind: 'refused'; detail?: string };

/** What a device is pushed: a new message, or the read that clears a conversation's. */
export type PushData = PushPayload | PushReadPayload;

/** One way to push: turns a device, a payload and the conversation's collapse key into one request to its push service. */
export interface PushProvider {
  readonly kind: DeviceKind;
  /** One attempt; `signal` aborts it when the relay closes. */
  send(device: StoredDevice, payload: PushData, collapseKey: string, signal: AbortSignal): Promise<PushOutcome>;
  /** Lets go of what it holds open (connections). */
  close?(): Promise<void>;
}

/** `Retry-After` (RFC 9110 §10.2.3), seconds or an HTTP date, in milliseconds from now. */
export function retryAfter(header: string | string[] | null | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/**
 * FCM and APNs take at most 4096 bytes of payload: a message's text is cut to this many UTF-8
 * bytes (at a character boundary), leaving room for the rest; the app has the whole message on its next sync.
 */
export const MAX_TEXT_BYTES = 2048;

export function clipText(payload: PushData): PushData {
  if (payload.type !== 'message' || payload.text === undefined || Buffer.byteLength(payload.text) <= MAX_TEXT_BYTES) return payload;
  let text = '';
  let bytes = 0;
  for (const char of payload.text) {
    bytes += Buffer.byteLength(char);
    if (bytes > MAX_TEXT_BYTES - 3) break;
    text += char;
  }
  return { ...payload, text: `${text}…` };
}
