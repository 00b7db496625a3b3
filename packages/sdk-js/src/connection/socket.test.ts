import type { ServerFrame } from '@chat4all/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Socket, type WebSocketLike } from './socket.js';

/** A stand-in for the platform WebSocket that the test opens, feeds and closes by hand. */
class ScriptedWebSocket implements WebSocketLike {
  static opened: ScriptedWebSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor(readonly url: string) {
    ScriptedWebSocket.opened.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code = 1000): void {
    this.drop(code);
  }
  welcome(tokenExpiresAt: string | null = null, heartbeatIntervalMs = 30_000): void {
    this.readyState = 1;
    const frame: ServerFrame = {
      type: 'welcome',
      protocolVersion: 1,
      userId: 'ana',
      connectionId: 'c',
      serverTime: new Date().toISOString(),
      heartbeatIntervalMs,
      awaitingResume: true,
      tokenExpiresAt,
    };
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code: number): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

describe('Socket state machine with fake timers', () => {
  let tokens: boolean[];
  let socket: Socket;
  const last = () => ScriptedWebSocket.opened[ScriptedWebSocket.opened.length - 1] as ScriptedWebSocket;
  const flush = () => vi.advanceTimersByTimeAsync(0);

  beforeEach(() => {
    vi.useFakeTimers();
    ScriptedWebSocket.opened = [];
    tokens = [];
    socket = new Socket({
      url: 'http://relay',
      WebSocket: () => ScriptedWebSocket,
      backoff: { baseMs: 1000, maxMs: 8000 },
      token: async (refresh) => {
        tokens.push(refresh);
        return 't';
      },
      onOpen: async () => {},
      onFrame: () => {},
    });
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
  });
  afterEach(() => {
    socket.close();
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('connects, loses the socket, waits its backoff, and reconnects with growing delays', async () => {
    socket.connect();
    await flush();
    expect(socket.state.getSnapshot()).toBe('connecting');
    expect(last().url).toBe('ws://relay/v1/ws?v=1&resume=1&access_token=t');
    last().welcome();
    await flush();
    expect(socket.state.getSnapshot()).toBe('connected');

    last().drop(1006);
    expect(socket.state.getSnapshot()).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(998);
    expect(ScriptedWebSocket.opened).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(ScriptedWebSocket.opened).toHaveLength(2);
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(1997);
    expect(ScriptedWebSocket.opened).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(ScriptedWebSocket.opened).toHaveLength(3);
    last().welcome();
    await flush();
    expect(socket.state.getSnapshot()).toBe('connected');
    // A successful connection resets the backoff.
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(999);
    expect(ScriptedWebSocket.opened).toHaveLength(4);
  });

  // With Math.random at 0.999 every delay is just under its ceiling: 999, 1998, 3996, 7992 (capped) ms.
  it('caps the delay at maxMs', async () => {
    socket.connect();
    await flush();
    for (let i = 0; i < 6; i++) {
      last().drop(1006);
      await vi.advanceTimersByTimeAsync(8000);
    }
    const count = ScriptedWebSocket.opened.length;
    last().drop(1006);
    await vi.advanceTimersByTimeAsync(7991);
    expect(ScriptedWebSocket.opened).toHaveLength(count);
    await vi.advanceTimersByTimeAsync(1);
    expect(ScriptedWebSocket.opened).toHaveLength(count + 1);
  });

  it('reconnects at once with a fresh token after TOKEN_EXPIRED, and stops after UNAUTHENTICATED twice', async () => {
    socket.connect();
    await flush();
    last().drop(4440);
    await flush();
    expect(ScriptedWebSocket.opened).toHaveLength(2);
    expect(tokens).toEqual([false, true]);
    last().drop(4401);
    await flush();
    expect(ScriptedWebSocket.opened).toHaveLength(3);
    last().drop(4401);
    await flush();
    expect(socket.state.getSnapshot()).toBe('closed');
    expect(socket.fatalError?.code).toBe('UNAUTHENTICATED');
  });

  it('stops for good on an unsupported protocol version, and never leaves closed', async () => {
    socket.connect();
    await flush();
    last().drop(4426);
    expect(socket.state.getSnapshot()).toBe('closed');
    expect(socket.fatalError?.code).toBe('PROTOCOL_VERSION_UNSUPPORTED');
    socket.connect();
    socket.setOnline(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(ScriptedWebSocket.opened).toHaveLength(1);
  });

  it('goes offline on the platform hint, and reconnects when it is back', async () => {
    socket.connect();
    await flush();
    last().welcome();
    await flush();
    socket.setOnline(false);
    expect(socket.state.getSnapshot()).toBe('offline');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(ScriptedWebSocket.opened).toHaveLength(1);
    socket.setOnline(true);
    await flush();
    expect(socket.state.getSnapshot()).toBe('connecting');
    expect(ScriptedWebSocket.opened).toHaveLength(2);
  });

  it('drops a connection whose ping goes unanswered for a heartbeat interval', async () => {
    socket.connect();
    await flush();
    last().welcome();
    await flush();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(last().sent.some((frame) => frame.includes('"type":"ping"'))).toBe(true);
    expect(socket.state.getSnapshot()).toBe('connected');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(socket.state.getSnapshot()).toBe('reconnecting');
  });

  it('renews the token over the socket 30 s before it expires, and again before the renewed one does', async () => {
    socket.connect();
    await flush();
    last().welcome(new Date(Date.now() + 120_000).toISOString(), 3_600_000);
    await flush();
    const auths = () =>
      last()
        .sent.map((frame) => JSON.parse(frame) as { type: string; id: string })
        .filter((f) => f.type === 'auth');
    await vi.advanceTimersByTimeAsync(89_000);
    expect(auths()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(auths()).toEqual([{ type: 'auth', id: expect.any(String), token: 't' }]);
    expect(tokens).toEqual([false, true]);
    const ack = { type: 'ack', id: auths()[0]?.id, result: { expiresAt: new Date(Date.now() + 120_000).toISOString() } };
    last().onmessage?.({ data: JSON.stringify(ack) });
    await vi.advanceTimersByTimeAsync(90_000);
    expect(auths()).toHaveLength(2);
    // A renewal that brings no later expiry (a fixed token) is not repeated: the relay's 4440 close takes over.
    const same = { type: 'ack', id: auths()[1]?.id, result: ack.result };
    last().onmessage?.({ data: JSON.stringify(same) });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(auths()).toHaveLength(2);
    expect(socket.state.getSnapshot()).toBe('connected');
  });

  it('stops for good with SESSION_REVOKED when the login is ended, and gives up on a token that is expired twice', async () => {
    socket.connect();
    await flush();
    last().welcome();
    await flush();
    last().drop(4441);
    expect(socket.state.getSnapshot()).toBe('closed');
    expect(socket.fatalError).toMatchObject({ code: 'SESSION_REVOKED', retryable: false });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(ScriptedWebSocket.opened).toHaveLength(1);

    const other = new Socket({
      url: 'http://relay',
      WebSocket: () => ScriptedWebSocket,
      token: async () => 't',
      onOpen: async () => {},
      onFrame: () => {},
    });
    other.connect();
    await flush();
    last().welcome();
    await flush();
    last().drop(4440);
    await flush();
    expect(ScriptedWebSocket.opened).toHaveLength(3);
    last().drop(4440);
    await flush();
    expect(other.state.getSnapshot()).toBe('closed');
    expect(other.fatalError).toMatchObject({ code: 'TOKEN_EXPIRED', retryable: false });
  });

  it('skips the rest of a backoff wait on request', async () => {
    socket.connect();
    await flush();
    last().drop(1006);
    socket.retryNow();
    await flush();
    expect(ScriptedWebSocket.opened).toHaveLength(2);
  });
});
