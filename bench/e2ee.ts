import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { launchChromium } from '../test/support/chromium';
import { record, writeResults } from './lib/report';
import { round, summarize } from './lib/stats';

const ROOT = resolve(__dirname, '..', '..');
const NODE = 'End-to-end encryption (client library, Node)';
const CHROMIUM = 'End-to-end encryption (client library, Chromium)';

const SIZES = {
  quick: { messages: 200, setups: 5 },
  full: { messages: 2000, setups: 30 },
};

type Sizes = (typeof SIZES)['full'];

/** The figures of client/src/bench/e2ee-benchmark.ts (loaded at run time: the client library is ESM). */
interface E2eeBenchmarkResult {
  sealMs: number[];
  openMs: number[];
  firstSealMs: number[];
  firstOpenMs: number[];
  keyGenerationMs: number[];
  textBytes: number;
  envelopeBytes: number;
  firstEnvelopeBytes: number;
}

// The client library and Vite are ESM; this bench is CommonJS, so they are loaded with a real dynamic import.
const load = new Function('path', 'return import(path)') as (path: string) => Promise<any>;

/**
 * `npm run bench:e2ee`: the client library's MLS work between in-memory devices (no network, no server): p50 to seal
 * and to open one message, the first message of a conversation (claim, group, commit, Welcome), the keys of a first
 * login, and the size of an envelope for 100 bytes of text. Run twice: in Node on better-sqlite3, and in Debian's
 * Chromium on sql.js (the web app's engine), the same code bundled by Vite. Figures are printed and recorded, never
 * asserted.
 */
async function main(): Promise<void> {
  const mode = process.argv.includes('--quick') ? 'quick' : 'full';
  const { benchmarkEndToEndEncryption } = await load(join(ROOT, 'client', 'dist', 'bench', 'e2ee-benchmark.js'));
  const { BetterSqlite3Database } = await load(join(ROOT, 'client', 'dist', 'storage', 'better-sqlite3-database.js'));
  const inNode: E2eeBenchmarkResult = await benchmarkEndToEndEncryption({
    ...SIZES[mode],
    openDatabase: async () => new BetterSqlite3Database(':memory:'),
  });
  report(NODE, inNode);
  report(CHROMIUM, await inChromium(SIZES[mode]));
  writeResults(ROOT, mode, { section: 'e2ee-results' });
}

function report(workload: string, result: E2eeBenchmarkResult, detail?: Record<string, unknown>): void {
  const figure = (metric: string, value: number, unit: string) =>
    record({ workload, metric, value, unit, target: '—', met: true, detail });
  const timing = (metric: string, samples: number[]) => {
    const { p50, p95, count } = summarize(samples);
    figure(`${metric} p50 (p95 ${p95}, n=${count})`, p50, 'ms');
  };
  timing('seal one message (load state, encrypt, save state and envelope)', result.sealMs);
  timing('open one message (load state, decrypt, save state)', result.openMs);
  timing('first message, sender (claim, create group, commit, seal)', result.firstSealMs);
  timing('first message, receiver (Welcome with ratchet tree, open)', result.firstOpenMs);
  const firstTotal = result.firstSealMs.map((ms, index) => ms + result.firstOpenMs[index]!);
  timing('first message setup, sender and receiver', firstTotal);
  timing('keys of a first login (identity, 50 + 1 key packages)', result.keyGenerationMs);
  const size = (metric: string, bytes: number) => {
    const overhead = `overhead ${bytes - result.textBytes} B, ×${round(bytes / result.textBytes, 1)}`;
    figure(`${metric} for ${result.textBytes} bytes of text (${overhead})`, bytes, 'B');
  };
  size('envelope', result.envelopeBytes);
  size('first envelope (with the Welcome)', result.firstEnvelopeBytes);
}

/**
 * The same benchmark in Chromium: client/src/bench/e2ee-browser.ts bundled by Vite into a temporary folder with
 * sql.js's WebAssembly, served on loopback (cross-origin isolated, so performance.now() has its finer resolution),
 * run in a page by playwright.
 */
async function inChromium(sizes: Sizes): Promise<E2eeBenchmarkResult> {
  const folder = mkdtempSync(join(tmpdir(), 'mylife-e2ee-bench-'));
  let server: Server | undefined;
  const browser = await launchChromium();
  try {
    const { build } = await load('vite');
    await build({
      configFile: false,
      root: join(ROOT, 'client'),
      logLevel: 'warn',
      build: {
        outDir: folder,
        emptyOutDir: true,
        sourcemap: false,
        // One script, as in the web app: ts-mls imports the code of other cipher suites on demand.
        rolldownOptions: {
          input: join(ROOT, 'client', 'src', 'bench', 'e2ee-browser.ts'),
          output: { entryFileNames: 'e2ee.js', codeSplitting: false },
        },
      },
    });
    copyFileSync(join(dirname(require.resolve('sql.js')), 'sql-wasm.wasm'), join(folder, 'sql-wasm.wasm'));
    const files: Record<string, { type: string; body: Buffer | string }> = {
      '/': {
        type: 'text/html',
        body: '<!doctype html><title>e2ee bench</title><script type="module" src="/e2ee.js"></script>',
      },
      '/e2ee.js': { type: 'text/javascript', body: readFileSync(join(folder, 'e2ee.js')) },
      '/sql-wasm.wasm': { type: 'application/wasm', body: readFileSync(join(folder, 'sql-wasm.wasm')) },
    };
    server = createServer((request, response) => {
      const file = files[request.url ?? ''];
      response.writeHead(file ? 200 : 404, {
        'content-type': file?.type ?? 'text/plain',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      });
      response.end(file?.body ?? 'not found');
    });
    await new Promise<void>((listening) => server!.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as AddressInfo;
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.error(`Chromium: ${error.message}`));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (globalThis as any).runE2eeBenchmark !== undefined);
    const isolated = await page.evaluate(() => (globalThis as any).crossOriginIsolated === true);
    console.log(`Chromium ${browser.version()}, cross-origin isolated: ${isolated}`);
    return await page.evaluate((options) => (globalThis as any).runE2eeBenchmark(options), sizes);
  } finally {
    await browser.close();
    await new Promise((closed) => (server ? server.close(closed) : closed(undefined)));
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
