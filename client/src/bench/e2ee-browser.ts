import { SqlJsDatabase } from '../storage/sql-js-database.ts';
import { benchmarkEndToEndEncryption, type E2eeBenchmarkOptions, type E2eeBenchmarkResult } from './e2ee-benchmark.ts';

declare global {
  interface Window {
    /** Set by this page for `npm run bench:e2ee`, which calls it from Chromium through playwright. */
    runE2eeBenchmark?: (options: Omit<E2eeBenchmarkOptions, 'openDatabase'>) => Promise<E2eeBenchmarkResult>;
  }
}

/**
 * The browser entry of `npm run bench:e2ee`: the same benchmark as in Node, each device's copy on sql.js (SQLite in
 * WebAssembly, as in the web app). Bundled by the bench with Vite into a temporary folder, which also holds
 * `sql-wasm.wasm`, served next to the page.
 */
window.runE2eeBenchmark = (options) =>
  benchmarkEndToEndEncryption({
    ...options,
    openDatabase: () => SqlJsDatabase.create({ sqlJsConfig: { locateFile: () => '/sql-wasm.wasm' } }),
  });
