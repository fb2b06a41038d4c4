import { afterEach, describe, expect, it } from 'vitest';
import type { MyLifeClient } from '../src/mylife-client.ts';
import { ALICE, loggedIn } from './scripted-client.ts';
import { type ScriptedAnswer, ScriptedTransport } from './scripted-transport.ts';

const emptySync: ScriptedAnswer = { status: 200, json: { events: [], cursor: 'c0', hasMore: false } };
const refusedToken: ScriptedAnswer = { status: 401, json: { statusCode: 401, message: 'invalid or expired token' } };
const noFriends: ScriptedAnswer = { status: 200, json: { friends: [], nextCursor: null } };
const loginAnswer: ScriptedAnswer = {
  status: 200,
  json: { accessToken: 'mlt_new', expiresAt: '2027-01-01T00:00:00.000Z', user: { id: '1', address: ALICE } },
};

/** Resolves once `check` holds, or fails after `ms`. */
async function within(ms: number, check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the live loop', () => {
  let client: MyLifeClient;
  afterEach(() => client.close());

  it('syncs at once after a new login, without waiting out the poll interval that followed the refused token', async () => {
    const transport = new ScriptedTransport(() => 'unreachable');
    client = await loggedIn(transport, { timing: { pollIntervalMs: 60_000 } });
    transport.answer = () => refusedToken;
    client.startLive();
    await within(1_000, () => client.connectionStatus().loginNeeded, 'the token is refused');
    const syncsBefore = transport.requests.filter((r) => r.path.startsWith('/api/sync')).length;

    transport.answer = (_method, path) =>
      path === '/api/auth/session' ? loginAnswer : path.startsWith('/api/friends') ? noFriends : emptySync;
    await client.login({ serverUrl: 'http://node.test', username: 'alice', password: 'pw', deviceName: 'unit' });
    client.startLive(); // what the web app does after a login: the loop runs already
    await within(
      1_000,
      () => transport.requests.filter((r) => r.path.startsWith('/api/sync')).length > syncsBefore,
      'a sync with the new token',
    );
  });

  it('tries an unreachable node again soon, then less and less often, up to the poll interval', async () => {
    const tried: number[] = [];
    const transport = new ScriptedTransport(() => 'unreachable');
    // random() = 1: each wait is its whole exponential delay, 40, 80, 160, 200 (the poll interval), 200 ms.
    client = await loggedIn(transport, {
      timing: { pollIntervalMs: 200, offlineRetryBaseMs: 40 },
      random: () => 1,
    });
    transport.answer = (_method, path) => {
      if (path.startsWith('/api/sync')) tried.push(Date.now());
      return 'unreachable';
    };
    client.startLive();
    await within(2_000, () => tried.length >= 6, 'six tries');
    await client.stopLive();
    const waits = tried.slice(1, 6).map((at, index) => at - tried[index]!);
    const expected = [40, 80, 160, 200, 200];
    for (const [index, wait] of waits.entries()) {
      expect(wait).toBeGreaterThanOrEqual(expected[index]! - 2);
      expect(wait).toBeLessThan(expected[index]! + 100);
    }
  });

  it('notices a node that is back within the backoff, not a poll interval later', async () => {
    const transport = new ScriptedTransport(() => 'unreachable');
    client = await loggedIn(transport, { timing: { pollIntervalMs: 60_000, offlineRetryBaseMs: 40 } });
    transport.answer = () => 'unreachable';
    let online = false;
    client.on('connection', ({ state }) => (online ||= state === 'online'));
    client.startLive();
    await within(1_000, () => client.connectionStatus().reason !== undefined, 'offline');
    await sleep(50);
    // The node is back (these unit tests have no event stream: the loop then goes offline again, and that is fine).
    transport.answer = (_method, path) => (path.startsWith('/api/friends') ? noFriends : emptySync);
    await within(1_000, () => online, 'online again');
  });
});
