import { resolve } from 'node:path';
import { launchChromium } from '../test/support/chromium';
import { befriend, createUser } from './lib/api';
import { NodeProcess } from './lib/node-process';
import { writeResults } from './lib/report';
import { bundleSize, firstRenderWithStoredMessages, sendToDisplayLatency } from './workloads/web-app';

const ROOT = resolve(__dirname, '..', '..');

const SIZES = {
  quick: { stored: 1000, reloads: 3, sends: 10 },
  full: { stored: 5000, reloads: 5, sends: 20 },
};

/**
 * `npm run bench:web`: the web app's bundle size, its first render on a reload with 5,000 messages stored, and the
 * time from send in one browser to display in another across two nodes (nodes as `npm start` runs them, Debian's
 * Chromium). Figures are printed and recorded, never asserted.
 */
async function main(): Promise<void> {
  const mode = process.argv.includes('--quick') ? 'quick' : 'full';
  const sizes = SIZES[mode];
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const started = Date.now();
  bundleSize(ROOT);
  const nodeA = await NodeProcess.create(ROOT, 'web-a', databaseUrl, redisUrl);
  const nodeB = await NodeProcess.create(ROOT, 'web-b', databaseUrl, redisUrl);
  const browser = await launchChromium();
  try {
    await Promise.all([nodeA.start(), nodeB.start()]);
    await firstRenderWithStoredMessages(browser, nodeA, await createUser(nodeA, 'reader'), sizes.stored, sizes.reloads);
    // Two people whose copies hold nothing else, so that the latency is not that of a big local copy.
    const pair = { nodeA, nodeB, alice: await createUser(nodeA, 'alice'), bob: await createUser(nodeB, 'bob') };
    await befriend(pair.alice, pair.bob);
    await sendToDisplayLatency(browser, pair, sizes.sends);
  } finally {
    await browser.close();
    await nodeA.destroy(databaseUrl);
    await nodeB.destroy(databaseUrl);
  }
  writeResults(ROOT, mode, { section: 'web-results' });
  console.log(`bench:web ${mode} finished in ${Math.round((Date.now() - started) / 1000)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
