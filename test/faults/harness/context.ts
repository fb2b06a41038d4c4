/** What every scenario is given: where the shared services are, how big a run is, where the nodes' logs go. */
export interface FaultContext {
  /** The repository, whose `npm start` command runs the nodes. */
  root: string;
  /** The machine's PostgreSQL server: nodes get a database of their own on it unless a scenario gives them another. */
  databaseUrl: string;
  /** The machine's Redis, shared by prefix; a scenario that restarts Redis starts its own. */
  redisUrl: string;
  messages: number;
  short: boolean;
  soakMinutes: number;
  /** One log file per node process of each scenario. */
  logDir: string;
}

/** One line per scenario on stdout; anything beyond the six fields says what else the scenario measured. */
export interface Summary {
  scenario: string;
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  seconds: number;
  /** Outbox rows (both nodes) that did not end as they should: message rows not `acked`, others pending or failed. */
  notAcked: number;
  [detail: string]: unknown;
}

export interface Scenario {
  name: string;
  /** Part of `--short` (the CI-sized run). */
  inShortRun: boolean;
  run(context: FaultContext): Promise<Summary>;
}

const startedAt = Date.now();

/** Progress on stderr, with the seconds since the suite started. */
export function progress(scenario: string, text: string): void {
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(7);
  process.stderr.write(`${seconds}s [${scenario}] ${text}\n`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const round1 = (value: number) => Math.round(value * 10) / 10;
