import { describe, expect, it } from 'vitest';
import { BetterSqlite3Database } from '../src/storage/better-sqlite3-database.ts';
import type { LocalDatabase } from '../src/storage/local-database.ts';
import { LOCAL_MIGRATIONS, migrateLocalDatabase } from '../src/storage/migrations.ts';
import { SqlJsDatabase } from '../src/storage/sql-js-database.ts';

const adapters: [string, () => Promise<LocalDatabase>][] = [
  ['better-sqlite3', async () => new BetterSqlite3Database(':memory:')],
  ['sql.js', () => SqlJsDatabase.create()],
];

describe.each(adapters)('%s adapter', (_name, open) => {
  it('applies every local migration once', async () => {
    const db = await open();
    expect(migrateLocalDatabase(db)).toEqual(LOCAL_MIGRATIONS.map((migration) => migration.version));
    expect(migrateLocalDatabase(db)).toEqual([]);
    const tables = db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`);
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining(['friends', 'invites', 'messages', 'outbox', 'session', 'sync_state']),
    );
    db.close();
  });

  it('rolls a transaction back as a whole when it throws', async () => {
    const db = await open();
    db.exec('CREATE TABLE t (v INTEGER)');
    expect(() =>
      db.transaction(() => {
        db.run('INSERT INTO t (v) VALUES (?)', [1]);
        db.transaction(() => db.run('INSERT INTO t (v) VALUES (?)', [2]));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(db.all('SELECT v FROM t')).toEqual([]);
    db.transaction(() => db.run('INSERT INTO t (v) VALUES (?)', [3]));
    expect(db.get<{ v: number }>('SELECT v FROM t')).toEqual({ v: 3 });
    db.close();
  });

  it('refuses an asynchronous transaction instead of committing half of it', async () => {
    const db = await open();
    db.exec('CREATE TABLE t (v INTEGER)');
    expect(() => db.transaction(async () => db.run('INSERT INTO t (v) VALUES (1)'))).toThrow(/synchronous/);
    expect(db.all('SELECT v FROM t')).toEqual([]);
    db.close();
  });

  it('reports the rows a statement changed', async () => {
    const db = await open();
    db.exec('CREATE TABLE t (v INTEGER)');
    db.run('INSERT INTO t (v) VALUES (1), (2), (3)');
    expect(db.run('UPDATE t SET v = v + 1 WHERE v > ?', [1])).toEqual({ changes: 2 });
    db.close();
  });
});

describe('sql.js persistence', () => {
  it('saves the database as bytes and loads it back', async () => {
    const first = await SqlJsDatabase.create();
    migrateLocalDatabase(first);
    first.run(`INSERT INTO sync_state (id, cursor, last_synced_at) VALUES (1, ?, ?)`, [
      'abc',
      '2026-01-01T00:00:00.000Z',
    ]);
    const bytes = first.export();
    first.close();
    expect(bytes).toBeInstanceOf(Uint8Array);

    const second = await SqlJsDatabase.create({ bytes });
    expect(migrateLocalDatabase(second)).toEqual([]);
    expect(second.get('SELECT cursor FROM sync_state')).toEqual({ cursor: 'abc' });
    second.close();
  });

  it('still enforces foreign keys after an export', async () => {
    const db = await SqlJsDatabase.create();
    db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (parent INTEGER REFERENCES parent (id))');
    db.export();
    expect(db.get('PRAGMA foreign_keys')).toEqual({ foreign_keys: 1 });
    expect(() => db.run('INSERT INTO child (parent) VALUES (?)', [42])).toThrow(/FOREIGN KEY/);
    db.export();
    expect(() => db.run('INSERT INTO child (parent) VALUES (?)', [42])).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it('refuses to export inside a transaction, and exports once it is committed', async () => {
    const db = await SqlJsDatabase.create();
    db.exec('CREATE TABLE t (v INTEGER)');
    db.transaction(() => {
      db.run('INSERT INTO t (v) VALUES (1)');
      expect(() => db.export()).toThrow(/inside a transaction/);
    });
    const copy = await SqlJsDatabase.create({ bytes: db.export() });
    expect(copy.all('SELECT v FROM t')).toEqual([{ v: 1 }]);
    copy.close();
    db.close();
  });
});

describe('a client on sql.js', () => {
  it('keeps its queued message and outbox across a save and load of the bytes', async () => {
    const { MyLifeClient } = await import('../src/mylife-client.ts');
    const database = await SqlJsDatabase.create();
    const client = new MyLifeClient({ database });
    database.run(
      `INSERT INTO session (id, server_url, user_address, device_name) VALUES (1, 'http://node.test', 'alice@node.test', 'web')`,
    );
    const queued = client.sendMessage('bob', 'saved in the browser');
    const bytes = database.export();

    const reloaded = new MyLifeClient({ database: await SqlJsDatabase.create({ bytes }) });
    expect(reloaded.allMessages()).toEqual([
      expect.objectContaining({ clientMessageId: queued.clientMessageId, status: 'queued' }),
    ]);
    expect(reloaded.outbox()).toEqual([
      expect.objectContaining({
        state: 'pending',
        operation: { kind: 'send', clientMessageId: queued.clientMessageId },
      }),
    ]);
    await reloaded.close();
    await client.close();
  });
});
