/**
 * What limits each figure now, as last analysed (profiles, pg_stat_activity, EXPLAIN), for the table in
 * BENCHMARKS.md. Keyed by the start of the workload name, then of the metric.
 */
const LIMITS: [workload: string, metric: string, note: string][] = [
  ['Boot', '', 'Nest module init and queue connections; migrations are a no-op after the first boot'],
  [
    'Memory',
    'node A RSS idle',
    'loaded code: ≈50 MB are pages of the node binary (a bare node touches 32 MB of them; Nest’s logger formatting dates with Intl, crypto and the optimising compiler touch more); the V8 heap holds ≈40 MB of live objects, ≈18 MB of them the source text of the modules loaded (NestJS, TypeORM, BullMQ, Bull Board, Swagger, undici); private part in detail',
  ],
  ['Memory', 'node B RSS idle', 'as node A'],
  [
    'Memory',
    'node A peak',
    'old generation under 100 concurrent requests; the 512 MB heap cap makes V8 collect early (without it ≈305 MB)',
  ],
  ['Memory', 'node B peak', 'as node A, while it stores batches of 100'],
  [
    'W1a',
    '',
    'CPU of the whole machine: concurrent sends of one sender now share a statement (group commit), so Postgres spends ≈0.3 ms per message; A ≈0.8–1.1 ms per POST (HTTP, Nest pipeline, validation; an empty GET /health is ≈1 ms here), B ≈0.4 ms and the load generator ≈0.2 ms, on two cores; measured after an uncounted warm-up of 1,000',
  ],
  [
    'W1b',
    '',
    'CPU of the whole machine: A stores 10 batches of 500 one after the other (the client keeps order), ≈70–190 ms each (≈30 ms of it the statement, more when delivery outcomes wait for alice’s stream head), and the client library stores each answer in one local transaction; B stores 50 batches of 100, serialised on bob’s stream head; the first burst after boot is ≈40 % slower than the next ones (JIT)',
  ],
  [
    'W2',
    '',
    'a chain of hops, medians of a traced run (2026-12-07) in ms: A’s statement 5–6.8 (it meets the write-back of the message before and its delivery receipt, which lock alice’s stream head), commit to schedule 0.5, schedule to request 4.8 (queue hop, next-request query, signature), request to B’s statement 3.3, B’s statement 3.4–4.6, commit to SSE event 0.24 (the stream writes the events its process committed, no page query); one request in flight per destination keeps the order on the peer; this machine is a microVM under nested virtualisation, where a socket write that wakes a process on the other core costs ≈0.1–0.3 ms of CPU',
  ],
  [
    'W3',
    '',
    'the server’s pages: ≈35–55 ms per 1,000 events (the query, the receipts staged in one statement, JSON), the next asked for while the client writes the current one (≈20 ms)',
  ],
  [
    'W4',
    '',
    'A’s job for B backs off (1 s doubling); a signed request from B after its restart, or the next backoff step, runs it again; then batches of 100, one request at a time, each outcome written while the next request goes',
  ],
  ['Scale', 'baseline', 'the machine: an empty GET /health in the same loop'],
  ['Scale', 'thread page p99', 'at the machine’s floor (see /health p99); the query takes < 0.4 ms (EXPLAIN)'],
  ['Scale', 'inbox page p99', 'at the machine’s floor; the query takes < 0.1 ms'],
  ['Scale', 'sync page p99', 'at the machine’s floor plus three index probes per event; the query takes ≈1–2 ms'],
  [
    'End-to-end encryption (client library, Node)',
    'seal',
    'ts-mls: ≈1.0–1.7 ms of WebCrypto calls per message (HKDF, AES-GCM for the content and the sender data, an Ed25519 signature whose key is imported each time); decoding the group state (≈1.6 KB) ≈0.8 ms, saving it < 0.1 ms',
  ],
  [
    'End-to-end encryption (client library, Node)',
    'open',
    'as sealing: ts-mls ≈1.0 ms, decoding the group state ≈0.8 ms',
  ],
  [
    'End-to-end encryption (client library, Node)',
    'keys of a first login',
    '≈2–3 ms per key package (two X25519 key pairs and an Ed25519 signature, through WebCrypto); made once, topped up 50 at a time',
  ],
];

export function limitOf(workload: string, metric: string): string | undefined {
  return LIMITS.find(([w, m]) => workload.startsWith(w) && metric.startsWith(m))?.[2];
}
