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
 * FCM (the `data` map, keys and values) and APNs (the JSON body) take at most 4096 bytes
 * (https://firebase.google.com/docs/cloud-messaging/concept-options#notifications_and_data_messages,
 * https://developer.apple.com/documentation/usernotifications/generating-a-remote-notification).
 */
export const MAX_PAYLOAD_BYTES = 4096;

/**
 * `render(payload)` with the message's text cut, at a character boundary and ending in `…`,
 * as little as needed for `bytes` of the result to stay within `MAX_PAYLOAD_BYTES`. It measures
 * what is sent, so JSON escaping (a quote or a backslash takes two bytes, a control character
 * six) and every other field count; the app has the whole message on its next sync.
 */
export function fitted<T>(payload: PushData, render: (payload: PushData) => T, bytes: (rendered: T) => number): T {
  const whole = render(payload);
  if (payload.type !== 'message' || payload.text === undefined || bytes(whole) <= MAX_PAYLOAD_BYTES) return whole;
  const chars = [...payload.text];
  const cut = (count: number) => render({ ...payload, text: `${chars.slice(0, count).join('')}…` });
  // The largest prefix that fits: a longer prefix never takes fewer bytes.
  let [fits, over] = [0, chars.length];
  while (over - fits > 1) {
    const middle = Math.floor((fits + over) / 2);
    if (bytes(cut(middle)) <= MAX_PAYLOAD_BYTES) fits = middle;
    else over = middle;
  }
  return cut(fits);
}
