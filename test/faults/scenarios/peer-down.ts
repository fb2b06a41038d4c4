import { NodeProcess } from '../../../bench/lib/node-process';
import { finish, withPair, burstSeconds } from '../harness/burst';
import { FaultContext, progress, round1, Scenario, sleep } from '../harness/context';
import { queryDatabase } from '../../support/services';
import { Readers, Traffic } from '../harness/traffic';

/** The 5 minutes; a CI-sized run makes do with 30 s, which still outlasts several backoffs. */
const outageMs = (context: FaultContext) => (context.short ? 30_000 : 300_000);

/** Shortened from the defaults (1 s, 5 min), so that the outage spans many backoffs without lasting an hour. */
const SHORTENED_BACKOFF = { MYLIFE_FEDERATION_BACKOFF_BASE_MS: '1000', MYLIFE_FEDERATION_BACKOFF_MAX_MS: '30000' };

/** The target: a peer that comes back has its backlog delivered within 5 s. */
const DRAIN_TARGET_SECONDS = 5;

/**
 * Node B is stopped; A's users send their half to B while it is down; after the outage B starts again and its users
 * send their half to A at once. Measured: the seconds from B answering /health until every message A's users sent
 * during the outage is stored on B.
 */
export const peerDown: Scenario = {
  name: 'peer-down',
  inShortRun: true,
  run: (context) =>
    withPair(context, 'peer-down', { a: { env: SHORTENED_BACKOFF }, b: { env: SHORTENED_BACKOFF } }, async (pair) => {
      const traffic = new Traffic('peer-down');
      const readers = new Readers([...pair.usersA, ...pair.usersB]);
      const half = Math.floor(context.messages / 2);
      const perSecond = context.messages / burstSeconds(context);
      const started = Date.now();
      progress('peer-down', `B stopped for ${outageMs(context) / 1000} s; A sends ${half} to B meanwhile`);
      // Its users' devices are syncing: a node that waits for their keep-alive connections ends only by SIGKILL.
      const stoppedByItself = await pair.nodeB.stop();
      if (!stoppedByItself) progress('peer-down', 'B did not end within 10 s of SIGTERM: killed');
      await traffic.send(pair.conversations('a'), half, perSecond);
      await sleep(started + outageMs(context) - Date.now());
      const backlog = traffic.sent;
      await pair.nodeB.start();
      const atReturn = await deliveryStateOf(pair.nodeA, pair.nodeB);
      progress(
        'peer-down',
        `B is back (A's state for it: ${JSON.stringify(atReturn)}); its users send their half to A`,
      );
      const sendingFromB = traffic.send(pair.conversations('b'), context.messages - half, perSecond);
      const drainSeconds = round1((await untilStored(pair.nodeB, pair.nodeA, backlog, 120_000)) / 1000);
      progress('peer-down', `A's backlog stored on B ${drainSeconds} s after B was back`);
      await sendingFromB;
      return finish(pair, traffic, readers, started, {
        details: {
          outageSeconds: outageMs(context) / 1000,
          drainSeconds,
          drainedInTime: drainSeconds <= DRAIN_TARGET_SECONDS,
          stoppedByItself,
          atReturn,
        },
      });
    }),
};

/** Resolves once `node` stored `count` messages from `peer` (or `timeoutMs` passed); answers the ms that took. */
async function untilStored(node: NodeProcess, peer: NodeProcess, count: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const [{ stored }] = await queryDatabase<{ stored: number }>(
      node.databaseUrl,
      'SELECT count(*)::int AS stored FROM friend_messages WHERE from_user_id LIKE $1',
      [`%@${peer.env.MYLIFE_FEDERATION_SERVER}`],
    );
    if (stored >= count || Date.now() - started > timeoutMs) return Date.now() - started;
    await sleep(100);
  }
}

/**
 * How `node` saw `peer` when it came back: its destination state (failures in a row, seconds until it would knock
 * again) and the attempts its outbox rows for the peer had spent.
 */
async function deliveryStateOf(node: NodeProcess, peer: NodeProcess) {
  const server = peer.env.MYLIFE_FEDERATION_SERVER;
  const [destination] = await queryDatabase<{ failures: number; retry_in: number | null; last_error: string | null }>(
    node.databaseUrl,
    `SELECT consecutive_failures AS failures, extract(epoch FROM retry_at - now())::float AS retry_in, last_error
       FROM federation_destinations WHERE server = $1`,
    [server],
  );
  const [rows] = await queryDatabase<{ max_attempts: number; failed: number }>(
    node.databaseUrl,
    `SELECT coalesce(max(attempts), 0)::int AS max_attempts, count(*) FILTER (WHERE status = 'failed')::int AS failed
       FROM federation_message_outbox WHERE recipient_server = $1 AND kind = 'message'`,
    [server],
  );
  return {
    consecutiveFailures: destination?.failures ?? 0,
    retryInSeconds: destination?.retry_in === null || !destination ? null : round1(destination.retry_in),
    lastError: destination?.last_error ?? null,
    maxAttemptsSpent: rows.max_attempts,
    failedRows: rows.failed,
  };
}
