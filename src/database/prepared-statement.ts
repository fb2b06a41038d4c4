import type { EntityManager } from 'typeorm';

/** A statement of a hot path, run as a named prepared statement (see {@link runPrepared}). */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

const declared = new Map<string, string>();

/**
 * Declares a statement that runs on every message or delivery. Postgres plans our large CTEs in about 1 ms, more
 * than running them takes. Prepared on each pooled connection, a statement is planned for its first five runs and
 * then, when the generic plan is estimated no dearer, never again (pg_prepared_statements counts both kinds). The
 * statements are written so that their plan does not hang on row estimates (see docs/design-notes.md).
 */
export function preparedStatement(name: string, text: string): PreparedStatement {
  // node-postgres refuses a name reused for another text at run time; say so at load time instead.
  if (declared.has(name) && declared.get(name) !== text) throw new Error(`prepared statement ${name} declared twice`);
  declared.set(name, text);
  return { name, text };
}

/**
 * Runs a prepared statement with TypeORM's results and errors (`[rows, count]` for UPDATE, QueryFailedError) and in
 * the manager's transaction, if any. TypeORM hands its query to node-postgres as it is, and node-postgres prepares a
 * `{ name, text }` query on a connection the first time that connection runs it.
 */
export function runPrepared<T = unknown>(
  executor: Pick<EntityManager, 'query'>,
  statement: PreparedStatement,
  parameters: unknown[],
): Promise<T> {
  // A fresh object each time: node-postgres writes the values into the query object it is given.
  return executor.query<T>({ name: statement.name, text: statement.text } as unknown as string, parameters);
}
