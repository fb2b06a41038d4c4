import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FaultContext, progress, Scenario, Summary } from './harness/context';
import { clockSkewScenarios } from './scenarios/clock-skew';
import { killEachSide, killOneOfTwoWorkers } from './scenarios/kill-node';
import { peerDown } from './scenarios/peer-down';
import { postgresRestart } from './scenarios/postgres-restart';
import { rateLimitedPeer } from './scenarios/rate-limited-peer';
import { redisKeysDeleted, redisRestart } from './scenarios/redis';
import { soak } from './scenarios/soak';

/** In the order. The soak runs only when named (`--only soak`). */
const SCENARIOS: Scenario[] = [
  killEachSide,
  killOneOfTwoWorkers,
  redisRestart,
  redisKeysDeleted,
  postgresRestart,
  peerDown,
  rateLimitedPeer,
  ...clockSkewScenarios,
  soak,
];

const USAGE = `npm run test:faults -- [--messages N] [--only name,name] [--short] [--soak-minutes M]
scenarios: ${SCENARIOS.map((scenario) => scenario.name).join(', ')}`;

/** A scenario failed when a message was lost or stored twice, an outbox row did not end well, or B got one twice. */
const failed = (summary: Summary) =>
  summary.lost > 0 || summary.duplicated > 0 || summary.notAcked > 0 || Number(summary.forwardedTwice ?? 0) > 0;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string' },
      only: { type: 'string' },
      short: { type: 'boolean', default: false },
      'soak-minutes': { type: 'string', default: '30' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.error(USAGE);
    return 0;
  }
  const only = values.only?.split(',').map((name) => name.trim());
  const unknown = only?.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}\n${USAGE}`);
  const selected = SCENARIOS.filter((scenario) =>
    only ? only.includes(scenario.name) : scenario.name !== 'soak' && (!values.short || scenario.inShortRun),
  );
  const logDir = join(tmpdir(), `mylife-faults-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(logDir, { recursive: true });
  const context: FaultContext = {
    root: resolve(__dirname, '..', '..', '..'),
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    messages: Number(values.messages ?? (values.short ? 1000 : 10_000)),
    short: values.short,
    soakMinutes: Number(values['soak-minutes']),
    logDir,
  };
  progress('suite', `${selected.map((scenario) => scenario.name).join(', ')}; node logs in ${logDir}`);
  let failures = 0;
  for (const scenario of selected) {
    const started = Date.now();
    try {
      const summary = await scenario.run(context);
      console.log(JSON.stringify(summary));
      if (failed(summary)) failures++;
    } catch (error) {
      failures++;
      console.log(
        JSON.stringify({ scenario: scenario.name, error: String(error instanceof Error ? error.stack : error) }),
      );
    }
    progress(scenario.name, `done in ${Math.round((Date.now() - started) / 1000)} s (setup included)`);
  }
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
