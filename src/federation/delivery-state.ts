/**
 * The delivery state machine: what one request's outcome makes of the outbox rows it carried and of the destination's
 * job. Pure (no I/O, time and randomness passed in), so that every outcome has a unit test (delivery-state.spec.ts).
 */

/** The settings the machine reads (MYLIFE_FEDERATION_*). */
export interface DeliveryPolicy {
  backoffBaseMs: number;
  backoffMaxMs: number;
  giveUpAfterMs: number;
}

/** A row as the machine sees it. */
export interface RowInFlight {
  id: string;
  attempts: number;
  /** Since when it waits (creation, or an operator's retry): the give-up age counts from here. */
  waitingSince: Date;
}

/**
 * How one request ended. `answered`: the peer answered `status` (for a batch, `rowStatus` has each message's own code
 * when the answer carried it). `unreachable`: no answer (connection refused, timeout, DNS failure, reset).
 * `forbidden`: this node may never send there (deny list, no key to sign with): a permanent refusal of our own.
 */
export type RequestOutcome =
  | {
      kind: 'answered';
      status: number;
      reason: string;
      retryAfterMs: number | null;
      /** A peer with federated invites refuses a non-friend for good; one without (a plain node) may not know yet. */
      peerTakesInvites: boolean;
      rowStatus?: Map<string, { status: number; reason: string } | undefined>;
    }
  | { kind: 'unreachable'; error: string }
  | { kind: 'forbidden'; error: string };

/** A row's state after the request, as it is written back. */
export interface RowUpdate {
  status: 'sent' | 'failed' | 'pending';
  /** Requests that carried the row to a peer that judged it; a request the peer asked us to repeat later is not one. */
  attempts: number;
  lastError: string | null;
  lastHttpStatus: number | null;
  /** The row alone waits until then (a friendship not recorded yet, its own retry); null: due with its destination. */
  heldUntil: Date | null;
  /** Held for want of a friendship: a message from the recipient releases it (OutboxService.releaseWaitingFor). */
  heldForFriendship: boolean;
}

/**
 * What the destination's job does next: `continue` draining; `retry` after `delayMs` (the destination failed: a BullMQ
 * attempt is spent and the backoff grows); `wait` until `until` without spending one (the peer asked us to).
 */
export type NextStep =
  | { kind: 'continue' }
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'wait'; until: Date; error: string };

export interface Decision {
  rows: Map<string, RowUpdate>;
  next: NextStep;
  /** The destination's consecutive failures after this request (0 after any answer that took a delivery). */
  failures: number;
}

/** The shortest wait of a message a plain peer refused (403) before its operator recorded the friendship. */
export const FRIENDSHIP_WAIT_MIN_MS = 60 * 60 * 1000;

/** 401 (keys may have rotated), 408 and 429 are worth retrying; any other 4xx will never succeed. */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 408, 429].includes(status);
}

/** The n-th consecutive failure's wait: base·2^(n-1), capped, with ±25 % jitter so that peers do not retry in step. */
export function backoffMs(failures: number, policy: DeliveryPolicy, random: number): number {
  const capped = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(capped * (0.75 + random * 0.5));
}

/** The last error of a row that waited `waitedMs` without being delivered, and fails for good. */
export function gaveUpAfterWaiting(waitedMs: number, reason: string | null): string {
  const units: [number, string][] = [
    [86_400_000, 'days'],
    [3_600_000, 'hours'],
    [60_000, 'minutes'],
    [1000, 'seconds'],
  ];
  const [size, name] = units.find(([unitMs]) => waitedMs >= 2 * unitMs) ?? units[3];
  return `gave up after ${Math.round(waitedMs / size)} ${name} of waiting: ${reason ?? 'never delivered'}`;
}

type RowVerdict =
  | { kind: 'sent' }
  | { kind: 'refused' }
  /** Not taken, for a reason that spends an attempt (the row is tried again). */
  | { kind: 'retry' }
  /** The peer asked us to come back later: no attempt spent. */
  | { kind: 'later' }
  | { kind: 'friendship' };

function verdictOf(status: number, peerTakesInvites: boolean): RowVerdict {
  if (status >= 200 && status < 300) return { kind: 'sent' };
  if (status === 429 || status === 503) return { kind: 'later' };
  if (status === 403 && !peerTakesInvites) return { kind: 'friendship' };
  return isPermanentStatus(status) ? { kind: 'refused' } : { kind: 'retry' };
}

const described = (status: number, reason: string) => `${status} ${reason}`.trim();

/**
 * The outcome of one request for `rows` to a destination with `failures` consecutive failures before it, at `now`.
 * A message fails for good only on a permanent refusal or past the give-up age; every other outcome keeps it pending,
 * and the destination's schedule (its one BullMQ job) decides when it goes again.
 */
export function decide(
  rows: RowInFlight[],
  outcome: RequestOutcome,
  context: { failures: number; now: Date; policy: DeliveryPolicy; random: number },
): Decision {
  const { failures, now, policy, random } = context;
  const updates = new Map<string, RowUpdate>();
  const pending = (row: RowInFlight, error: string, httpStatus: number | null, counted: boolean): RowUpdate => ({
    status: 'pending',
    attempts: row.attempts + (counted ? 1 : 0),
    lastError: error,
    lastHttpStatus: httpStatus,
    heldUntil: null,
    heldForFriendship: false,
  });

  let next: NextStep;
  let failuresAfter = failures;
  if (outcome.kind === 'forbidden') {
    for (const row of rows) updates.set(row.id, { ...pending(row, outcome.error, null, false), status: 'failed' });
    next = { kind: 'continue' };
  } else if (outcome.kind === 'unreachable') {
    for (const row of rows) updates.set(row.id, pending(row, outcome.error, null, true));
    failuresAfter = failures + 1;
    next = { kind: 'retry', delayMs: backoffMs(failuresAfter, policy, random), error: outcome.error };
  } else {
    const whole = verdictOf(outcome.status, outcome.peerTakesInvites);
    const error = described(outcome.status, outcome.reason);
    if (whole.kind === 'sent') {
      failuresAfter = 0;
      next = { kind: 'continue' };
    } else if (whole.kind === 'later' && outcome.retryAfterMs !== null) {
      // `Retry-After: 0` (or a date already past) would send the next request at once, and its 429 the one after.
      const waitMs = Math.max(outcome.retryAfterMs, policy.backoffBaseMs);
      next = { kind: 'wait', until: new Date(now.getTime() + waitMs), error };
    } else if (whole.kind === 'later' || whole.kind === 'retry') {
      failuresAfter = failures + 1;
      next = { kind: 'retry', delayMs: backoffMs(failuresAfter, policy, random), error };
    } else {
      // The peer is up and judging each delivery: a refusal of one says nothing of the next.
      failuresAfter = 0;
      next = { kind: 'continue' };
    }
    for (const row of rows) {
      const own = whole.kind === 'sent' && outcome.rowStatus ? outcome.rowStatus.get(row.id) : null;
      if (own === undefined) {
        // A batch answer without this message's result: it is tried again on its own schedule.
        const missing = pending(row, `${outcome.status} no result for this message in the batch answer`, 200, true);
        updates.set(row.id, {
          ...missing,
          heldUntil: new Date(now.getTime() + backoffMs(missing.attempts, policy, random)),
        });
        continue;
      }
      const status = own?.status ?? outcome.status;
      const rowError = own ? described(own.status, own.reason) : error;
      updates.set(
        row.id,
        rowUpdate(row, verdictOf(status, outcome.peerTakesInvites), status, rowError, whole, context),
      );
    }
  }

  for (const [id, update] of updates) {
    const row = rows.find((candidate) => candidate.id === id)!;
    const waitedMs = now.getTime() - row.waitingSince.getTime();
    if (update.status === 'pending' && waitedMs >= policy.giveUpAfterMs) {
      updates.set(id, {
        ...update,
        status: 'failed',
        heldUntil: null,
        heldForFriendship: false,
        lastError: gaveUpAfterWaiting(waitedMs, update.lastError),
      });
    }
  }
  // Only rows that stay pending with their destination are held by its wait (those failed now or held alone are not).
  const waiting = rows.filter((row) => {
    const update = updates.get(row.id)!;
    return update.status === 'pending' && update.heldUntil === null;
  });
  return { rows: updates, next: capAtGiveUp(next, waiting, context), failures: failuresAfter };
}

/** One row's update when the request as a whole was `whole` and the row's own answer is `verdict`. */
function rowUpdate(
  row: RowInFlight,
  verdict: RowVerdict,
  status: number,
  error: string,
  whole: RowVerdict,
  { now, policy, random }: { now: Date; policy: DeliveryPolicy; random: number },
): RowUpdate {
  const base = {
    attempts: row.attempts,
    lastError: error,
    lastHttpStatus: status,
    heldUntil: null,
    heldForFriendship: false,
  };
  switch (verdict.kind) {
    case 'sent':
      return { ...base, status: 'sent', attempts: row.attempts + 1, lastError: null };
    case 'refused':
      return { ...base, status: 'failed', attempts: row.attempts + 1 };
    case 'friendship':
      return {
        ...base,
        status: 'pending',
        heldUntil: new Date(now.getTime() + friendshipWaitMs(row, now, policy)),
        heldForFriendship: true,
      };
    case 'later':
    case 'retry': {
      const attempts = row.attempts + (verdict.kind === 'retry' ? 1 : 0);
      // Inside an answer that took the batch, a row's own failure holds only that row; otherwise the destination's
      // schedule holds them all.
      const heldUntil =
        whole.kind === 'sent' ? new Date(now.getTime() + backoffMs(Math.max(1, attempts), policy, random)) : null;
      return { ...base, status: 'pending', attempts, heldUntil };
    }
  }
}

/**
 * How long a message refused for want of a friendship waits: as long as it has waited already (so the tries thin out:
 * 1 h, 2 h, 4 h, …), at least an hour, and its last try falls on the give-up age.
 */
export function friendshipWaitMs(row: RowInFlight, now: Date, policy: DeliveryPolicy): number {
  const age = now.getTime() - row.waitingSince.getTime();
  const left = policy.giveUpAfterMs - age;
  return Math.max(0, Math.min(left, Math.max(FRIENDSHIP_WAIT_MIN_MS, age)));
}

/** No wait outlasts the give-up age of the oldest row it holds: that row fails then, not a backoff later. */
function capAtGiveUp(
  next: NextStep,
  rows: RowInFlight[],
  { now, policy }: { now: Date; policy: DeliveryPolicy },
): NextStep {
  if (next.kind === 'continue' || rows.length === 0) return next;
  const oldest = Math.min(...rows.map((row) => row.waitingSince.getTime()));
  const giveUpAt = oldest + policy.giveUpAfterMs;
  if (next.kind === 'wait')
    return next.until.getTime() > giveUpAt ? { ...next, until: new Date(Math.max(giveUpAt, now.getTime())) } : next;
  return { ...next, delayMs: Math.max(0, Math.min(next.delayMs, giveUpAt - now.getTime())) };
}
