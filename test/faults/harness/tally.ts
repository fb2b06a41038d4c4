import { NodeProcess } from '../../../bench/lib/node-process';
import { queryDatabase } from '../../support/services';
import { progress, round1, sleep } from './context';
import { Traffic } from './traffic';

interface StoredCopies {
  from_user_id: string;
  client_message_id: string;
  copies: number;
}

interface OutboxCount {
  kind: string;
  status: string;
  rows: number;
}

/** What one node holds: the messages it stored from the other node, and its outbox by kind and status. */
async function snapshot(node: NodeProcess, peer: NodeProcess) {
  const stored = await queryDatabase<StoredCopies>(
    node.databaseUrl,
    `SELECT from_user_id, client_message_id, count(*)::int AS copies FROM friend_messages
      WHERE from_user_id LIKE $1 GROUP BY 1, 2`,
    [`%@${peer.env.MYLIFE_FEDERATION_SERVER}`],
  );
  const outbox = await queryDatabase<OutboxCount>(
    node.databaseUrl,
    'SELECT kind, status, count(*)::int AS rows FROM federation_message_outbox GROUP BY 1, 2 ORDER BY 1, 2',
  );
  // Why the rows that did not end well are where they are: the most common last errors.
  const lastErrors = await queryDatabase<{ error: string; rows: number }>(
    node.databaseUrl,
    `SELECT left(coalesce(last_error, '(none)'), 160) AS error, count(*)::int AS rows FROM federation_message_outbox
      WHERE CASE WHEN kind = 'message' THEN status <> 'acked' ELSE status IN ('pending', 'failed') END
      GROUP BY 1 ORDER BY 2 DESC LIMIT 3`,
  );
  return { stored, outbox, lastErrors };
}

type Snapshot = Awaited<ReturnType<typeof snapshot>>;

const pendingRows = (s: Snapshot) =>
  s.outbox.filter((row) => row.status === 'pending').reduce((n, row) => n + row.rows, 0);
const fingerprint = (a: Snapshot, b: Snapshot) =>
  JSON.stringify([a.stored.length, a.outbox, b.stored.length, b.outbox]);

/**
 * Waits for quiet: no pending outbox row on either node, and nothing changed for `stableMs` (messages stored,
 * outbox states). A database that does not answer (being restarted) counts as not quiet. Gives up after
 * `timeoutMs`; answers whether it got there, when things last changed, and the longest time that rows were pending
 * while no message was stored on either side (a stall).
 */
export async function untilQuiet(
  scenario: string,
  a: NodeProcess,
  b: NodeProcess,
  { timeoutMs = 600_000, stableMs = 5000 } = {},
): Promise<{ reached: boolean; at: number; longestStallSeconds: number }> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let sameSince = Date.now();
  let [storedBefore, storedSince, longestStall] = [-1, Date.now(), 0];
  let reported = 0;
  const answer = (reached: boolean, at: number) => ({ reached, at, longestStallSeconds: round1(longestStall / 1000) });
  while (Date.now() < deadline) {
    try {
      const [onA, onB] = [await snapshot(a, b), await snapshot(b, a)];
      const now = fingerprint(onA, onB);
      if (now !== last) [last, sameSince] = [now, Date.now()];
      const pending = pendingRows(onA) + pendingRows(onB);
      const stored = onA.stored.length + onB.stored.length;
      if (stored !== storedBefore || pending === 0) [storedBefore, storedSince] = [stored, Date.now()];
      longestStall = Math.max(longestStall, Date.now() - storedSince);
      if (pending === 0 && Date.now() - sameSince >= stableMs) return answer(true, sameSince);
      if (Date.now() - reported > 15_000) {
        progress(
          scenario,
          `waiting for quiet: ${pending} pending outbox rows, stored A ${onA.stored.length} B ${onB.stored.length}`,
        );
        reported = Date.now();
      }
    } catch {
      sameSince = Date.now();
    }
    await sleep(500);
  }
  return answer(false, Date.now());
}

/** Counts, from both databases, what happened to every message the traffic had accepted. */
export async function tally(a: NodeProcess, b: NodeProcess, traffic: Traffic) {
  const [onA, onB] = [await snapshot(a, b), await snapshot(b, a)];
  const stored = [...onA.stored, ...onB.stored];
  const storedIds = new Set(stored.map((row) => `${row.from_user_id} ${row.client_message_id}`));
  const lostExamples: string[] = [];
  let lost = 0;
  for (const [sender, ids] of traffic.accepted) {
    for (const id of ids) {
      if (storedIds.has(`${sender} ${id}`)) continue;
      lost++;
      if (lostExamples.length < 5) lostExamples.push(`${sender} ${id}`);
    }
  }
  const notAckedRows = [...onA.outbox, ...onB.outbox].filter((row) =>
    row.kind === 'message' ? row.status !== 'acked' : row.status === 'pending' || row.status === 'failed',
  );
  const byKindAndStatus = (rows: OutboxCount[]) =>
    Object.fromEntries(rows.map((row) => [`${row.kind}:${row.status}`, row.rows]));
  return {
    sent: traffic.sent,
    delivered: stored.reduce((n, row) => n + row.copies, 0),
    lost,
    duplicated: stored.reduce((n, row) => n + row.copies - 1, 0),
    notAcked: notAckedRows.reduce((n, row) => n + row.rows, 0),
    outbox: { a: byKindAndStatus(onA.outbox), b: byKindAndStatus(onB.outbox) },
    ...(onA.lastErrors.length + onB.lastErrors.length > 0
      ? { lastErrors: { a: onA.lastErrors, b: onB.lastErrors } }
      : {}),
    ...(lostExamples.length > 0 ? { lostExamples } : {}),
    ...(traffic.refused.length > 0
      ? { refused: traffic.refused.length, refusedExamples: traffic.refused.slice(0, 5) }
      : {}),
    ...(Object.keys(traffic.failedAnswers).length > 0 ? { clientRetries: traffic.failedAnswers } : {}),
  };
}
