import type { Presence, ServerFrame } from '@chat4all/protocol';
import { describe, expect, it } from 'vitest';
import type { Connection } from './connection.js';
import { Hub } from './hub.js';
import { PresenceWatches } from './presence-watches.js';

/** A socket as the hub sees it, recording what it was sent. */
function socketOf(userId: string) {
  const got: string[] = [];
  const watching = new Set<string>();
  const connection = {
    userId,
    rooms: new Set<string>(),
    watching,
    setWatching: (id: string, on: boolean) => (on ? watching.add(id) : watching.delete(id)),
    deliver: (payload: Buffer) => got.push(payload.toString()),
    sendFrame: (frame: ServerFrame) => got.push(JSON.stringify(frame)),
  } as unknown as Connection;
  return { connection, got };
}

/** Who shares a conversation with whom, answered when the test says so. */
function sharingTable() {
  const shared = new Set<string>();
  const waiting: Array<() => void> = [];
  let held = false;
  return {
    share: (a: string, b: string) => shared.add(`${a}|${b}`).add(`${b}|${a}`),
    unshare: (a: string, b: string) => {
      shared.delete(`${a}|${b}`);
      shared.delete(`${b}|${a}`);
    },
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const go of waiting.splice(0)) go();
    },
    sharing: async (userId: string, others: string[]) => {
      // The answer is what holds when the read runs, however long it takes to come back.
      const answer = new Set(others.filter((id) => shared.has(`${userId}|${id}`)));
      if (held) await new Promise<void>((resolve) => waiting.push(resolve));
      return answer;
    },
  };
}

function setup() {
  const table = sharingTable();
  const errors: unknown[] = [];
  let watches: PresenceWatches | undefined;
  const hub = new Hub((connection, userIds) => watches?.left(connection, userIds));
  watches = new PresenceWatches({
    hub,
    sharing: table.sharing,
    presence: async (userIds) => userIds.map((userId): Presence => ({ userId, status: 'online', lastSeenAt: null })),
    maxPerConnection: 10,
    onError: (error) => errors.push(error),
  });
  const announce = (userId: string) =>
    hub.deliver({ kind: 'presence', userId, event: { type: 'presence', userId, status: 'away', lastSeenAt: null } });
  const leave = (conversationId: string, userId: string) =>
    hub.deliver({
      kind: 'conversation',
      conversationId,
      event: { type: 'member.removed', conversationId, userId, eventSeq: 1 },
      leave: [userId],
    });
  return { table, hub, watches, announce, leave, errors };
}

const presenceFrames = (got: string[], userId: string) => got.filter((f) => f.startsWith(`{"type":"presence","userId":"${userId}"`));

describe('PresenceWatches', () => {
  it('leaves no watch behind for a socket that closed while its subscribe was reading', async () => {
    const { table, hub, watches, announce } = setup();
    const ana = socketOf('ana');
    hub.add(ana.connection);
    table.share('ana', 'bob');
    table.hold();
    const subscribing = watches.subscribe(ana.connection, ['bob']);
    hub.remove(ana.connection);
    table.release();
    expect(await subscribing).toEqual([]);
    announce('bob');
    expect(ana.got).toEqual([]);
    expect(ana.connection.watching.size).toBe(0);
  });

  it('ends with the client’s last word: an unsubscribe sent while a subscribe reads wins', async () => {
    const { table, hub, watches, announce } = setup();
    const ana = socketOf('ana');
    hub.add(ana.connection);
    table.share('ana', 'bob');
    table.hold();
    const subscribing = watches.subscribe(ana.connection, ['bob']);
    const unsubscribing = watches.unsubscribe(ana.connection, ['bob']);
    table.release();
    await Promise.all([subscribing, unsubscribing]);
    announce('bob');
    expect(ana.got).toEqual([]);
  });

  it('ends a watch whose sharing was read before a leave the hub learnt of before the watch began', async () => {
    const { table, hub, watches, announce, leave } = setup();
    const ana = socketOf('ana');
    hub.add(ana.connection);
    hub.join(ana.connection, ['group']);
    table.share('ana', 'bob');
    table.hold();
    const subscribing = watches.subscribe(ana.connection, ['bob', 'ana']);
    // Bob leaves the only conversation they shared: committed, and announced before the watch.
    table.unshare('ana', 'bob');
    leave('group', 'bob');
    table.release();
    expect(await subscribing).toEqual([]);
    announce('bob');
    expect(presenceFrames(ana.got, 'bob')).toEqual([]);
  });

  it('after a leave, watches again only what the client still asks for and still shares, with the presence now', async () => {
    const { table, hub, watches, announce, leave, errors } = setup();
    const ana = socketOf('ana');
    hub.add(ana.connection);
    hub.join(ana.connection, ['group']);
    for (const other of ['bob', 'cid', 'dan']) table.share('ana', other);
    await watches.subscribe(ana.connection, ['bob', 'cid']);
    // Ana leaves the group; she still shares another conversation with Bob, none with Cid.
    table.unshare('ana', 'cid');
    leave('group', 'ana');
    await watches.unsubscribe(ana.connection, []);
    expect(presenceFrames(ana.got, 'bob')).toHaveLength(1);
    announce('bob');
    announce('cid');
    announce('dan');
    expect(presenceFrames(ana.got, 'bob')).toHaveLength(2);
    expect(presenceFrames(ana.got, 'cid')).toEqual([]);
    expect(presenceFrames(ana.got, 'dan')).toEqual([]);
    expect(errors).toEqual([]);
  });
});
