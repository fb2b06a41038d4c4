import { NodeProcess } from '../../../bench/lib/node-process';
import { burstUnderFault, withPair } from '../harness/burst';
import { progress, round1, Scenario, sleep } from '../harness/context';

/** The pause between the kill and the restart. */
const RESTART_AFTER_MS = 2000;

/** SIGKILL (no shutdown hook runs), 2 s, the same command with the same environment; answers the seconds it was down. */
async function killAndRestart(scenario: string, node: NodeProcess): Promise<number> {
  const killedAt = Date.now();
  progress(scenario, `kill -9 ${node.name} (pid ${node.pid})`);
  await node.kill();
  await sleep(RESTART_AFTER_MS);
  await node.start();
  const down = round1((Date.now() - killedAt) / 1000);
  progress(scenario, `${node.name} healthy again after ${down} s`);
  return down;
}

/** kill -9 of node A a quarter into the burst, then of node B at two thirds; each restarted 2 s later. */
export const killEachSide: Scenario = {
  name: 'kill-9',
  inShortRun: true,
  run: (context) =>
    withPair(context, 'kill-9', {}, (pair) =>
      burstUnderFault(context, pair, async (traffic) => {
        await traffic.reached(0.25, context.messages);
        const downA = await killAndRestart('kill-9', pair.nodeA);
        await traffic.reached(0.66, context.messages);
        const downB = await killAndRestart('kill-9', pair.nodeB);
        return { secondsDown: { a: downA, b: downB } };
      }),
    ),
};

/**
 * Node A runs two processes (same database, queue prefix and server name, as two containers of one node), each
 * taking API requests from half of A's users and working the queue; one of them is killed mid-burst and restarted.
 */
export const killOneOfTwoWorkers: Scenario = {
  name: 'kill-9-worker',
  inShortRun: false,
  run: (context) =>
    withPair(context, 'kill-9-worker', {}, async (pair) => {
      const second = await pair.secondProcessOfA();
      return burstUnderFault(context, pair, async (traffic) => {
        await traffic.reached(0.3, context.messages);
        return { secondsDown: await killAndRestart('kill-9-worker', second) };
      });
    }),
};
