import { Client } from 'pg';
import { PasswordHasher } from '../../src/accounts/password-hasher';
import { encodeCursor } from '../../src/common/cursor';
import { AppConfig } from '../../src/config/app-config';
import { runMigrations } from '../../src/database/run-migrations';
import { INBOX_PAGE_SQL, THREAD_PAGE_SQL } from '../../src/messages/messages.repository';
import { PAGE_SQL as SYNC_PAGE } from '../../src/sync/sync.repository';
import { call, expectOk } from '../lib/api';
import { bulkLoad, CopySource } from '../lib/bulk-load';
import { NodeProcess } from '../lib/node-process';
import { record } from '../lib/report';
import { ScaleDataset, ScaleSizes } from '../lib/scale-dataset';
import { round, summarize } from '../lib/stats';
import { BENCH_PASSWORD } from './fresh-client-sync';

const REQUESTS_PER_QUERY = 1000;
/** Unmeasured requests first, so that the node's JIT and pools are warm as in a node that has been up a while. */
const WARM_UP_REQUESTS = 100;
const P99_TARGET_MS = 5;
const HEAVY_CONVERSATIONS = 3;
const LIGHT_USERS = 24;
/** How deep into a heavy thread the `before=` pages start. */
const DEEP_POSITIONS = [0.1, 0.5, 0.9];

const BIG_TABLES = ['friend_messages', 'sync_events', 'conversation_summaries', 'friendships', 'users'];
const INDEX_SCANS = ['Index Scan', 'Index Only Scan', 'Bitmap Index Scan'];

interface Viewer {
  user: number;
  token: string;
}

interface ThreadView {
  viewer: Viewer;
  friend: number;
  /** A message id to page back from, deep in the thread. */
  before?: string;
}

/**
 * Scale: one node's database holding `sizes.users` users and `sizes.messages` messages, loaded with COPY; then the
 * latency of the three reads every client makes (thread page, inbox page, sync page), one request at a time, and
 * EXPLAIN of their SQL.
 */
export async function scaleWorkload(root: string, databaseUrl: string, redisUrl: string, sizes: ScaleSizes) {
  const workload = `Scale (${sizes.users.toLocaleString('en')} users, ${sizes.messages.toLocaleString('en')} messages)`;
  const node = await NodeProcess.create(root, 'scale', databaseUrl, redisUrl);
  try {
    await runMigrations({ databaseUrl: node.env.DATABASE_URL, dbPoolSize: 1 });
    const dataset = new ScaleDataset(node.server, sizes, await passwordHash());
    await load(workload, node.env.DATABASE_URL, dataset);
    await node.start();
    const { threadViews, viewers } = await sampleViewers(node, dataset);
    // The same loop on a route without a query: how much of a tail is this machine (2 shared cores), not the SQL.
    await measure('baseline GET /health', () => ({ path: '/health', viewer: viewers[0] }), false);
    await measure('thread page', (i) => {
      const view = threadViews[i % threadViews.length];
      const before = view.before ? `&before=${view.before}` : '';
      return {
        path: `/api/messages?friendUserId=${dataset.username(view.friend)}&limit=50${before}`,
        viewer: view.viewer,
      };
    });
    await measure('inbox page', (i) => ({
      path: '/api/messages/inbox?limit=50',
      viewer: viewers[i % viewers.length],
    }));
    await measure('sync page', (i) => {
      const viewer = viewers[i % viewers.length];
      const since = encodeCursor([Math.floor(dataset.streamLengths[viewer.user] / 2)]);
      return { path: `/api/sync?since=${since}&limit=100`, viewer };
    });
    await explainQueries(workload, node.env.DATABASE_URL, dataset);
  } finally {
    await node.destroy(databaseUrl);
  }

  async function measure(query: string, request: (i: number) => { path: string; viewer: Viewer }, hasTarget = true) {
    const samples: number[] = [];
    for (let i = 0; i < WARM_UP_REQUESTS + REQUESTS_PER_QUERY; i++) {
      const { path, viewer } = request(i);
      const started = performance.now();
      const response = await call(`${node.url}${path}`, 'GET', undefined, viewer.token);
      const elapsed = performance.now() - started;
      if (response.status !== 200)
        throw new Error(`${query} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
      if (i >= WARM_UP_REQUESTS) samples.push(elapsed);
    }
    const stats = summarize(samples);
    record({ workload, metric: `${query} p50`, value: stats.p50, unit: 'ms', target: '—', met: true });
    record({
      workload,
      metric: `${query} p99 (${REQUESTS_PER_QUERY} sequential requests)`,
      value: stats.p99,
      unit: 'ms',
      target: hasTarget ? `≤ ${P99_TARGET_MS}` : '—',
      met: !hasTarget || stats.p99 <= P99_TARGET_MS,
      detail: stats,
    });
  }
}

/** A real scrypt hash of the bench password, given to every user so that any sampled user can log in. */
function passwordHash(): Promise<string> {
  return new PasswordHasher({ scryptLogN: 14 } as AppConfig).hash(BENCH_PASSWORD);
}

function copySources(dataset: ScaleDataset): CopySource[] {
  return [
    {
      table: 'sync_events',
      columns: ['user_id', 'seq', 'type', 'message_id', 'data', 'created_at'],
      rows: () => dataset.syncEvents(),
    },
    {
      table: 'friend_messages',
      columns: [
        'id',
        'seq',
        'client_message_id',
        'from_user_id',
        'to_user_id',
        'conversation_key',
        'content_type',
        'content',
        'created_at',
        'read_at',
      ],
      rows: () => dataset.messages(),
    },
    {
      table: 'conversation_summaries',
      columns: [
        'owner_user_id',
        'friend_user_id',
        'last_message_id',
        'last_message_seq',
        'last_message_at',
        'last_message_content',
        'last_message_content_type',
        'unread_count',
      ],
      rows: () => dataset.conversationSummaries(),
    },
    { table: 'friendships', columns: ['user_id', 'friend_user_id'], rows: () => dataset.friendships() },
    { table: 'sync_heads', columns: ['user_id', 'last_seq'], rows: () => dataset.syncHeads() },
    {
      table: 'users',
      columns: ['id', 'username', 'display_name', 'password_hash'],
      rows: () => dataset.users(),
      // Its primary key carries access_tokens' foreign key; a hundred thousand rows load fast enough with it.
      rebuildIndexes: false,
    },
  ];
}

async function load(workload: string, nodeDatabaseUrl: string, dataset: ScaleDataset): Promise<void> {
  const started = performance.now();
  const timings = await bulkLoad(nodeDatabaseUrl, copySources(dataset));
  const client = new Client({ connectionString: nodeDatabaseUrl });
  await client.connect();
  try {
    // The seqs were given explicitly: the next message the node stores must come after them.
    await client.query(`SELECT setval(pg_get_serial_sequence('friend_messages', 'seq'), $1::bigint)`, [
      dataset.sizes.messages,
    ]);
  } finally {
    await client.end();
  }
  const seconds = (performance.now() - started) / 1000;
  const rows = Object.values(dataset.totalRows).reduce((sum, count) => sum + count, 0);
  const detail = { rows: dataset.totalRows, ...roundAll(timings) };
  record({
    workload,
    metric: 'load (COPY, index rebuild, ANALYZE)',
    value: round(seconds, 1),
    unit: 's',
    target: '—',
    met: true,
    detail,
  });
  record({
    workload,
    metric: 'load rate (all rows, end to end)',
    value: Math.round(rows / seconds),
    unit: 'rows/s',
    target: '—',
    met: true,
    detail: { totalRows: rows, copyRowsPerSecond: Math.round(rows / timings.copySeconds) },
  });
}

function roundAll(timings: object): Record<string, number> {
  return Object.fromEntries(Object.entries(timings).map(([name, value]) => [name, round(value as number, 1)]));
}

/** Logs in the users of the largest conversations (heavy threads and streams) and random others (light ones). */
async function sampleViewers(node: NodeProcess, dataset: ScaleDataset) {
  const tokens = new Map<number, Viewer>();
  const viewer = async (user: number): Promise<Viewer> => {
    const known = tokens.get(user);
    if (known) return known;
    const session = await expectOk(
      call(`${node.url}/api/auth/session`, 'POST', {
        username: dataset.username(user),
        password: BENCH_PASSWORD,
        deviceName: 'bench-scale',
      }),
      'login',
    );
    const created = { user, token: session.accessToken as string };
    tokens.set(user, created);
    return created;
  };
  const threadViews: ThreadView[] = [];
  const deepViews: ThreadView[] = [];
  for (const conversation of dataset.largestConversations(HEAVY_CONVERSATIONS)) {
    const [first, second] = dataset.participants(conversation);
    threadViews.push({ viewer: await viewer(first), friend: second }, { viewer: await viewer(second), friend: first });
    const size = dataset.conversationSizes[conversation];
    const seqs = dataset.seqsAt(
      conversation,
      DEEP_POSITIONS.map((depth) => Math.floor(size * depth)),
    );
    for (const seq of seqs)
      deepViews.push({ viewer: await viewer(first), friend: second, before: dataset.messageId(seq) });
  }
  const lightViews: ThreadView[] = [];
  // Spread evenly over the users rather than at random: the same users on every run.
  for (let i = 0; i < LIGHT_USERS; i++) {
    const user = Math.floor(((i + 0.5) * dataset.sizes.users) / LIGHT_USERS);
    const conversations = dataset.conversationsOf(user);
    const [first, second] = dataset.participants(conversations[i % conversations.length]);
    lightViews.push({ viewer: await viewer(user), friend: first === user ? second : first });
  }
  // Two heavy latest pages, one deep page, two light pages in every five requests.
  const mixed: ThreadView[] = [];
  for (let i = 0; i < Math.max(threadViews.length, deepViews.length, lightViews.length); i++) {
    mixed.push(
      threadViews[(2 * i) % threadViews.length],
      threadViews[(2 * i + 1) % threadViews.length],
      deepViews[i % deepViews.length],
      lightViews[(2 * i) % lightViews.length],
      lightViews[(2 * i + 1) % lightViews.length],
    );
  }
  return { threadViews: mixed, viewers: [...tokens.values()] };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

/** EXPLAIN ANALYZE of the three SQL shapes: each must use its index and never scan a big table whole. */
async function explainQueries(workload: string, nodeDatabaseUrl: string, dataset: ScaleDataset) {
  const [conversation] = dataset.largestConversations(1);
  const [first] = dataset.participants(conversation);
  const [deepSeq] = dataset.seqsAt(conversation, [Math.floor(dataset.conversationSizes[conversation] / 2)]);
  const client = new Client({ connectionString: nodeDatabaseUrl });
  await client.connect();
  try {
    const primaryKey = async (table: string) =>
      (
        await client.query<{ name: string }>(
          `SELECT conname AS name FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'`,
          [table],
        )
      ).rows[0].name;
    const shapes = [
      {
        query: 'thread page (latest)',
        sql: THREAD_PAGE_SQL.latest.text,
        params: [dataset.conversationKey(conversation), 51],
        expected: ['friend_messages_conversation_idx'],
      },
      {
        query: 'thread page (before, mid-thread)',
        sql: THREAD_PAGE_SQL.before.text,
        params: [dataset.conversationKey(conversation), 51, deepSeq],
        expected: ['friend_messages_conversation_idx'],
      },
      {
        query: 'inbox page',
        sql: INBOX_PAGE_SQL.latest.text,
        params: [dataset.address(first), 51],
        expected: ['conversation_summaries_owner_recent_idx'],
      },
      {
        query: 'sync page',
        sql: SYNC_PAGE.text,
        params: [dataset.address(first), Math.floor(dataset.streamLengths[first] / 2), 101],
        expected: [await primaryKey('sync_events'), await primaryKey('friend_messages')],
      },
    ];
    for (const shape of shapes) {
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${shape.sql}`,
        shape.params,
      );
      const [{ Plan: plan, 'Execution Time': executionMs }] = rows[0]['QUERY PLAN'];
      const nodes = planNodes(plan);
      const indexesUsed = [
        ...new Set(nodes.filter((n) => INDEX_SCANS.includes(n['Node Type'])).map((n) => n['Index Name']!)),
      ];
      const seqScans = nodes
        .filter((n) => n['Node Type'] === 'Seq Scan' && BIG_TABLES.includes(n['Relation Name'] ?? ''))
        .map((n) => n['Relation Name']);
      const usesExpected = shape.expected.every((index) => indexesUsed.includes(index));
      record({
        workload,
        metric: `EXPLAIN ${shape.query}: index scan, no seq scan of a big table`,
        value: round(executionMs, 3),
        unit: 'ms (execution)',
        target: 'index used',
        met: usesExpected && seqScans.length === 0,
        detail: {
          expected: shape.expected,
          indexesUsed,
          seqScans,
          plan: nodes.map((n) => [n['Node Type'], n['Relation Name'], n['Index Name']].filter(Boolean).join(' ')),
        },
      });
    }
  } finally {
    await client.end();
  }
}
