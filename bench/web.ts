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
    const reader = await createUser(nodeA, 'reader');
    await firstRenderWithStoredMessages(browser, nodeA, reader, sizes.stored, sizes.reloads);
    const bob = await createUser(nodeB, 'bob');
    // Two people whose copies hold nothing else, then the same with a sender whose copy holds the big history: each
    // change saves the whole image (batched), so the copy's size may show in the time.
    const alice = await createUser(nodeA, 'alice');
    await befriend(alice, bob);
    await sendToDisplayLatency(browser, { alice, bob }, sizes.sends, 'empty');
    await befriend(reader, bob);
    await sendToDisplayLatency(
      browser,
      { alice: reader, bob },
      sizes.sends,
      `${sizes.stored} messages`,
      `stored ${sizes.stored - 1}`,
    );
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
