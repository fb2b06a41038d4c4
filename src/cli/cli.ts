import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { validate } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { AccountsService } from '../accounts/accounts.service';
import { CreateUserDto } from '../accounts/dto/create-user.dto';
import { toUserResponse } from '../accounts/user.response';
import { AppConfig, ConfigError, loadConfig } from '../config/app-config';
import { EmbeddedPostgres } from '../database/embedded-postgres';
import { runMigrations } from '../database/run-migrations';
import { buildOpenApiDocumentOffline } from '../openapi';
import { ServerKeysService } from '../signing/server-keys.service';
import { CliModule } from './cli.module';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  readStdin(): Promise<string>;
  isInteractive: boolean;
}

export const consoleIo: CliIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  isInteractive: Boolean(process.stdin.isTTY),
};

const USAGE = `usage: npm run cli -- <command>
  user create <username> [--password-stdin] [--display-name NAME]
  user list
  user reset-password <username> [--password-stdin]
With --password-stdin the password is read from a pipe (one trailing newline dropped), or asked for without echo in a terminal;
--password P also works but leaves the password in the shell's history and the process list.
  federation rotate-key
  migration run
  openapi [--out openapi.json]
The node's environment (DATABASE_URL, MYLIFE_DATA_DIR, ...) says which database to use.`;

class UsageError extends Error {}

/** The operator CLI; returns the process exit code. */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = consoleIo,
): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        password: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        'display-name': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [group, action, name] = positionals;
    if (values.help || !group) {
      io.out(USAGE);
      return values.help ? 0 : 2;
    }
    const command = [group, action].filter(Boolean).join(' ');
    if (command === 'openapi') {
      const out = values.out ?? 'openapi.json';
      await writeFile(out, `${JSON.stringify(await buildOpenApiDocumentOffline(), null, 2)}\n`);
      io.out(`wrote ${out}`);
      return 0;
    }
    const config = loadConfig(env);
    if (command === 'migration run') {
      return await withDatabase(config, async () => 0, io);
    }
    if (command === 'federation rotate-key') {
      return await withDatabase(
        config,
        async (context) => {
          const rotated = await context.get(ServerKeysService).rotate();
          io.out(`new federation key ${rotated.newKeyId} signs from now on`);
          if (rotated.retiredKeyIds.length > 0) {
            io.out(`${rotated.retiredKeyIds.join(', ')} keeps verifying until ${rotated.notAfter.toISOString()}`);
          }
          return 0;
        },
        io,
      );
    }
    if (!['user create', 'user list', 'user reset-password'].includes(command))
      throw new UsageError(`unknown command "${command}"`);
    if (action !== 'list' && !name) throw new UsageError(`${command} needs a username`);
    const password = action === 'list' ? '' : await readPassword(values, io);
    return await withDatabase(
      config,
      async (context) => {
        const accounts = context.get(AccountsService);
        if (action === 'create') {
          await validateDto(CreateUserDto, { username: name, password, displayName: values['display-name'] });
          const user = await accounts.createUser({ username: name, password, displayName: values['display-name'] });
          io.out(`created ${toUserResponse(user, config.federationServer).address} (id ${user.id})`);
        } else if (action === 'reset-password') {
          await validateDto(CreateUserDto, { username: name, password });
          await accounts.resetPassword(name, password);
          io.out(`password of ${name}@${config.federationServer} changed; every access token of the user is revoked`);
        } else {
          let cursor: string | undefined;
          do {
            const page = await accounts.listUsers(cursor, 500);
            for (const user of page.items)
              io.out(
                `${user.username}@${config.federationServer}\t${user.displayName}\t${user.createdAt.toISOString()}`,
              );
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
        }
        return 0;
      },
      io,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(error instanceof UsageError ? `${message}\n${USAGE}` : `error: ${message}`);
    return error instanceof UsageError || error instanceof ConfigError ? 2 : 1;
  }
}

async function readPassword(values: { password?: string; 'password-stdin'?: boolean }, io: CliIo): Promise<string> {
  if (values.password !== undefined) return values.password;
  if (io.isInteractive) return promptWithoutEcho('password: ');
  if (values['password-stdin']) return (await io.readStdin()).replace(/\r?\n$/, '');
  throw new UsageError('give the password with --password-stdin (or type it at the prompt in a terminal)');
}

// A password typed at a terminal must not stay on the screen (or in a screen recording): readline echoes into a sink.
async function promptWithoutEcho(question: string): Promise<string> {
  process.stderr.write(question);
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const prompt = createInterface({ input: process.stdin, output: sink, terminal: true });
  try {
    return await prompt.question('');
  } finally {
    prompt.close();
    process.stderr.write('\n');
  }
}

async function validateDto(type: new () => object, plain: object): Promise<void> {
  const errors = await validate(plainToInstance(type, plain), { skipMissingProperties: false });
  const messages = errors.flatMap((error) => Object.values(error.constraints ?? {}));
  if (messages.length > 0) throw new Error(messages.join('; '));
}

/** Runs `work` with the node's database migrated: the configured one, or the embedded one (attached if it runs). */
async function withDatabase(
  given: AppConfig,
  work: (context: INestApplicationContext) => Promise<number>,
  io: CliIo,
): Promise<number> {
  const config = { ...given };
  const embedded = config.databaseUrl ? null : new EmbeddedPostgres(config.dataDir, config.embeddedPostgresPort);
  let startedEmbedded = false;
  if (embedded) {
    const attached = await embedded.attachOrStart();
    config.databaseUrl = attached.url;
    startedEmbedded = attached.started;
  }
  try {
    const applied = await runMigrations(config);
    if (applied.length > 0) io.out(`applied migrations: ${applied.join(', ')}`);
    const context = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
    try {
      return await work(context);
    } finally {
      await context.close();
    }
  } finally {
    if (startedEmbedded) await embedded?.stop();
  }
}
