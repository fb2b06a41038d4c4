import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { limitOf } from './limits';

export interface Measurement {
  workload: string;
  metric: string;
  value: number;
  unit: string;
  /** Human text, e.g. "≥ 2000". */
  target: string;
  /** Whether the value meets the target. */
  met: boolean;
  /** What limits the figure now (filled for BENCHMARKS.md). */
  notes?: string;
  detail?: Record<string, unknown>;
}

const measurements: Measurement[] = [];

/** Prints one JSON line per measurement as it is made, and keeps it for the table. */
export function record(measurement: Measurement): void {
  measurement.notes ??= limitOf(measurement.workload, measurement.metric);
  measurements.push(measurement);
  console.log(JSON.stringify(measurement));
}

export function machineDescription(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const pg = safe(() => execFileSync('psql', ['-V']).toString().trim());
  const redis = safe(() => execFileSync('redis-server', ['--version']).toString().split(' ').slice(0, 3).join(' '));
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${pg}, ${redis}`;
}

function safe(read: () => string): string {
  try {
    return read();
  } catch {
    return 'unknown';
  }
}

export function markdownTable(): string {
  const lines = ['| workload | metric | value | target | met | what limits it now |', '|---|---|---|---|---|---|'];
  for (const m of measurements) {
    lines.push(
      `| ${m.workload} | ${m.metric} | ${m.value} ${m.unit} | ${m.target} | ${m.met ? 'yes' : '**no**'} | ${m.notes ?? ''} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Writes bench/results/<date>.json and, for a full run of every workload, the table into BENCHMARKS.md between its
 * markers. `section` names another table (`web-results`: `npm run bench:web`), with markers and a file name of its own.
 */
export function writeResults(
  root: string,
  mode: 'quick' | 'full',
  { updateTable = true, section = 'results' } = {},
): void {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const suffix = `${section === 'results' ? '' : `-${section}`}${mode === 'quick' ? '-quick' : ''}`;
  const file = join(root, 'bench', 'results', `${stamp}${suffix}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), mode, machine: machineDescription(), measurements }, null, 2)}\n`,
  );
  console.log(`\n${markdownTable()}\n\nwrote ${file}`);
  if (mode !== 'full' || !updateTable) return;
  const path = join(root, 'BENCHMARKS.md');
  const current = readFileSync(path, 'utf8');
  const [start, end] = [`<!-- ${section}:start -->`, `<!-- ${section}:end -->`];
  const table = `${start}\nLatest full run: ${new Date().toISOString()} on ${machineDescription()}.\n\n${markdownTable()}\n${end}`;
  writeFileSync(path, current.replace(new RegExp(`${start}[\\s\\S]*${end}`), table));
  console.log(`updated ${path}`);
}
