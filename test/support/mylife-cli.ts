import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../client/src/cli/run-cli.ts';

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
