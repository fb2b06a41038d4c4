import { join } from 'node:path';
import { openEventStream } from '../../test/support/sse';
import { befriend, BenchUser, call, createUser, SyncFollower, waitFor } from '../lib/api';
import { NodeProcess } from '../lib/node-process';
import { record } from '../lib/report';
import { round, summarize } from '../lib/stats';

export interface Pair {
  nodeA: NodeProcess;
  nodeB: NodeProcess;
  alice: BenchUser;
  bob: BenchUser;
}

/** Sends `count` single POSTs from alice to bob with at most `inFlight` at once. */
async function postMessages(pair: Pair, count: number, inFlight: number, tag: string): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const response = await call(
        `${pair.nodeA.url}/api/messages`,
        'POST',
        { toUserId: pair.bob.address, content: `${tag} ${i}`, clientMessageId: `${tag}-${i}` },
        pair.alice.token,
      );
      if (response.status !== 201) throw new Error(`send ${i}: ${response.status} ${JSON.stringify(response.body)}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

/** Waits until bob's sync on B holds every message of `tag`, each once. */
async function untilAllInSync(follower: SyncFollower, tag: string, count: number, timeoutMs: number) {
  await waitFor(
    async () => (await follower.pullAll(tag)) >= count,
    timeoutMs,
    `${count} ${tag} messages in bob's sync`,
  );
  const duplicated = [...follower.seen.values()].filter((copies) => copies > 1).length;
  return { duplicated };
}

/** Messages sent (and delivered) before W1a's measured burst, so that it measures a running node, not a cold one. */
const WARM_UP_MESSAGES = 1000;

/**
 * W1 (a): a burst of single POSTs on A, until all are in bob's sync on B. A warm-up burst goes first, uncounted: the
 * nodes run right after boot, and their first requests pay for the JIT and for preparing each pooled connection's
 * statements, which a node that has been up for a while has long paid. It goes between two other users, so that
 * alice's and bob's streams hold only the measured messages (W3 syncs bob's whole stream).
 */
export async function burstOfPosts(pair: Pair, count: number): Promise<void> {
  const warmUp = Math.min(WARM_UP_MESSAGES, count);
  const warmUpPair: Pair = {
    ...pair,
    alice: await createUser(pair.nodeA, 'warm-up-sender'),
    bob: await createUser(pair.nodeB, 'warm-up-recipient'),
  };
  await befriend(warmUpPair.alice, warmUpPair.bob);
  const warmUpFollower = new SyncFollower(warmUpPair.bob);
  await postMessages(warmUpPair, warmUp, 100, 'warm-up');
  await untilAllInSync(warmUpFollower, 'warm-up', warmUp, 120_000);
  const follower = new SyncFollower(pair.bob);
  await follower.skipToEnd();
  pair.nodeA.resetPeak();
  pair.nodeB.resetPeak();
  const started = performance.now();
  const sending = postMessages(pair, count, 100, 'w1a');
  const { duplicated } = await untilAllInSync(follower, 'w1a', count, 120_000);
  await sending;
  const seconds = (performance.now() - started) / 1000;
  record({
    workload: 'W1a federated burst (single POSTs)',
    metric: 'throughput',
    value: round(count / seconds, 0),
    unit: 'msg/s',
    target: '≥ 2000',
    met: count / seconds >= 2000,
    detail: { messages: count, seconds: round(seconds), duplicated, warmUpMessages: warmUp },
  });
  for (const [name, node] of [
    ['A', pair.nodeA],
    ['B', pair.nodeB],
  ] as const) {
    const { peakRssMb } = node.memory();
    record({
      workload: 'Memory',
      metric: `node ${name} peak RSS during W1`,
      value: peakRssMb,
      unit: 'MB',
      target: '≤ 200',
      met: peakRssMb <= 200,
    });
  }
}

/** W2: one message at a time, from the POST on A until bob's SSE stream on B delivers it. */
export async function lowLoadLatency(pair: Pair, count: number): Promise<void> {
  const stream = await openEventStream(`${pair.nodeB.url}/api/events?since=${await endCursor(pair.bob)}`, {
    Authorization: `Bearer ${pair.bob.token}`,
  });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const clientMessageId = `w2-${i}-${Date.now()}`;
      const started = performance.now();
      const response = await call(
        `${pair.nodeA.url}/api/messages`,
        'POST',
        { toUserId: pair.bob.address, content: `w2 ${i}`, clientMessageId },
        pair.alice.token,
      );
      if (response.status !== 201) throw new Error(`w2 send: ${response.status}`);
      await stream.waitFor((events) => events.some((event) => event.data.clientMessageId === clientMessageId), 10_000);
      latencies.push(performance.now() - started);
    }
  } finally {
    stream.close();
  }
  const summary = summarize(latencies);
  record({
    workload: 'W2 low-load latency (POST on A → SSE on B)',
    metric: 'p50',
    value: summary.p50,
    unit: 'ms',
    target: '≤ 3',
    met: summary.p50 <= 3,
    detail: summary,
  });
  record({
    workload: 'W2 low-load latency (POST on A → SSE on B)',
    metric: 'p95',
    value: summary.p95,
    unit: 'ms',
    target: '—',
    met: true,
  });
  record({
    workload: 'W2 low-load latency (POST on A → SSE on B)',
    metric: 'p99',
    value: summary.p99,
    unit: 'ms',
    target: '≤ 8',
    met: summary.p99 <= 8,
  });
}

async function endCursor(user: BenchUser): Promise<string> {
  const follower = new SyncFollower(user);
  await follower.skipToEnd();
  return follower.cursor!;
}

/** W4: B stopped, messages sent on A, B restarted: from B's /health answering until all are delivered. */
export async function outageDrain(pair: Pair, count: number): Promise<void> {
  const follower = new SyncFollower(pair.bob);
  await follower.skipToEnd();
  await pair.nodeB.stop();
  await postMessages(pair, count, 50, 'w4');
  await pair.nodeB.start();
  const healthyAt = performance.now();
  const { duplicated } = await untilAllInSync(follower, 'w4', count, 120_000);
  const seconds = (performance.now() - healthyAt) / 1000;
  const lost = count - follower.seen.size;
  record({
    workload: 'W4 outage drain',
    metric: `time to deliver ${count} after B is healthy`,
    value: round(seconds),
    unit: 's',
    target: '≤ 5',
    met: seconds <= 5 && lost === 0 && duplicated === 0,
    detail: { lost, duplicated },
  });
  record({
    workload: 'W4 outage drain',
    metric: 'lost / duplicated',
    value: lost + duplicated,
    unit: `(lost ${lost}, duplicated ${duplicated})`,
    target: '0',
    met: lost + duplicated === 0,
  });
}

/**
 * W1 (b): the client library queues the burst locally and flushes its outbox in batches, until all are in bob's sync on
 * B. It runs between two users of its own whose devices have published no keys: by then W3 has logged bob in with the
 * client library, which publishes his keys, and alice's client would encrypt every message (MLS), a cost of the client
 * that `npm run bench:e2ee` measures on its own. Here it is the path through both servers that is timed.
 */
export async function burstThroughClientOutbox(
  root: string,
  nodes: Pick<Pair, 'nodeA' | 'nodeB'>,
  count: number,
  password: string,
): Promise<void> {
  const load = new Function('path', 'return import(path)') as (path: string) => Promise<any>;
  const { benchmarkOutboxFlush } = await load(join(root, 'client', 'dist', 'bench', 'flush-benchmark.js'));
  const sender = await createUser(nodes.nodeA, 'w1b-sender');
  const recipient = await createUser(nodes.nodeB, 'w1b-recipient');
  await befriend(sender, recipient);
  const follower = new SyncFollower(recipient);
  await follower.skipToEnd();
  const started = performance.now();
  const result = await benchmarkOutboxFlush({
    serverUrl: nodes.nodeA.url,
    username: sender.username,
    password,
    peer: recipient.address,
    count,
    content: (index: number) => `w1b ${index}`,
  });
  if (result.sent !== count) throw new Error(`W1b: only ${result.sent} of ${count} sent: ${result.firstError}`);
  const { duplicated } = await untilAllInSync(follower, 'w1b', count, 120_000);
  const seconds = (performance.now() - started) / 1000;
  record({
    workload: 'W1b federated burst (client outbox, batched)',
    metric: 'throughput',
    value: round(count / seconds, 0),
    unit: 'msg/s',
    target: '≥ 6000',
    met: count / seconds >= 6000,
    detail: {
      messages: count,
      seconds: round(seconds),
      queueMs: round(result.queueMs),
      flushMs: round(result.flushMs),
      batchRequests: result.batchRequests,
      duplicated,
    },
  });
}
