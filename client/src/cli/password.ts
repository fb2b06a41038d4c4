import { UsageError } from './profile.ts';

export interface PasswordSources {
  passwordStdin: boolean;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

/** `--password-stdin`, then `MYLIFE_PASSWORD`, then a prompt that does not echo; never an argument (shell history). */
export async function readPassword(sources: PasswordSources): Promise<string> {
  if (sources.passwordStdin) return firstLine(await readAll(sources.stdin));
  if (sources.env.MYLIFE_PASSWORD) return sources.env.MYLIFE_PASSWORD;
  if (!sources.stdin.isTTY) {
    throw new UsageError('no password: use --password-stdin, MYLIFE_PASSWORD, or run in a terminal to be asked');
  }
  return prompt(sources.stdin as NodeJS.ReadStream, sources.stderr, 'Password: ');
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new UsageError('--password-stdin: standard input was empty');
  return line;
}

function prompt(stdin: NodeJS.ReadStream, stderr: NodeJS.WritableStream, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let typed = '';
    const finish = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (key: string) => {
      for (const character of key) {
        if (character === '\r' || character === '\n') return finish();
        if (character === '\u0003') return finish(new UsageError('cancelled'));
        if (character === '\u007f' || character === '\b') typed = typed.slice(0, -1);
        else typed += character;
      }
    };
    stdin.on('data', onData);
  });
}
