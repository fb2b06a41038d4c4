import { resolve } from 'node:path';
import { befriend, createUser } from './lib/api';
import { NodeProcess } from './lib/node-process';
import { record, writeResults } from './lib/report';
import { BENCH_PASSWORD, freshClientSync } from './workloads/fresh-client-sync';
import { burstOfPosts, burstThroughClientOutbox, lowLoadLatency, outageDrain, Pair } from './workloads/federated';
import { scaleWorkload } from './workloads/scale';
import { ScaleSizes } from './lib/scale-dataset';

const ROOT = resolve(__dirname, '..', '..');

interface Sizes {
  burst: number;
  latency: number;
  outage: number;
  scale: ScaleSizes;
}

const SIZES: Record<'quick' | 'full', Sizes> = {
  quick: { burst: 1000, latency: 50, outage: 200, scale: { users: 10_000, messages: 200_000 } },
  full: { burst: 5000, latency: 200, outage: 1000, scale: { users: 100_000, messages: 10_000_000 } },
};

async function main(): Promise<void> {
  const mode = process.argv.includes('--quick') ? 'quick' : 'full';
  // --scale-only runs just the Scale workload (minutes at full size) and leaves BENCHMARKS.md as it is.
  const scaleOnly = process.argv.includes('--scale-only');
  // --federation-only runs the two-node workloads (W1–W4) without Scale, to compare two commits one after the other;
  // it too leaves BENCHMARKS.md as it is.
  const federationOnly = process.argv.includes('--federation-only');
  const sizes = SIZES[mode];
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const started = Date.now();
  if (!scaleOnly) await federatedWorkloads(sizes, databaseUrl, redisUrl);
  // After the two nodes above are gone: the scale node has the machine to itself.
  if (!federationOnly) await scaleWorkload(ROOT, databaseUrl, redisUrl, sizes.scale);
  writeResults(ROOT, mode, { updateTable: !scaleOnly && !federationOnly });
  console.log(`bench ${mode} finished in ${Math.round((Date.now() - started) / 1000)} s`);
}

async function federatedWorkloads(sizes: Sizes, databaseUrl: string, redisUrl: string): Promise<void> {
  const nodeA = await NodeProcess.create(ROOT, 'a', databaseUrl, redisUrl);
  const nodeB = await NodeProcess.create(ROOT, 'b', databaseUrl, redisUrl);
  try {
    const [bootA, bootB] = [await nodeA.start(), await nodeB.start()];
    record({
      workload: 'Boot',
      metric: 'start to /health 200 (migrations included)',
      value: Math.max(bootA, bootB),
      unit: 'ms',
      target: '—',
      met: true,
    });
    const pair: Pair = { nodeA, nodeB, alice: await createUser(nodeA, 'alice'), bob: await createUser(nodeB, 'bob') };
    await befriend(pair.alice, pair.bob);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const [name, node] of [
      ['A', nodeA],
      ['B', nodeB],
    ] as const) {
      const { rssMb, privateMb } = node.memory();
      record({
        workload: 'Memory',
        metric: `node ${name} RSS idle`,
        value: rssMb,
        unit: 'MB',
        target: '≤ 100',
        met: rssMb <= 100,
        detail: { privateMb },
      });
    }
    await burstOfPosts(pair, sizes.burst);
    await freshClientSync(ROOT, pair.bob, pair.alice.address, sizes.burst);
    await burstThroughClientOutbox(ROOT, pair, sizes.burst, BENCH_PASSWORD);
    await lowLoadLatency(pair, sizes.latency);
    await outageDrain(pair, sizes.outage);
  } finally {
    await nodeA.destroy(databaseUrl);
    await nodeB.destroy(databaseUrl);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
