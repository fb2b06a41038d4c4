import { beforeEach, describe, expect, it } from 'vitest';
import type { MyLifeClient } from '../src/mylife-client.ts';
import { BetterSqlite3Database } from '../src/storage/better-sqlite3-database.ts';
import { LOCAL_MIGRATIONS, migrateLocalDatabase } from '../src/storage/migrations.ts';
import { ALICE, BOB, loggedIn, messageFromBob } from './scripted-client.ts';
import { type ScriptedAnswer, ScriptedTransport } from './scripted-transport.ts';

const CAROL = 'carol@other.test';
const MINUTE = 60_000;

let cursor = 0;
function syncPage(...events: { type: string; data: object }[]): ScriptedAnswer {
  const withCursors = events.map((event) => ({ ...event, cursor: `c${++cursor}` }));
  return { status: 200, json: { events: withCursors, cursor: `c${++cursor}`, hasMore: false } };
}

function friendship(friendUserId: string, extra: object = {}) {
  return {
    type: 'friendship',
    data: { userId: ALICE, friendUserId, status: 'accepted', sourceInviteId: null, ...extra },
  };
}

function message(id: string, from: string, content: string) {
  return { type: 'message', data: messageFromBob(id, content, { fromUserId: from, clientMessageId: `cm-${id}` }) };
}

const friendsPage = (friends: { friendUserId: string; displayName: string | null }[], nextCursor: string | null) => ({
  status: 200,
  json: { userId: ALICE, friends, nextCursor },
});

describe("friends' display names", () => {
  let transport: ScriptedTransport;
  let client: MyLifeClient;
  let now: number;
  /** What the scripted node answers to GET /api/sync (one page, then empty pages) and GET /api/friends. */
  let pending: ScriptedAnswer | null;
  let friendsAnswer: (path: string) => ScriptedAnswer;
  const friendRequests = () => transport.requests.filter((r) => r.path.startsWith('/api/friends'));

  beforeEach(async () => {
    now = Date.parse('2026-12-07T08:00:00.000Z');
    transport = new ScriptedTransport(() => 'unreachable');
    client = await loggedIn(transport, { now: () => now });
    pending = null;
    friendsAnswer = () => friendsPage([], null);
    transport.answer = (_method, path) => {
      if (path.startsWith('/api/friends')) return friendsAnswer(path);
      const answer = pending ?? syncPage();
      pending = null;
      return answer;
    };
  });

  it('takes the name a friendship event carries, for friends and the inbox, without asking GET /api/friends', async () => {
    await client.sync(); // the first sync after login asks once
    transport.requests.length = 0;
    pending = syncPage(friendship(BOB, { displayName: 'Bob Builder' }), friendship(CAROL, { displayName: null }));
    await client.sync();
    expect(client.friends()).toEqual([
      expect.objectContaining({ friendUserId: BOB, displayName: 'Bob Builder' }),
      expect.objectContaining({ friendUserId: CAROL, displayName: null }),
    ]);
    expect(friendRequests()).toEqual([]);

    pending = syncPage(message('m1', BOB, 'hi from bob'), message('m2', CAROL, 'hi from carol'));
    await client.sync();
    expect(client.inbox().map(({ peerUserId, displayName }) => ({ peerUserId, displayName }))).toEqual([
      { peerUserId: CAROL, displayName: null },
      { peerUserId: BOB, displayName: 'Bob Builder' },
    ]);

    pending = syncPage({ type: 'friendship', data: { userId: ALICE, friendUserId: BOB, status: 'removed' } });
    await client.sync();
    expect(client.inbox().find((c) => c.peerUserId === BOB)?.displayName).toBeNull();
  });

  it("asks GET /api/friends in the same round when a node's friendship event has no name, and tells listeners", async () => {
    await client.sync();
    transport.requests.length = 0;
    const renamed: string[][] = [];
    const friendships: string[] = [];
    client.on('friend-names', ({ friendUserIds }) => renamed.push(friendUserIds));
    client.on('friendship', ({ friendUserId }) => friendships.push(friendUserId));
    friendsAnswer = () => friendsPage([{ friendUserId: BOB, displayName: 'Bob Builder' }], null);
    pending = syncPage(friendship(BOB));

    const report = await client.sync();
    expect(report.online).toBe(true);
    expect(friendRequests().map((r) => r.path)).toEqual(['/api/friends?limit=200']);
    expect(client.friends()).toEqual([expect.objectContaining({ friendUserId: BOB, displayName: 'Bob Builder' })]);
    expect(friendships).toEqual([BOB]);
    expect(renamed).toEqual([[BOB]]);
  });

  it('refreshes on the first sync after a login, then at most every five minutes', async () => {
    pending = syncPage(friendship(BOB, { displayName: 'Bob' }));
    await client.sync();
    expect(friendRequests()).toHaveLength(1);

    now += 4 * MINUTE;
    await client.sync();
    expect(friendRequests()).toHaveLength(1);

    now += MINUTE;
    friendsAnswer = () => friendsPage([{ friendUserId: BOB, displayName: 'Robert' }], null);
    await client.sync();
    expect(friendRequests()).toHaveLength(2);
    expect(client.friends()[0]?.displayName).toBe('Robert');

    const loginAnswer = transport.answer;
    transport.answer = () => ({
      status: 200,
      json: { accessToken: 'mlt_y', expiresAt: '2027-01-01T00:00:00.000Z', user: { id: '1', address: ALICE } },
    });
    await client.login({ serverUrl: 'http://node.test', username: 'alice', password: 'pw', deviceName: 'unit' });
    transport.answer = loginAnswer;
    await client.sync();
    expect(friendRequests()).toHaveLength(3);
  });

  it('follows the pages of GET /api/friends and names only friends this device has', async () => {
    pending = syncPage(friendship(BOB, { displayName: null }), friendship(CAROL, { displayName: null }));
    friendsAnswer = (path) =>
      path.includes('cursor=next')
        ? friendsPage([{ friendUserId: CAROL, displayName: 'Carol' }], null)
        : friendsPage(
            [
              { friendUserId: BOB, displayName: 'Bob' },
              { friendUserId: 'dave@node.test', displayName: 'Dave' },
            ],
            'next',
          );
    await client.sync();
    expect(friendRequests().map((r) => r.path)).toEqual([
      '/api/friends?limit=200',
      '/api/friends?limit=200&cursor=next',
    ]);
    expect(client.friends().map(({ friendUserId, displayName }) => [friendUserId, displayName])).toEqual([
      [BOB, 'Bob'],
      [CAROL, 'Carol'],
    ]);
  });

  it('never fails the sync when the refresh fails, and tries again a poll interval later', async () => {
    pending = syncPage(friendship(BOB));
    friendsAnswer = () => ({ status: 500, json: { statusCode: 500, message: 'boom' } });
    const failed = await client.sync();
    expect(failed).toMatchObject({ online: true, error: null });
    expect(client.connectionStatus()).toEqual({ state: 'online', loginNeeded: false });
    expect(client.friends()).toEqual([expect.objectContaining({ friendUserId: BOB, displayName: null })]);

    friendsAnswer = () => 'unreachable';
    await client.sync();
    expect(friendRequests()).toHaveLength(1);
    now += 30_000;
    expect((await client.sync()).online).toBe(true);
    expect(friendRequests()).toHaveLength(2);

    now += 30_000;
    friendsAnswer = () => friendsPage([{ friendUserId: BOB, displayName: 'Bob' }], null);
    await client.sync();
    expect(client.friends()[0]?.displayName).toBe('Bob');
  });
});

describe('local migration 4', () => {
  it('keeps the friends of an older copy and asks the next sync for their names', () => {
    const db = new BetterSqlite3Database(':memory:');
    migrateLocalDatabase(
      db,
      LOCAL_MIGRATIONS.filter((migration) => migration.version < 4),
    );
    db.run(`INSERT INTO friends (friend_user_id, since) VALUES (?, '2026-01-01T00:00:00Z')`, [BOB]);
    db.run(`INSERT INTO sync_state (id, cursor, last_synced_at) VALUES (1, 'c9', '2026-01-01T00:00:00Z')`);
    expect(migrateLocalDatabase(db)).toEqual(
      LOCAL_MIGRATIONS.map((migration) => migration.version).filter((version) => version >= 4),
    );
    expect(db.all('SELECT friend_user_id, display_name FROM friends')).toEqual([
      { friend_user_id: BOB, display_name: null },
    ]);
    expect(db.get('SELECT cursor, friends_refreshed_at FROM sync_state')).toEqual({
      cursor: 'c9',
      friends_refreshed_at: null,
    });
    db.close();
  });
});
