import { InMemoryDevice, InMemoryKeyDirectory, delivered } from './in-memory-devices.ts';
import { DeviceKeys } from '../e2ee/device-keys.ts';
import type { LocalDatabase } from '../storage/local-database.ts';
import { LocalStore } from '../store/local-store.ts';

export interface E2eeBenchmarkOptions {
  /** Messages sealed and opened in an established conversation. */
  messages: number;
  /** Fresh pairs of devices, each timed from nothing to the first message read. */
  setups: number;
  /** Bytes of the message whose envelope is measured. */
  textBytes?: number;
  /**
   * A new empty local copy for each device: better-sqlite3 in Node, sql.js in a browser. The caller's choice, so this
   * module imports neither engine and bundles for a browser as it is.
   */
  openDatabase: () => Promise<LocalDatabase>;
}

export interface E2eeBenchmarkResult {
  /** ms per message: load the group state, seal, save the state and the envelope in one local transaction. */
  sealMs: number[];
  /** ms per message: load the group state, open, save the state. */
  openMs: number[];
  /** ms per conversation's first message: claim, create the group, commit, seal (the sender). */
  firstSealMs: number[];
  /** ms: process the Welcome (ratchet tree checked against the directory) and open the first message. */
  firstOpenMs: number[];
  /** ms to make a device's keys at its first login: identity and 51 key packages (50 and a last-resort one). */
  keyGenerationMs: number[];
  textBytes: number;
  /** Bytes of the envelope (the message's `content`) for `textBytes` of text, in an established group. */
  envelopeBytes: number;
  /** The same for the first message of a conversation, which carries the Welcome. */
  firstEnvelopeBytes: number;
}

const ALICE = 'alice@a.bench';
const BOB = 'bob@b.bench';

/**
 * Times the MLS work of the client library between in-memory devices on in-memory SQLite copies: no network and no
 * server, so the figures are the client's own. `npm run bench:e2ee` runs it in Node (better-sqlite3) and in Chromium
 * (sql.js, through e2ee-browser.ts) and prints both, never asserting them.
 */
export async function benchmarkEndToEndEncryption(options: E2eeBenchmarkOptions): Promise<E2eeBenchmarkResult> {
  const textBytes = options.textBytes ?? 100;
  const device = async (address: string, directory: InMemoryKeyDirectory) =>
    InMemoryDevice.create(address, directory, { database: await options.openDatabase() });
  const text = 'x'.repeat(textBytes);
  const result: E2eeBenchmarkResult = {
    sealMs: [],
    openMs: [],
    firstSealMs: [],
    firstOpenMs: [],
    keyGenerationMs: [],
    textBytes,
    envelopeBytes: 0,
    firstEnvelopeBytes: 0,
  };
  for (let setup = 0; setup < options.setups; setup++) {
    const directory = new InMemoryKeyDirectory();
    const [alice, bob] = [await device(ALICE, directory), await device(BOB, directory)];
    const first = await timed(result.firstSealMs, () => alice.seal(BOB, text));
    await timed(result.firstOpenMs, () => bob.open(delivered(ALICE, BOB, first)));
    result.firstEnvelopeBytes = byteLength(first);
    result.keyGenerationMs.push(await keyGenerationMs(await options.openDatabase()));
    [alice, bob].forEach((done) => done.database.close());
  }
  const directory = new InMemoryKeyDirectory();
  const [alice, bob] = [await device(ALICE, directory), await device(BOB, directory)];
  await bob.open(delivered(ALICE, BOB, await alice.seal(BOB, 'hello')));
  for (let index = 0; index < options.messages; index++) {
    const envelope = await timed(result.sealMs, () => alice.seal(BOB, text));
    await timed(result.openMs, () => bob.open(delivered(ALICE, BOB, envelope)));
    result.envelopeBytes = byteLength(envelope);
  }
  [alice, bob].forEach((done) => done.database.close());
  return result;
}

async function keyGenerationMs(database: LocalDatabase): Promise<number> {
  const keys = new DeviceKeys(new LocalStore(database), Date.now);
  const started = performance.now();
  await keys.prepareForLogin(ALICE);
  const elapsed = performance.now() - started;
  database.close();
  return elapsed;
}

async function timed<T>(samples: number[], work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const value = await work();
  samples.push(performance.now() - started);
  return value;
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}
