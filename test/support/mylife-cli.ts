import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../client/src/cli/run-cli.ts';
import { eventually } from './federation';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The printed JSON document (an array of them for `sync --watch`), when `--json` was given. */
  json: any;
}

export interface CliRunOptions {
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  until?: Promise<void>;
}

/** The real `mylife` command line, in this process, with its copies under `home`: arguments in, exit code and text out. */
export async function runMylife(home: string, args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const stdout = collect();
  const stderr = collect();
  const code = await runCli(args, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: { MYLIFE_HOME: home, ...options.env },
    cwd: home,
    interrupted: options.until ?? new Promise(() => undefined),
  });
  const printed = stdout.text();
  return { code, stdout: printed, stderr: stderr.text(), json: args.includes('--json') ? parseJson(printed) : null };
}

/** `mylife` as one profile: a test's `asAlice('send', …)`. */
export type MylifeAs = (...args: string[]) => Promise<CliRun>;

/** Syncs `who` until `check` finds what it looks for in a local read (`--offline`, so the sync is the poll). */
export function syncUntil<T>(
  who: MylifeAs,
  read: string[],
  check: (json: any) => T | undefined | false,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  return eventually(
    async () => {
      expect((await who('sync')).code).toBe(0);
      return check((await who(...read, '--offline', '--json')).json);
    },
    timeoutMs,
    what,
  );
}

/** Syncs `who` until the conversation with `peer` holds a message with `text`; answers it as `thread --json` shows it. */
export function syncUntilReceived(who: MylifeAs, peer: string, text: string, timeoutMs = 20_000): Promise<any> {
  return syncUntil(
    who,
    ['thread', peer],
    (json) => json.messages.find((message: { content: string }) => message.content === text),
    `"${text}" in the conversation with ${peer}`,
    timeoutMs,
  );
}

function collect() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += chunk));
  return { stream, text: () => text };
}

function parseJson(text: string): any {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.length === 1 ? JSON.parse(lines[0]!) : lines.map((line) => JSON.parse(line));
}
