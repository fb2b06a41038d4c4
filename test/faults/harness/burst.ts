import { FaultContext, progress, round1, Summary } from './context';
import { NodePair, SideOptions } from './node-pair';
import { tally, untilQuiet } from './tally';
import { Readers, Traffic } from './traffic';

/** Starts a pair, runs `body` with it and always stops it (its databases and queue keys go too). */
export async function withPair<T>(
  context: FaultContext,
  scenario: string,
  options: { a?: SideOptions; b?: SideOptions },
  body: (pair: NodePair) => Promise<T>,
): Promise<T> {
  const pair = await NodePair.start(context, scenario, options);
  try {
    return await body(pair);
  } finally {
    await pair.destroy();
  }
}

/** How long a burst lasts: long enough that a fault lands in its middle. */
export const burstSeconds = (context: FaultContext) => (context.short ? 10 : 20);

/**
 * The shape of most scenarios: `context.messages` messages, half each way, sent at a steady pace while `fault` runs
 * (it waits for its moment with `traffic.reached`); then quiet, then the count from both databases. `fault` may answer
 * what else it measured, which joins the summary line.
 */
export async function burstUnderFault(
  context: FaultContext,
  pair: NodePair,
  fault: (traffic: Traffic) => Promise<Record<string, unknown> | void>,
  { quietTimeoutMs = 600_000 } = {},
): Promise<Summary> {
  const scenario = pair.scenario;
  const traffic = new Traffic(scenario);
  const readers = new Readers([...pair.usersA, ...pair.usersB]);
  const started = Date.now();
  const perSecond = context.messages / burstSeconds(context);
  progress(scenario, `sending ${context.messages} messages at ${Math.round(perSecond)}/s`);
  const [, details] = await Promise.all([
    traffic.send(pair.conversations(), context.messages, perSecond),
    fault(traffic),
  ]);
  progress(scenario, `all sent (${traffic.sent} accepted) after ${round1((Date.now() - started) / 1000)} s`);
  return finish(pair, traffic, readers, started, { quietTimeoutMs, details: details ?? {} });
}

/** Waits for quiet, stops the readers, counts: the summary line of a scenario whose traffic started at `started`. */
export async function finish(
  pair: NodePair,
  traffic: Traffic,
  readers: Readers,
  started: number,
  { quietTimeoutMs = 600_000, details = {} as Record<string, unknown> } = {},
): Promise<Summary> {
  const quiet = await untilQuiet(pair.scenario, pair.nodeA, pair.nodeB, { timeoutMs: quietTimeoutMs });
  const seconds = round1((quiet.at - started) / 1000);
  await readers.stop();
  const { sent, delivered, lost, duplicated, notAcked, ...counts } = await tally(pair.nodeA, pair.nodeB, traffic);
  if (!quiet.reached) progress(pair.scenario, `no quiet after ${quietTimeoutMs / 1000} s: counted as it stands`);
  return {
    scenario: pair.scenario,
    sent,
    delivered,
    lost,
    duplicated,
    seconds,
    notAcked,
    quiet: quiet.reached,
    longestStallSeconds: quiet.longestStallSeconds,
    ...details,
    ...counts,
  };
}
