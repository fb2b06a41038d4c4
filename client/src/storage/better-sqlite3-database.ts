import Database from 'better-sqlite3';
import { SqliteDatabase, type SqlValue } from './local-database.ts';

export interface BetterSqlite3Options {
  /** How long to wait for another process holding the write lock (the CLI and `sync --watch` may share a file). */
  busyTimeoutMs?: number;
}

/** Node's adapter: a file (or `:memory:`) opened with better-sqlite3 12, in WAL mode. */
export class BetterSqlite3Database extends SqliteDatabase {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(filename: string, options: BetterSqlite3Options = {}) {
    super();
    this.db = new Database(filename);
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (filename !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  run(sql: string, params: readonly SqlValue[] = []): { changes: number } {
    return { changes: this.prepare(sql).run(...params).changes };
  }

  get<Row>(sql: string, params: readonly SqlValue[] = []): Row | undefined {
    return this.prepare(sql).get(...params) as Row | undefined;
  }

  all<Row>(sql: string, params: readonly SqlValue[] = []): Row[] {
    return this.prepare(sql).all(...params) as Row[];
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
