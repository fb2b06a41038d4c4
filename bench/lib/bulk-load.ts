import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export interface CopySource {
  table: string;
  columns: string[];
  /** COPY text rows (tab-separated, `\N` for null), in chunks. */
  rows: () => Iterable<string>;
  /** False to keep the indexes during the load, e.g. a primary key that a foreign key depends on. */
  rebuildIndexes?: boolean;
}

export interface LoadTimings {
  copySeconds: number;
  indexSeconds: number;
  analyzeSeconds: number;
}

/** Two lanes: on two cores, one COPY backend per core while this process generates rows for both. */
const LANES = 2;

async function connect(databaseUrl: string): Promise<Client> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  return client;
}

/** Runs `work` on each item with `LANES` connections, largest items first as the caller orders them. */
async function inLanes<T>(databaseUrl: string, items: T[], work: (client: Client, item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    const client = await connect(databaseUrl);
    try {
      for (let i = next++; i < items.length; i = next++) await work(client, items[i]);
    } finally {
      await client.end();
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
}

interface IndexDefinition {
  table: string;
  drop: string;
  create: string;
}

/**
 * The indexes of `tables`, primary keys and unique constraints included, with the DDL to drop and to recreate each,
 * read from the catalog: what the migrations created, under the same names.
 */
async function indexDefinitions(client: Client, tables: string[]): Promise<IndexDefinition[]> {
  const { rows } = await client.query<{
    table: string;
    index: string;
    constraint: string | null;
    constraintDef: string | null;
    indexDef: string;
  }>(
    `SELECT t.relname AS "table", i.relname AS "index", c.conname AS "constraint",
       pg_get_constraintdef(c.oid) AS "constraintDef", pg_get_indexdef(i.oid) AS "indexDef"
     FROM pg_index x
     JOIN pg_class i ON i.oid = x.indexrelid
     JOIN pg_class t ON t.oid = x.indrelid
     LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.conrelid = t.oid AND c.contype IN ('p', 'u')
     WHERE t.relname = ANY($1) AND t.relnamespace = 'public'::regnamespace`,
    [tables],
  );
  return rows.map((row) =>
    row.constraint
      ? {
          table: row.table,
          drop: `ALTER TABLE "${row.table}" DROP CONSTRAINT "${row.constraint}"`,
          create: `ALTER TABLE "${row.table}" ADD CONSTRAINT "${row.constraint}" ${row.constraintDef}`,
        }
      : { table: row.table, drop: `DROP INDEX "${row.index}"`, create: row.indexDef },
  );
}

/**
 * Empties the tables and fills them with COPY FROM STDIN: their indexes are dropped first and rebuilt once at the end
 * (one sort per index instead of 10M random insertions), then the tables are analysed. Each COPY runs with FREEZE in
 * the transaction that truncates its table, so the rows are written frozen and all-visible: the first reads do not
 * rewrite every page to set hint bits, and index-only scans need no VACUUM.
 */
export async function bulkLoad(databaseUrl: string, sources: CopySource[]): Promise<LoadTimings> {
  const tables = sources.map((source) => source.table);
  const admin = await connect(databaseUrl);
  try {
    // Largest tables first, as the sources come, so that the lanes end together.
    const rebuilt = sources.filter((source) => source.rebuildIndexes !== false).map((source) => source.table);
    const indexes = (await indexDefinitions(admin, rebuilt)).sort(
      (a, b) => tables.indexOf(a.table) - tables.indexOf(b.table),
    );
    for (const index of indexes) await admin.query(index.drop);
    let started = performance.now();
    await inLanes(databaseUrl, sources, async (client, source) => {
      await client.query('BEGIN');
      // CASCADE reaches access_tokens (its foreign key to users); the database is the bench's own and fresh.
      await client.query(`TRUNCATE "${source.table}" CASCADE`);
      const columns = source.columns.map((column) => `"${column}"`).join(', ');
      const copy = client.query(copyFrom(`COPY "${source.table}" (${columns}) FROM STDIN WITH (FREEZE)`));
      await pipeline(Readable.from(source.rows()), copy);
      await client.query('COMMIT');
    });
    const copySeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await inLanes(databaseUrl, indexes, async (client, index) => {
      // The lanes already use both cores: parallel workers per build would only compete with them.
      await client.query(`SET maintenance_work_mem = '512MB'; SET max_parallel_maintenance_workers = 0`);
      await client.query(index.create);
    });
    const indexSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await admin.query(`VACUUM (ANALYZE) ${tables.map((table) => `"${table}"`).join(', ')}`);
    await admin.query('CHECKPOINT');
    return { copySeconds, indexSeconds, analyzeSeconds: (performance.now() - started) / 1000 };
  } finally {
    await admin.end();
  }
}
