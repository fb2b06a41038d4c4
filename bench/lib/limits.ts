/**
 * What limits each figure now, as last analysed (profiles, pg_stat_activity, EXPLAIN), for the table in
 * BENCHMARKS.md. Keyed by the start of the workload name, then of the metric.
 */
const LIMITS: [workload: string, metric: string, note: string][] = [
  ['Boot', '', 'Nest module init and queue connections; migrations are a no-op after the first boot'],
  [
    'Memory',
    'node A RSS idle',
    'require("@nestjs/core") alone is 80 MB RSS here; with platform-express, TypeORM, BullMQ, Swagger and Bull Board ≈118 MB before any module exists; the rest is V8 young generation, pools and caches',
  ],
  ['Memory', 'node B RSS idle', 'as node A'],
  ['Memory', 'node A peak', 'young generation and socket buffers under 100 concurrent requests plus 5,000 queued jobs'],
  ['Memory', 'node B peak', 'young generation while it stores batches of 100'],
  [
    'W1a',
    '',
    'CPU: two cores shared by both nodes, Postgres, Redis and the load generator; a remote send costs 4 round trips (transaction with its outbox row) and all 5,000 serialise on one inbox row and the sender’s stream head',
  ],
  [
    'W1b',
    '',
    'the batched flush itself is fast; most of the time is local queueing in the client (≈1.5 s) and A→B delivery with delivery receipts flowing back and contending on alice’s stream head',
  ],
  [
    'W2',
    '',
    '≈10 sequential round trips (POST transaction, job pickup, claim, message read, B’s inbox transaction, Redis notice, SSE page) on a busy 2-core box; fsync (≈0.1 ms) is not the limit',
  ],
  ['W3', '', 'pages of 1,000 events, each written locally in one SQLite transaction'],
  ['W4', '', 'probe every 0.5 s once the backoff has run out, then batches of 100'],
  ['Scale', 'baseline', 'the machine: an empty GET /health in the same loop'],
  ['Scale', 'thread page p99', 'at the machine’s floor (see /health p99); the query takes < 0.3 ms (EXPLAIN)'],
  ['Scale', 'inbox page p99', 'at the machine’s floor; the query takes < 0.1 ms'],
  ['Scale', 'sync page p99', 'at the machine’s floor plus one join per event; the query takes ≈0.9 ms'],
];

export function limitOf(workload: string, metric: string): string | undefined {
  return LIMITS.find(([w, m]) => workload.startsWith(w) && metric.startsWith(m))?.[2];
}
