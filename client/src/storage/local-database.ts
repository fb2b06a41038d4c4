export type SqlValue = string | number | bigint | null | Uint8Array;

/**
 * The little of SQLite the client needs, synchronous so that a transaction can never interleave with other work.
 * Parameters are positional (`?`) because the engines disagree on how named ones are spelled.
 */
export interface LocalDatabase {
  /** Runs one or more statements without parameters (schema changes). */
  exec(sql: string): void;
  run(sql: string, params?: readonly SqlValue[]): { changes: number };
  get<Row>(sql: string, params?: readonly SqlValue[]): Row | undefined;
  all<Row>(sql: string, params?: readonly SqlValue[]): Row[];
  /** Runs `work` in one transaction; nested calls join the outer one. `work` must be synchronous. */
  transaction<T>(work: () => T): T;
  close(): void;
}

/** The transaction logic shared by the adapters: BEGIN IMMEDIATE so that two processes never both hold a read lock they must upgrade. */
export abstract class SqliteDatabase implements LocalDatabase {
  private transactionDepth = 0;

  abstract exec(sql: string): void;
  abstract run(sql: string, params?: readonly SqlValue[]): { changes: number };
  abstract get<Row>(sql: string, params?: readonly SqlValue[]): Row | undefined;
  abstract all<Row>(sql: string, params?: readonly SqlValue[]): Row[];
  abstract close(): void;

  /** True while `transaction` runs (at any depth). */
  protected get inTransaction(): boolean {
    return this.transactionDepth > 0;
  }

  transaction<T>(work: () => T): T {
    if (this.transactionDepth > 0) return this.runNested(work);
    this.exec('BEGIN IMMEDIATE');
    this.transactionDepth = 1;
    try {
      const result = work();
      assertSynchronous(result);
      this.exec('COMMIT');
      return result;
    } catch (error) {
      this.exec('ROLLBACK');
      throw error;
    } finally {
      this.transactionDepth = 0;
    }
  }

  private runNested<T>(work: () => T): T {
    this.transactionDepth += 1;
    try {
      const result = work();
      assertSynchronous(result);
      return result;
    } finally {
      this.transactionDepth -= 1;
    }
  }
}

function assertSynchronous(result: unknown): void {
  if (result instanceof Promise) throw new TypeError('a local transaction must be synchronous (it returned a Promise)');
}
