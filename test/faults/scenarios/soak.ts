import { NodeProcess } from '../../../bench/lib/node-process';
import { finish, withPair } from '../harness/burst';
import { progress, Scenario, sleep } from '../harness/context';
import { Readers, Traffic } from '../harness/traffic';

/** Messages per second over both directions: a busy home node, steady. */
const MESSAGES_PER_SECOND = 20;
const SAMPLE_EVERY_MS = 10_000;

/**
 * Steady traffic for `--soak-minutes` (the 30 by hand), the RSS of both node processes sampled every 10 s.
 * RSS is flat when the median of the last fifth of the run is within ±10 % of the median of the second fifth (the
 * first is warm-up: JIT, pools, caches filling).
 */
export const soak: Scenario = {
  name: 'soak',
  inShortRun: false,
  run: (context) =>
    withPair(context, 'soak', {}, async (pair) => {
      const traffic = new Traffic('soak');
      const readers = new Readers([...pair.usersA, ...pair.usersB]);
      const durationMs = context.soakMinutes * 60_000;
      const started = Date.now();
      const samples: { a: number; b: number }[] = [];
      const sampling = (async () => {
        while (Date.now() - started < durationMs) {
          samples.push({ a: rssMb(pair.nodeA), b: rssMb(pair.nodeB) });
          if (samples.length % 6 === 0) progress('soak', `RSS A ${samples.at(-1)!.a} MB, B ${samples.at(-1)!.b} MB`);
          await sleep(SAMPLE_EVERY_MS);
        }
      })();
      const count = Math.round((MESSAGES_PER_SECOND * durationMs) / 1000);
      progress('soak', `${count} messages at ${MESSAGES_PER_SECOND}/s for ${context.soakMinutes} min`);
      await Promise.all([traffic.send(pair.conversations(), count, MESSAGES_PER_SECOND), sampling]);
      const fifth = Math.max(1, Math.floor(samples.length / 5));
      const rss = (side: 'a' | 'b') => {
        const baseline = median(samples.slice(fifth, 2 * fifth).map((sample) => sample[side]));
        const end = median(samples.slice(-fifth).map((sample) => sample[side]));
        return {
          baselineMb: baseline,
          endMb: end,
          growthPercent: Math.round(((end - baseline) / baseline) * 1000) / 10,
        };
      };
      const [a, b] = [rss('a'), rss('b')];
      const rssFlat = Math.abs(a.growthPercent) <= 10 && Math.abs(b.growthPercent) <= 10;
      return finish(pair, traffic, readers, started, {
        details: { minutes: context.soakMinutes, messagesPerSecond: MESSAGES_PER_SECOND, rss: { a, b }, rssFlat },
      });
    }),
};

const rssMb = (node: NodeProcess) => node.memory().rssMb;

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
