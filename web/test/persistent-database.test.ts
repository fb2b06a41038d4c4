import { SqlJsDatabase } from '@mylife/client/sql-js';
import { describe, expect, it } from 'vitest';
import { PersistentDatabase } from '../src/platform/persistent-database.ts';

async function open() {
  const changes: boolean[] = [];
  const inner = await SqlJsDatabase.create();
  const db = new PersistentDatabase(inner, () => changes.push(db.inTransaction));
  db.exec('CREATE TABLE t (v INTEGER)');
  changes.length = 0;
  return { db, inner, changes };
}

describe('PersistentDatabase', () => {
  it('tells of a change made outside a transaction at once, and of none for reads or writes that change nothing', async () => {
    const { db, changes } = await open();
    db.run('INSERT INTO t (v) VALUES (?)', [1]);
    expect(changes).toEqual([false]);
    db.all('SELECT v FROM t');
    db.get('SELECT v FROM t');
    db.run('UPDATE t SET v = 2 WHERE v = ?', [99]);
    expect(changes).toEqual([false]);
    db.close();
  });

  it('tells of a transaction once, after its outermost commit, never while it runs', async () => {
    const { db, changes } = await open();
    db.transaction(() => {
      db.run('INSERT INTO t (v) VALUES (1)');
      db.transaction(() => db.run('INSERT INTO t (v) VALUES (2)'));
      db.run('INSERT INTO t (v) VALUES (3)');
      expect(changes).toEqual([]);
      expect(db.inTransaction).toBe(true);
    });
    expect(changes).toEqual([false]);
    expect(db.inTransaction).toBe(false);
    db.close();
  });

  it('tells nothing of a transaction that rolled back', async () => {
    const { db, changes } = await open();
    expect(() =>
      db.transaction(() => {
        db.run('INSERT INTO t (v) VALUES (1)');
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(changes).toEqual([]);
    expect(db.all('SELECT v FROM t')).toEqual([]);
    db.close();
  });

  it('lets the image be exported once a change is told, with the change in it', async () => {
    const { db, inner } = await open();
    const images: Uint8Array[] = [];
    const watched = new PersistentDatabase(inner, () => images.push(inner.export()));
    watched.transaction(() => watched.run('INSERT INTO t (v) VALUES (7)'));
    const reopened = await SqlJsDatabase.create({ bytes: images[0] });
    expect(reopened.all('SELECT v FROM t')).toEqual([{ v: 7 }]);
    reopened.close();
    db.close();
  });
});
