import { queryDatabase } from './services';
import { TestNode } from './test-node';

/**
 * The tables of the node's database (every schema but Postgres' own) that hold `marker` in any row, each row read as
 * text: where a plaintext that should have been sealed end to end would show up, whatever column or table it went to.
 */
export async function tablesHolding(node: TestNode, marker: string): Promise<string[]> {
  const url = node.config.databaseUrl!;
  const tables = await queryDatabase<{ schema: string; name: string }>(
    url,
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
  );
  const holding: string[] = [];
  for (const { schema, name } of tables) {
    const [row] = await queryDatabase<{ n: string }>(
      url,
      `SELECT count(*) AS n FROM "${schema}"."${name}" t WHERE t::text LIKE $1`,
      [`%${marker}%`],
    );
    if (Number(row!.n) > 0) holding.push(`${schema}.${name}`);
  }
  return holding;
}
