import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PlainPeer } from '../../test/support/plain-peer';
import { requestArb, FuzzRequest, OpenApiDocument } from './fuzz-requests';
import { Answer, describeExchange, FuzzWorld, problemWith } from './fuzz-world';
import { BENCH_ADMIN_TOKEN, NodeProcess } from './node-process';

export interface FuzzOptions {
  /** How many generated requests to send (10,000). */
  requests?: number;
  /** fast-check's seed: the same seed sends the same requests. Random when left out. */
  seed?: number;
  /** Requests in flight at once (4). */
  concurrency?: number;
  /** The repository whose `npm start` runs the node (this one). */
  root?: string;
  databaseUrl?: string;
  redisUrl?: string | null;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

export interface FuzzSummary {
  scenario: 'fuzz';
  requests: number;
  by_status: Record<string, number>;
  five_xx: number;
  /** 4xx answers without a JSON body with a message. */
  bad_error_bodies: number;
  /** Requests that got no answer at all (connection closed or timed out). */
  no_answer: number;
  rss_start_mb: number;
  rss_peak_mb: number;
  rss_end_mb: number;
  seconds: number;
  seed: number;
  /** The node still ran and its /health answered 200 after the last request. */
  healthy_after: boolean;
  /** The first problems found, each as the request and its answer. */
  failures: string[];
}

/** The repository: the nearest directory above this file with openapi.json (from bench/lib or dist/bench/lib). */
function repositoryRoot(from = __dirname): string {
  return existsSync(join(from, 'openapi.json')) || dirname(from) === from ? from : repositoryRoot(dirname(from));
}
const PEER_KEY = 'fuzz-peer-shared-key-0123456789';
/** Requests generated at a time: the generated bodies of 10,000 requests at once would be hundreds of MB. */
const CHUNK = 500;
const MAX_FAILURES_KEPT = 50;

export function loadOpenApi(root = repositoryRoot()): OpenApiDocument {
  return JSON.parse(readFileSync(join(root, 'openapi.json'), 'utf8')) as OpenApiDocument;
}

/**
 * The fuzz of issue 17: `requests` requests generated from openapi.json against a node run as its own process
 * (`npm start`'s command), with a plain peer beside it for the signed inbox. Every answer must be below 500 (a 4xx
 * with a JSON message), and the node must still answer /health at the end; its RSS is sampled all along.
 */
export async function runFuzz(options: FuzzOptions = {}): Promise<FuzzSummary> {
  const requests = options.requests ?? 10_000;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const concurrency = options.concurrency ?? 4;
  const root = options.root ?? repositoryRoot();
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl =
    options.redisUrl === undefined ? (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379') : options.redisUrl;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const document = loadOpenApi(root);

  const peer = new PlainPeer(PEER_KEY);
  await peer.start();
  const node = await NodeProcess.create(root, 'fuzz', databaseUrl, redisUrl, {
    MYLIFE_FEDERATION_SHARED_KEYS: `${peer.name}=${PEER_KEY}`,
    MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR: '100000',
  });
  let world: FuzzWorld | null = null;
  try {
    await node.start();
    world = await FuzzWorld.prepare(
      { url: node.url, adminToken: BENCH_ADMIN_TOKEN, peer: { server: peer.name, key: PEER_KEY } },
      concurrency,
    );
    const rssStart = node.memory().rssMb;
    node.resetPeak();
    let rssPeak = rssStart;
    let nodeGone = false;
    const sampler = setInterval(() => {
      try {
        rssPeak = Math.max(rssPeak, node.memory().rssMb);
      } catch {
        nodeGone = true;
      }
    }, 200);
    const started = Date.now();
    const tally = await sendAll(world, document, requests, seed, concurrency, log, () => nodeGone);
    clearInterval(sampler);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    let healthy = false;
    let rssEnd = 0;
    try {
      const health = await fetch(`${node.url}/health`);
      healthy = health.status === 200;
      const memory = node.memory();
      rssEnd = memory.rssMb;
      rssPeak = Math.max(rssPeak, memory.peakRssMb, rssEnd);
    } catch (error) {
      tally.failures.push(`the node did not answer /health after the run: ${(error as Error).message}`);
    }
    return {
      scenario: 'fuzz',
      requests: tally.sent,
      by_status: tally.byStatus,
      five_xx: tally.fiveXx,
      bad_error_bodies: tally.badErrorBodies,
      no_answer: tally.noAnswer,
      rss_start_mb: rssStart,
      rss_peak_mb: rssPeak,
      rss_end_mb: rssEnd,
      seconds,
      seed,
      healthy_after: healthy,
      failures: tally.failures,
    };
  } finally {
    await world?.close();
    await node.destroy(databaseUrl);
    await peer.stop();
  }
}

interface Tally {
  sent: number;
  byStatus: Record<string, number>;
  fiveXx: number;
  badErrorBodies: number;
  noAnswer: number;
  failures: string[];
  /** Answers by operation and status class (`2xx`…): what the requests reached. */
  byOperation: Record<string, Record<string, number>>;
}

/** Every request of the seed's stream, `concurrency` at a time, the world's friendships restored between chunks. */
async function sendAll(
  world: FuzzWorld,
  document: OpenApiDocument,
  requests: number,
  seed: number,
  concurrency: number,
  log: (line: string) => void,
  nodeGone: () => boolean,
): Promise<Tally> {
  const tally: Tally = {
    sent: 0,
    byStatus: {},
    fiveXx: 0,
    badErrorBodies: 0,
    noAnswer: 0,
    failures: [],
    byOperation: {},
  };
  const arbitrary = requestArb(document);
  for (let chunk = 0; tally.sent < requests && !nodeGone(); chunk++) {
    const batch = fc.sample(arbitrary, {
      seed: (seed + chunk * 7919) | 0,
      numRuns: Math.min(CHUNK, requests - tally.sent),
    });
    await inParallel(batch, concurrency, async (request) => {
      const started = Date.now();
      const answer = await world.send(request);
      const ms = Date.now() - started;
      if (process.env.FUZZ_SLOW && ms > Number(process.env.FUZZ_SLOW))
        log(`slow ${ms} ms: ${describeExchange(request, answer).slice(0, 300)}`);
      record(tally, request, answer);
    });
    // Held to the same rule, but not counted among the generated requests.
    for (const [request, answer] of await world.maintain()) record(tally, request, answer, false);
    log(`fuzz: ${tally.sent}/${requests} requests, ${tally.fiveXx} 5xx, ${tally.badErrorBodies} bad error bodies`);
  }
  for (const [operation, classes] of Object.entries(tally.byOperation).sort()) {
    log(`fuzz: ${operation.padEnd(48)} ${JSON.stringify(classes)}`);
  }
  return tally;
}

function record(tally: Tally, request: FuzzRequest, answer: Answer, generated = true): void {
  if (generated) {
    tally.sent++;
    const key = String(answer.status);
    tally.byStatus[key] = (tally.byStatus[key] ?? 0) + 1;
    const classes = (tally.byOperation[request.operation] ??= {});
    classes[`${key[0]}xx`] = (classes[`${key[0]}xx`] ?? 0) + 1;
  }
  const problem = problemWith(answer);
  if (!problem) return;
  if (answer.status >= 500) tally.fiveXx++;
  else if (answer.status === 0) tally.noAnswer++;
  else tally.badErrorBodies++;
  if (tally.failures.length < MAX_FAILURES_KEPT)
    tally.failures.push(`${problem}: ${describeExchange(request, answer)}`);
}

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}
