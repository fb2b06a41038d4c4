import { parseArgs } from 'node:util';
import { LocalValidationError } from '../address.ts';
import { ApiError } from '../api/api-error.ts';
import { type HttpTransport, ServerUnreachableError } from '../api/http-transport.ts';
import { KeyChangeBlockedError } from '../e2ee/conversation-security.ts';
import { MyLifeClient } from '../mylife-client.ts';
import { BetterSqlite3Database } from '../storage/better-sqlite3-database.ts';
import type { LocalDatabase } from '../storage/local-database.ts';
import { NotLoggedInError } from '../sync/sync-engine.ts';
import { COMMANDS, type CommandValues } from './commands.ts';
import { Output, type Writer } from './output.ts';
import { locateStore, UsageError } from './profile.ts';

export interface CliEnvironment {
  stdout: Writer;
  stderr: Writer & NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  interrupted: Promise<void>;
  openDatabase?: (path: string) => LocalDatabase;
  transport?: HttpTransport;
}

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

const OPTIONS = {
  json: { type: 'boolean' },
  profile: { type: 'string' },
  db: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  offline: { type: 'boolean' },
  server: { type: 'string' },
  username: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  device: { type: 'string' },
  message: { type: 'string', short: 'm' },
  limit: { type: 'string' },
  watch: { type: 'boolean' },
  reset: { type: 'boolean' },
  mark: { type: 'boolean' },
  acknowledge: { type: 'boolean' },
} as const;

const GLOBAL_OPTIONS = new Set(['json', 'profile', 'db', 'help']);

/** The whole `mylife` command line; returns the exit code (0 ok, 1 error, 2 usage). */
export async function runCli(argv: string[], environment: CliEnvironment): Promise<number> {
  const json = argv.includes('--json');
  const out = new Output(json, environment.stdout, environment.stderr);
  let client: MyLifeClient | undefined;
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    const [name, ...args] = positionals;
    if (values.help || !name) {
      environment.stdout.write(usage());
      return name || values.help ? EXIT_OK : EXIT_USAGE;
    }
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command "${name}"`);
    checkCommandLine(name, values, args);
    const location = locateStore(values, environment.env, environment.cwd);
    const database = (environment.openDatabase ?? ((path) => new BetterSqlite3Database(path)))(location.path);
    client = new MyLifeClient({ database, transport: environment.transport, timing: watchTiming(environment.env) });
    return await command.run({
      client,
      out,
      values: values as CommandValues,
      args,
      defaultDeviceName: location.defaultDeviceName,
      env: environment.env,
      stdin: environment.stdin,
      stderr: environment.stderr,
      interrupted: environment.interrupted,
    });
  } catch (error) {
    return reportError(error, out, environment.env);
  } finally {
    await client?.close();
  }
}

function checkCommandLine(name: string, values: Record<string, unknown>, args: string[]): void {
  const command = COMMANDS[name]!;
  const allowed = new Set<string>([...GLOBAL_OPTIONS, ...command.options]);
  const misplaced = Object.keys(values).find((option) => !allowed.has(option));
  if (misplaced) throw new UsageError(`${name} does not take --${misplaced}; usage: mylife ${command.usage}`);
  if (args.length !== command.arity) throw new UsageError(`usage: mylife ${command.usage}`);
  if (values.db !== undefined && values.profile !== undefined) throw new UsageError('give --db or --profile, not both');
}

function reportError(error: unknown, out: Output, env: NodeJS.ProcessEnv): number {
  if (error instanceof UsageError || isParseArgsError(error)) {
    out.error((error as Error).message, 'usage');
    return EXIT_USAGE;
  }
  if (error instanceof NotLoggedInError)
    out.error('not logged in: run mylife login --server URL --username U', 'not-logged-in');
  else if (error instanceof ServerUnreachableError) out.error(error.message, 'unreachable');
  else if (error instanceof ApiError) out.error(`${error.message} (HTTP ${error.status})`, 'server');
  else if (error instanceof LocalValidationError) out.error(error.message, 'invalid');
  else if (error instanceof KeyChangeBlockedError) {
    const { peer } = error;
    out.error(
      `the keys of ${peer} changed: compare the safety number (mylife verify ${peer}), then accept the change with ` +
        `mylife verify ${peer} --acknowledge`,
      'key-change',
    );
  } else {
    out.error(error instanceof Error ? error.message : String(error), 'internal');
    if (env.MYLIFE_DEBUG) out.note(error instanceof Error ? (error.stack ?? '') : '');
  }
  return EXIT_ERROR;
}

function isParseArgsError(error: unknown): boolean {
  return error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
}

/** Lets a test (or a person on a flaky link) make `sync --watch` poll more often than every 30 s. */
function watchTiming(env: NodeJS.ProcessEnv): { pollIntervalMs?: number } {
  const seconds = Number(env.MYLIFE_POLL_INTERVAL_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? { pollIntervalMs: seconds * 1000 } : {};
}

function usage(): string {
  const width = Math.max(...Object.values(COMMANDS).map((command) => command.usage.length));
  const lines = Object.values(COMMANDS).map((command) => `  ${command.usage.padEnd(width)}  ${command.summary}`);
  return [
    'usage: mylife [--json] [--profile NAME | --db PATH] COMMAND ...',
    '',
    ...lines,
    '',
    'The local copy is ~/.mylife/<profile>.sqlite (profile "default"; MYLIFE_HOME moves the folder) or --db PATH.',
    'Reads sync first and show the local copy when offline (--offline skips the sync). Exit codes: 0 ok, 1 error, 2 usage.',
    '',
  ].join('\n');
}
