/// <reference lib="dom" />
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { savedCopyHolds } from '../../test/support/browser-storage';
import { BenchUser, befriend, call, createUser, expectOk, waitFor } from '../lib/api';
import { NodeProcess } from '../lib/node-process';
import { record } from '../lib/report';
import { round, summarize } from '../lib/stats';
import { BENCH_PASSWORD } from './fresh-client-sync';

const WORKLOAD_BUNDLE = 'Web app bundle (gzip)';
const WORKLOAD_RENDER = 'Web app first render';
const WORKLOAD_LATENCY = 'Web app send → display (two browsers, two nodes)';

/** The size of what a browser downloads from web/dist, gzipped as a server would send it; source maps left out. */
export function bundleSize(root: string): void {
  const dist = join(root, 'web', 'dist');
  const kinds: Record<string, { files: string[]; gzip: number; raw: number }> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!name.endsWith('.map')) {
        // Hashed files under assets/ by type; index.html, the service worker and the manifest as "other".
        const asset = relative(dist, path).startsWith('assets');
        const kind = (asset && { '.js': 'JS', '.css': 'CSS', '.wasm': 'WASM' }[extname(name)]) || 'other';
        const bytes = readFileSync(path);
        kinds[kind] ??= { files: [], gzip: 0, raw: 0 };
        kinds[kind].files.push(relative(dist, path));
        kinds[kind].gzip += gzipSync(bytes, { level: 9 }).length;
        kinds[kind].raw += bytes.length;
      }
    }
  };
  walk(dist);
  let total = 0;
  for (const kind of ['JS', 'CSS', 'WASM', 'other']) {
    const sizes = kinds[kind];
    if (!sizes) continue;
    total += sizes.gzip;
    record({
      workload: WORKLOAD_BUNDLE,
      metric: kind === 'other' ? 'other files (index.html, sw.js, manifest)' : kind,
      value: round(sizes.gzip / 1024, 1),
      unit: 'KiB',
      target: '—',
      met: true,
      detail: { files: sizes.files, rawKiB: round(sizes.raw / 1024, 1) },
    });
  }
  record({
    workload: WORKLOAD_BUNDLE,
    metric: 'total',
    value: round(total / 1024, 1),
    unit: 'KiB',
    target: '—',
    met: true,
  });
}

/** Logs `user` into the app that `node` serves and waits for the logged-in shell. */
async function logIn(page: Page, node: NodeProcess, user: BenchUser): Promise<void> {
  await page.goto(`${node.url}/`);
  await page.getByRole('textbox', { name: 'Username or address' }).fill(user.username);
  await page.getByRole('textbox', { name: 'Password' }).fill(BENCH_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 60_000 });
}

/**
 * `reader`'s browser holds `stored` messages of a conversation (synced from node A, saved in OPFS); each reload is
 * timed from navigation start to the first conversation in the inbox on screen (a MutationObserver installed before
 * the app's scripts run). The app's own `performance` marks, if any, are reported alongside.
 */
export async function firstRenderWithStoredMessages(
  browser: Browser,
  nodeA: NodeProcess,
  reader: BenchUser,
  stored: number,
  reloads: number,
): Promise<void> {
  const carol = await createUser(nodeA, 'carol');
  await befriend(carol, reader);
  const last = `stored ${stored - 1}`;
  for (let start = 0; start < stored; start += 500) {
    const messages = Array.from({ length: Math.min(500, stored - start) }, (_, i) => ({
      toUserId: reader.address,
      content: `stored ${start + i}`,
      clientMessageId: `stored-${start + i}`,
    }));
    await expectOk(call(`${nodeA.url}/api/messages/batch`, 'POST', { messages }, carol.token), 'seed batch');
  }

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript(() => {
      const mark = () => {
        if (document.querySelector('[data-testid="conversation"]')) {
          (window as unknown as { __firstConversationAt: number }).__firstConversationAt = performance.now();
          observer.disconnect();
        }
      };
      const observer = new MutationObserver(mark);
      observer.observe(document, { childList: true, subtree: true });
    });
    const page = await context.newPage();
    const syncStarted = performance.now();
    await logIn(page, nodeA, reader);
    await page.locator(`[data-testid="conversation"][data-peer="${carol.address}"]`).waitFor({ timeout: 120_000 });
    // Until the whole history is in the copy, not only its first page.
    await waitFor(() => savedCopyHolds(page, [last]), 120_000, `the last of ${stored} messages saved in OPFS`);
    const syncSeconds = (performance.now() - syncStarted) / 1000;

    const samples: number[] = [];
    let marks: { name: string; startTime: number }[] = [];
    for (let i = 0; i < reloads; i++) {
      await page.reload({ waitUntil: 'commit' });
      const at = await page.waitForFunction(
        () => (window as unknown as { __firstConversationAt?: number }).__firstConversationAt,
        undefined,
        { timeout: 60_000, polling: 50 },
      );
      samples.push((await at.jsonValue()) as number);
      marks = await page.evaluate(() =>
        performance.getEntriesByType('mark').map(({ name, startTime }) => ({ name, startTime: Math.round(startTime) })),
      );
    }
    const stats = summarize(samples);
    record({
      workload: WORKLOAD_RENDER,
      metric: `reload to the inbox on screen, ${stored} messages stored (median of ${reloads})`,
      value: round(stats.p50, 0),
      unit: 'ms',
      target: '—',
      met: true,
      detail: {
        samples: samples.map((sample) => round(sample, 0)),
        appMarks: marks,
        loginAndSyncSeconds: round(syncSeconds, 1),
      },
    });
  } finally {
    await context.close();
  }
}

/**
 * alice@A and bob@B, each in a browser context with the conversation open; alice types and presses Enter, and the
 * time is taken until bob's page shows the message (a MutationObserver in bob's page notes when each appears).
 */
export async function sendToDisplayLatency(
  browser: Browser,
  pair: { alice: BenchUser; bob: BenchUser },
  sends: number,
  /** What the sender's copy holds, for the metric's name. */
  senderCopy: string,
  /** A text the sender's saved copy holds once its sync after login is over: timing starts after that. */
  syncedWhen?: string,
): Promise<void> {
  const aliceContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const bobContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await bobContext.addInitScript(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { __seen: Record<string, number> }).__seen = seen;
      new MutationObserver(() => {
        const now = Date.now();
        for (const element of document.querySelectorAll('[data-testid="message"]')) {
          const tag = /latency-\d+/.exec(element.textContent ?? '')?.[0];
          if (tag && !(tag in seen)) seen[tag] = now;
        }
      }).observe(document, { childList: true, subtree: true, characterData: true });
    });
    const [alicePage, bobPage] = [await aliceContext.newPage(), await bobContext.newPage()];
    await logIn(alicePage, pair.alice.node, pair.alice);
    await logIn(bobPage, pair.bob.node, pair.bob);
    if (syncedWhen) await waitFor(() => savedCopyHolds(alicePage, [syncedWhen]), 120_000, 'the sender synced');
    await openConversation(alicePage, pair.bob.address);
    await openConversation(bobPage, pair.alice.address);

    const samples: number[] = [];
    const composer = alicePage.getByRole('textbox', { name: 'Message', exact: true });
    for (let i = 0; i < sends; i++) {
      const tag = `latency-${i}`;
      await composer.fill(`${tag} from alice`);
      const sentAt = Date.now();
      await composer.press('Enter');
      const shownAt = await bobPage.waitForFunction(
        (wanted) => (window as unknown as { __seen: Record<string, number> }).__seen[wanted],
        tag,
        { timeout: 30_000, polling: 'raf' },
      );
      samples.push(((await shownAt.jsonValue()) as number) - sentAt);
    }
    const stats = summarize(samples);
    for (const [metric, value] of [
      ['p50', stats.p50],
      ['p95', stats.p95],
    ] as const) {
      record({
        workload: WORKLOAD_LATENCY,
        metric: `${metric} of ${sends}, sender's copy ${senderCopy}`,
        value: round(value, 0),
        unit: 'ms',
        target: '—',
        met: true,
        ...(metric === 'p50' ? { detail: { samples } } : {}),
      });
    }
  } finally {
    await aliceContext.close();
    await bobContext.close();
  }
}

/** From the friend list (the conversation may not exist yet). */
async function openConversation(page: Page, friend: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: /^Friends\b/ })
    .click();
  await page
    .getByRole('list', { name: 'Your friends' })
    .getByRole('listitem')
    .filter({ has: page.getByRole('button', { name: `Remove ${friend} from friends` }) })
    .getByRole('link', { name: /^Message / })
    .click();
  await page.getByRole('log', { name: `Messages with ${friend}` }).waitFor({ timeout: 30_000 });
}
