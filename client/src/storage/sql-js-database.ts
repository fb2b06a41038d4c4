import initSqlJs, { type Database, type SqlJsConfig, type SqlJsStatic } from 'sql.js';
import { SqliteDatabase, type SqlValue } from './local-database.ts';

export interface SqlJsOptions {
  /** A database saved earlier with `export()`; a new empty one otherwise. */
  bytes?: Uint8Array;
  /** Passed to sql.js, e.g. `locateFile` to tell a browser where `sql-wasm.wasm` is served. */
  sqlJsConfig?: SqlJsConfig;
}

let loadedEngine: Promise<SqlJsStatic> | null = null;

/**
 * The browser adapter: SQLite compiled to WebAssembly, in memory. Persist it by saving `export()` (to IndexedDB,
 * OPFS, a file…) after changes and passing those bytes to `create` next time.
 */
export class SqlJsDatabase extends SqliteDatabase {
  private constructor(private readonly db: Database) {
    super();
    this.applyConnectionSettings();
  }

  static async create(options: SqlJsOptions = {}): Promise<SqlJsDatabase> {
    loadedEngine ??= initSqlJs(options.sqlJsConfig);
    const SQL = await loadedEngine;
    return new SqlJsDatabase(options.bytes ? new SQL.Database(options.bytes) : new SQL.Database());
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  run(sql: string, params: readonly SqlValue[] = []): { changes: number } {
    this.db.run(sql, toBindable(params));
    return { changes: this.db.getRowsModified() };
  }

  get<Row>(sql: string, params: readonly SqlValue[] = []): Row | undefined {
    return this.query<Row>(sql, params, 1)[0];
  }

  all<Row>(sql: string, params: readonly SqlValue[] = []): Row[] {
    return this.query<Row>(sql, params, Infinity);
  }

  /**
   * The whole database as bytes, to be stored and given back to `create({ bytes })`. Only between transactions:
   * an image taken inside one would hold half of it.
   */
  export(): Uint8Array {
    if (this.inTransaction) throw new Error('export() inside a transaction would save half of it: export after it');
    const bytes = this.db.export();
    // sql.js up to 1.15 exported by closing and reopening the database, which dropped the connection's PRAGMAs
    // (foreign keys went unenforced after the first save); 1.16 copies with SQLite's backup API instead. Applying
    // them again is cheap and keeps the rule with whichever engine is installed.
    this.applyConnectionSettings();
    return bytes;
  }

  close(): void {
    this.db.close();
  }

  private applyConnectionSettings(): void {
    this.db.exec('PRAGMA foreign_keys = ON');
  }

  private query<Row>(sql: string, params: readonly SqlValue[], limit: number): Row[] {
    const statement = this.db.prepare(sql);
    try {
      statement.bind(toBindable(params));
      const rows: Row[] = [];
      while (rows.length < limit && statement.step()) rows.push(statement.getAsObject() as Row);
      return rows;
    } finally {
      statement.free();
    }
  }
}

function toBindable(params: readonly SqlValue[]): (string | number | null | Uint8Array)[] {
  return params.map((value) => (typeof value === 'bigint' ? Number(value) : value));
}
