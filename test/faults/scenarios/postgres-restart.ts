import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../../../bench/lib/api';
import { EmbeddedPostgres } from '../../../src/database/embedded-postgres';
import { burstUnderFault, withPair } from '../harness/burst';
import { progress, round1, Scenario, sleep } from '../harness/context';
import { freePort } from '../../support/services';

/** How long PostgreSQL stays down: a restart, as a container's or a minor upgrade's would be. */
const POSTGRES_DOWN_MS = 3000;

/**
 * Node A's database is on a PostgreSQL server of the scenario's own (the `embedded-postgres` package's), which is
 * shut down a third into the burst (fast shutdown: connections cut, open transactions rolled back) and started again
 * 3 s later. Meanwhile A should answer 503 (its clients and its peer retry), and afterwards recover by itself.
 */
export const postgresRestart: Scenario = {
  name: 'postgres-restart',
  inShortRun: false,
  run: async (context) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mylife-faults-postgres-'));
    const postgres = new EmbeddedPostgres(dataDir, await freePort());
    const serverUrl = (await postgres.start()).replace(/\/mylife$/, '/postgres');
    try {
      return await withPair(context, 'postgres-restart', { a: { databaseServer: serverUrl } }, (pair) =>
        burstUnderFault(context, pair, async (traffic) => {
          await traffic.reached(0.3, context.messages);
          progress('postgres-restart', "A's PostgreSQL stopped");
          await postgres.stop();
          const healthWhileDown = await healthAnswers(pair.nodeA.url, POSTGRES_DOWN_MS);
          await postgres.start();
          const healthyAfterSeconds = round1((await untilHealthy(pair.nodeA.url)) / 1000);
          progress('postgres-restart', `PostgreSQL started again; A healthy ${healthyAfterSeconds} s later`);
          return { healthWhileDown, healthyAfterSeconds };
        }),
      );
    } finally {
      await postgres.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

/** What a node's /health answers, by status, asked every 200 ms for `ms`. */
async function healthAnswers(url: string, ms: number): Promise<Record<string, number>> {
  const answers: Record<string, number> = {};
  for (const until = Date.now() + ms; Date.now() < until; await sleep(200)) {
    const status = await healthStatus(url);
    answers[status] = (answers[status] ?? 0) + 1;
  }
  return answers;
}

/** Resolves once the node's /health answers 200 (60 s at most); answers the ms that took. */
async function untilHealthy(url: string): Promise<number> {
  const started = Date.now();
  while ((await healthStatus(url)) !== 200 && Date.now() - started < 60_000) await sleep(100);
  return Date.now() - started;
}

const healthStatus = (url: string) =>
  call(`${url}/health`, 'GET')
    .then((answer) => answer.status)
    .catch((error: { code?: string }) => error.code ?? 'error');
