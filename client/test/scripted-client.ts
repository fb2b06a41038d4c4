import { MyLifeClient, type MyLifeClientOptions } from '../src/mylife-client.ts';
import { BetterSqlite3Database } from '../src/storage/better-sqlite3-database.ts';
import { OnePostPerMessageSender } from '../src/sync/message-sender.ts';
import type { ScriptedAnswer, ScriptedTransport } from './scripted-transport.ts';

export const ALICE = 'alice@node.test';
export const BOB = 'bob@node.test';

/** Alice's client, logged in through `transport` (whose answer is left for the test to set), on an in-memory copy. */
export async function loggedIn(
  transport: ScriptedTransport,
  options: Partial<MyLifeClientOptions> = {},
): Promise<MyLifeClient> {
  const client = new MyLifeClient({
    database: new BetterSqlite3Database(':memory:'),
    messageSender: new OnePostPerMessageSender(),
    ...options,
    transport,
  });
  transport.answer = loginAnswers('mlt_x');
  await client.login({ serverUrl: 'http://node.test', username: 'alice', password: 'pw', deviceName: 'unit' });
  transport.requests.length = 0;
  return client;
}

/**
 * What a node answers a login of Alice's: the token, and 404 to PUT /api/keys. A node without a key directory (a plain
 * MyLife node): the tests of the client's other rules see plaintext.
 */
export function loginAnswers(accessToken: string) {
  return (_method: string, path: string): ScriptedAnswer =>
    path === '/api/keys'
      ? { status: 404, json: { statusCode: 404, message: 'Cannot PUT /api/keys' } }
      : {
          status: 200,
          json: {
            accessToken,
            expiresAt: '2027-01-01T00:00:00.000Z',
            user: { id: '1', address: ALICE, displayName: 'Alice' },
          },
        };
}

/** A message from Bob to Alice as the node sends it; `seq` from the digits of `id`. */
export function messageFromBob(id: string, content: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    seq: Number(id.replace(/\D/g, '')),
    clientMessageId: `bob-${id}`,
    fromUserId: BOB,
    toUserId: ALICE,
    contentType: 'text/plain',
    content,
    createdAt: '2026-12-07T08:00:00.000Z',
    readAt: null as string | null,
    ...extra,
  };
}
