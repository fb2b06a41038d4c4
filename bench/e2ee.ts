import { join, resolve } from 'node:path';
import { record, writeResults } from './lib/report';
import { round, summarize } from './lib/stats';

const ROOT = resolve(__dirname, '..', '..');
const WORKLOAD = 'End-to-end encryption (client library, Node)';

const SIZES = {
  quick: { messages: 200, setups: 5 },
  full: { messages: 2000, setups: 30 },
};

/**
 * `npm run bench:e2ee`: the client library's MLS work between in-memory devices (no network, no server): p50 to seal
 * and to open one message, the first message of a conversation (claim, group, commit, Welcome), the keys of a first
 * login, and the size of an envelope for 100 bytes of text. Figures are printed and recorded, never asserted.
 */
async function main(): Promise<void> {
  const mode = process.argv.includes('--quick') ? 'quick' : 'full';
  // The client library is ESM; this bench is CommonJS, so it is loaded with a real dynamic import.
  const load = new Function('path', 'return import(path)') as (path: string) => Promise<any>;
  const { benchmarkEndToEndEncryption } = await load(join(ROOT, 'client', 'dist', 'bench', 'e2ee-benchmark.js'));
  const result = await benchmarkEndToEndEncryption(SIZES[mode]);
  const figure = (metric: string, value: number, unit: string) =>
    record({ workload: WORKLOAD, metric, value, unit, target: '—', met: true });
  const timing = (metric: string, samples: number[]) => {
    const { p50, p95, count } = summarize(samples);
    figure(`${metric} p50 (p95 ${p95}, n=${count})`, p50, 'ms');
  };
  timing('seal one message (load state, encrypt, save state and envelope)', result.sealMs);
  timing('open one message (load state, decrypt, save state)', result.openMs);
  timing('first message, sender (claim, create group, commit, seal)', result.firstSealMs);
  timing('first message, receiver (Welcome with ratchet tree, open)', result.firstOpenMs);
  const firstTotal = result.firstSealMs.map((ms: number, index: number) => ms + result.firstOpenMs[index]);
  timing('first message setup, sender and receiver', firstTotal);
  timing('keys of a first login (identity, 50 + 1 key packages)', result.keyGenerationMs);
  const size = (metric: string, bytes: number) => {
    const overhead = `overhead ${bytes - result.textBytes} B, ×${round(bytes / result.textBytes, 1)}`;
    figure(`${metric} for ${result.textBytes} bytes of text (${overhead})`, bytes, 'B');
  };
  size('envelope', result.envelopeBytes);
  size('first envelope (with the Welcome)', result.firstEnvelopeBytes);
  writeResults(ROOT, mode, { section: 'e2ee-results' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
