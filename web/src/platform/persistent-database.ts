import type { LocalDatabase, SqlValue } from '@mylife/client';

/**
 * The client's database, telling `onChange` after each committed change so that the in-memory copy gets saved.
 * Inside a transaction it waits for the outermost commit: a save must never see half a transaction, and a
 * transaction that rolls back changed nothing.
 */
export class PersistentDatabase implements LocalDatabase {
  private depth = 0;
  private changedInTransaction = false;

  constructor(
    private readonly inner: LocalDatabase,
    private readonly onChange: () => void,
  ) {}

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  exec(sql: string): void {
    this.inner.exec(sql);
    this.changed();
  }

  run(sql: string, params?: readonly SqlValue[]): { changes: number } {
    const result = this.inner.run(sql, params);
    if (result.changes > 0) this.changed();
    return result;
  }

  get<Row>(sql: string, params?: readonly SqlValue[]): Row | undefined {
    return this.inner.get<Row>(sql, params);
  }

  all<Row>(sql: string, params?: readonly SqlValue[]): Row[] {
    return this.inner.all<Row>(sql, params);
  }

  transaction<T>(work: () => T): T {
    this.depth += 1;
    let committed = false;
    try {
      const result = this.inner.transaction(work);
      committed = true;
      return result;
    } finally {
      this.depth -= 1;
      if (this.depth === 0) {
        const changed = committed && this.changedInTransaction;
        this.changedInTransaction = false;
        if (changed) this.onChange();
      }
    }
  }

  close(): void {
    this.inner.close();
  }

  private changed(): void {
    if (this.depth > 0) this.changedInTransaction = true;
    else this.onChange();
  }
}
