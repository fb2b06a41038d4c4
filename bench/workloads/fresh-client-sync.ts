import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchUser } from '../lib/api';
import { record } from '../lib/report';
import { round } from '../lib/stats';

export const BENCH_PASSWORD = 'bench password 123';

/** W3: a fresh client library store (better-sqlite3) syncs everything waiting for bob on B. */
export async function freshClientSync(
  root: string,
  bob: BenchUser,
  friend: string,
  expectedMessages: number,
): Promise<void> {
  // The client library is ESM; this bench is CommonJS, so it is loaded with a real dynamic import.
  const load = new Function('path', 'return import(path)') as (path: string) => Promise<any>;
  const { MyLifeClient } = await load(join(root, 'client', 'dist', 'index.js'));
  const { BetterSqlite3Database } = await load(join(root, 'client', 'dist', 'storage', 'better-sqlite3-database.js'));
  const folder = mkdtempSync(join(tmpdir(), 'mylife-bench-client-'));
  const client = new MyLifeClient({ database: new BetterSqlite3Database(join(folder, 'bob.sqlite')) });
  try {
    await client.login({
      serverUrl: bob.node.url,
      username: bob.username,
      password: BENCH_PASSWORD,
      deviceName: 'bench-fresh',
    });
    const started = performance.now();
    await client.sync();
    const seconds = (performance.now() - started) / 1000;
    const stored = client.thread(friend, { limit: 1_000_000 }).messages.length;
    record({
      workload: 'W3 offline catch-up (fresh client store)',
      metric: `full sync of ${stored} messages`,
      value: round(seconds, 3),
      unit: 's',
      target: '≤ 0.3',
      met: seconds <= 0.3 && stored >= expectedMessages,
      detail: { stored, expectedMessages },
    });
  } finally {
    await client.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
