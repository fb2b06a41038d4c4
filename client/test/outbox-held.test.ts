import { describe, expect, it } from 'vitest';
import { BetterSqlite3Database } from '../src/storage/better-sqlite3-database.ts';
import type { LocalDatabase } from '../src/storage/local-database.ts';
import { SqlJsDatabase } from '../src/storage/sql-js-database.ts';
import { LocalStore } from '../src/store/local-store.ts';

const ALICE = 'alice@a.test';
const NOW = '2026-12-07T08:00:00.000Z';

const adapters: [string, () => Promise<LocalDatabase>][] = [
  ['better-sqlite3', async () => new BetterSqlite3Database(':memory:')],
  ['sql.js', () => SqlJsDatabase.create()],
];

describe.each(adapters)('the outbox with a key change waiting (%s)', (_name, open) => {
  it("leaves out the unsealed sends to the held friends, and nothing else of the outbox's order", async () => {
    const store = new LocalStore(await open());
    const send = (to: string, clientMessageId: string) => {
      store.messages.insertLocal({
        clientMessageId,
        fromUserId: ALICE,
        toUserId: to,
        contentType: 'text/plain',
        content: clientMessageId,
        createdAt: NOW,
        status: 'queued',
        encryption: 'e2ee',
      });
      return store.outbox.enqueue({ kind: 'send', clientMessageId }, NOW);
    };
    const toBob = send('bob@b.test', 'to-bob');
    const toCarol = send('carol@b.test', 'to-carol');
    const read = store.outbox.enqueue({ kind: 'read', messageId: 'm1' }, NOW);
    const sealedToBob = send('bob@b.test', 'sealed-to-bob');
    store.outbox.saveEnvelope(sealedToBob.id, '{"v":1}');

    const ids = (peers: string[]) =>
      store.outbox.pendingFromHead(10, { viewer: ALICE, peers }).map((entry) => entry.id);
    expect(ids([])).toEqual([toBob.id, toCarol.id, read.id, sealedToBob.id]);
    expect(ids(['bob@b.test'])).toEqual([toCarol.id, read.id, sealedToBob.id]);
    expect(ids(['bob@b.test', 'carol@b.test'])).toEqual([read.id, sealedToBob.id]);
  });
});
