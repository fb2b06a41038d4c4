import { LocalValidationError } from '../address.ts';
import type { MyLifeClient } from '../mylife-client.ts';
import { ApiError } from '../api/api-error.ts';
import { ServerUnreachableError } from '../api/http-transport.ts';
import type { ConversationSecurity, OutboxEntry } from '../model.ts';
import type { SyncReport } from '../sync/sync-engine.ts';
import {
  describeOperation,
  formatConversation,
  formatFriend,
  formatInvite,
  formatMessage,
  formatOutboxEntry,
  formatOwnKeys,
  formatSafetyNumber,
  formatSecurity,
  type Output,
} from './output.ts';
import { readPassword } from './password.ts';
import { UsageError } from './profile.ts';
import { serverUrlFromOption } from './server-url.ts';

export interface CommandValues {
  server?: string;
  username?: string;
  'password-stdin'?: boolean;
  device?: string;
  message?: string;
  limit?: string;
  watch?: boolean;
  offline?: boolean;
  reset?: boolean;
  mark?: boolean;
  acknowledge?: boolean;
}

export interface CommandContext {
  client: MyLifeClient;
  out: Output;
  values: CommandValues;
  args: string[];
  defaultDeviceName: string;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** Resolves when the person stops `sync --watch` (Ctrl-C). */
  interrupted: Promise<void>;
}

export interface Command {
  usage: string;
  summary: string;
  /** Exactly this many positional arguments. */
  arity: number;
  options: (keyof CommandValues)[];
  run(context: CommandContext): Promise<number>;
}

export const COMMANDS: Record<string, Command> = {
  login: {
    usage: 'login --server URL --username U [--password-stdin] [--device NAME]',
    summary: 'log in (password from a prompt, --password-stdin or MYLIFE_PASSWORD) and sync',
    arity: 0,
    options: ['server', 'username', 'password-stdin', 'device'],
    run: login,
  },
  logout: { usage: 'logout', summary: 'revoke this device’s token', arity: 0, options: [], run: logout },
  whoami: { usage: 'whoami', summary: 'who this copy belongs to', arity: 0, options: [], run: whoami },
  friends: { usage: 'friends', summary: 'your friends', arity: 0, options: ['offline'], run: friends },
  invite: {
    usage: 'invite ADDRESS [--message TEXT]',
    summary: 'invite someone to be friends',
    arity: 1,
    options: ['message'],
    run: invite,
  },
  invites: { usage: 'invites', summary: 'invites to and from you', arity: 0, options: ['offline'], run: invites },
  revoke: { usage: 'revoke INVITE_ID', summary: 'take back an invite you sent', arity: 1, options: [], run: revoke },
  accept: { usage: 'accept INVITE_ID', summary: 'accept an invite', arity: 1, options: [], run: answer('accept') },
  decline: { usage: 'decline INVITE_ID', summary: 'decline an invite', arity: 1, options: [], run: answer('decline') },
  send: {
    usage: 'send ADDRESS TEXT',
    summary: 'send a message (queued when offline)',
    arity: 2,
    options: [],
    run: send,
  },
  unfriend: {
    usage: 'unfriend ADDRESS',
    summary: 'end a friendship (both ways)',
    arity: 1,
    options: [],
    run: unfriend,
  },
  inbox: { usage: 'inbox', summary: 'one line per conversation', arity: 0, options: ['offline'], run: inbox },
  thread: {
    usage: 'thread ADDRESS [--limit N]',
    summary: 'the latest messages with someone',
    arity: 1,
    options: ['limit', 'offline'],
    run: thread,
  },
  read: { usage: 'read MESSAGE_ID', summary: 'mark a received message read', arity: 1, options: [], run: read },
  sync: {
    usage: 'sync [--watch]',
    summary: 'send what is queued and fetch what changed; --watch keeps following',
    arity: 0,
    options: ['watch'],
    run: sync,
  },
  outbox: { usage: 'outbox', summary: 'operations not yet applied by the server', arity: 0, options: [], run: outbox },
  retry: {
    usage: 'retry OUTBOX_ID',
    summary: 'try a failed outbox entry again (e.g. once you are friends)',
    arity: 1,
    options: [],
    run: retry,
  },
  keys: {
    usage: 'keys [--reset]',
    summary: 'this device’s encryption key fingerprint and your devices; --reset makes new keys',
    arity: 0,
    options: ['reset'],
    run: keys,
  },
  verify: {
    usage: 'verify ADDRESS [--mark | --acknowledge]',
    summary: 'the safety number to compare with a friend; --mark: verified; --acknowledge: accept a key change',
    arity: 1,
    options: ['mark', 'acknowledge'],
    run: verify,
  },
  discard: {
    usage: 'discard OUTBOX_ID',
    summary: 'give up a failed outbox entry (and its unsent message)',
    arity: 1,
    options: [],
    run: discard,
  },
};

async function login({ client, out, values, defaultDeviceName, env, stdin, stderr }: CommandContext): Promise<number> {
  if (!values.server || !values.username) throw new UsageError('login needs --server URL and --username U');
  const server = serverUrlFromOption(values.server);
  if (server.schemeAssumed) out.note(`--server has no scheme: using ${server.url}`);
  const password = await readPassword({ passwordStdin: values['password-stdin'] ?? false, env, stdin, stderr });
  const session = await client.login({
    serverUrl: server.url,
    username: values.username,
    password,
    deviceName: values.device ?? defaultDeviceName,
  });
  const report = await client.sync();
  const visible = {
    address: session.userAddress,
    displayName: session.displayName,
    serverUrl: session.serverUrl,
    deviceName: session.deviceName,
    expiresAt: session.expiresAt,
  };
  out.result(
    { ...visible, synced: report.online, pulledEvents: report.pulledEvents },
    () =>
      `logged in as ${session.userAddress} on ${session.serverUrl}` +
      (report.online ? '' : ' (sync failed; will retry)'),
  );
  return 0;
}

async function logout({ client, out }: CommandContext): Promise<number> {
  const { serverReached } = await client.logout();
  out.result({ loggedOut: true, serverReached }, () =>
    serverReached ? 'logged out' : 'logged out on this device (the server could not be reached to revoke the token)',
  );
  return 0;
}

async function whoami({ client, out }: CommandContext): Promise<number> {
  const session = client.session();
  if (!session) {
    out.result({ loggedIn: false }, () => 'not logged in');
    return 1;
  }
  const pending = client.outbox().filter((entry) => entry.state === 'pending').length;
  const value = {
    loggedIn: session.accessToken !== null,
    address: session.userAddress,
    displayName: session.displayName,
    serverUrl: session.serverUrl,
    deviceName: session.deviceName,
    lastSyncedAt: client.lastSyncedAt(),
    pendingOperations: pending,
  };
  out.result(value, () =>
    [
      `${session.userAddress}${value.loggedIn ? '' : ' (logged out)'}`,
      `server ${session.serverUrl}, device "${session.deviceName}"`,
      `last sync ${value.lastSyncedAt ?? 'never'}, ${pending} pending`,
    ].join('\n'),
  );
  return 0;
}

async function friends(context: CommandContext): Promise<number> {
  const online = await refresh(context);
  const list = context.client.friends();
  context.out.result({ online, friends: list }, () => lines(list.map(formatFriend), 'no friends yet'));
  return 0;
}

async function invites(context: CommandContext): Promise<number> {
  const online = await refresh(context);
  const viewer = viewerOf(context.client);
  const list = context.client.invites();
  context.out.result({ online, invites: list }, () =>
    lines(
      list.map((i) => formatInvite(i, viewer)),
      'no invites',
    ),
  );
  return 0;
}

async function inbox(context: CommandContext): Promise<number> {
  const online = await refresh(context);
  const viewer = viewerOf(context.client);
  const list = context.client.inbox();
  context.out.result({ online, conversations: list }, () =>
    lines(
      list.map((c) => formatConversation(c, viewer)),
      'no messages',
    ),
  );
  return 0;
}

async function thread(context: CommandContext): Promise<number> {
  const limit = context.values.limit === undefined ? 50 : Number(context.values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be 1 to 1000');
  const online = await refresh(context);
  const viewer = viewerOf(context.client);
  const page = context.client.thread(context.args[0]!, { limit });
  const security = await currentSecurity(context.client, context.args[0]!, online);
  context.out.result({ online, security, ...page }, () =>
    [
      formatSecurity(security),
      lines(
        page.messages.map((m) => formatMessage(m, viewer, security.state === 'encrypted')),
        'no messages',
      ),
    ].join('\n'),
  );
  return 0;
}

async function invite(context: CommandContext): Promise<number> {
  const created = context.client.invite(context.args[0]!, context.values.message ?? null);
  return deliver(
    context,
    (client) => ({ invite: client.invites().find((i) => i.id === created.id) ?? null }),
    `invited ${created.toUserId} (invite ${created.id})`,
  );
}

/**
 * An invite or message named by its server id may have reached the server after this device last synced (an invite
 * just sent by a friend): sync once before acting on it, so that `accept ID` works straight after the invite.
 */
async function syncUnlessKnown(context: CommandContext, known: (client: MyLifeClient) => boolean): Promise<void> {
  if (!known(context.client)) await refresh(context);
}

const inviteKnown = (id: string) => (client: MyLifeClient) => client.invites().some((invite) => invite.id === id);

function answer(kind: 'accept' | 'decline') {
  return async (context: CommandContext): Promise<number> => {
    await syncUnlessKnown(context, inviteKnown(context.args[0]!));
    const answered =
      kind === 'accept'
        ? context.client.acceptInvite(context.args[0]!)
        : context.client.declineInvite(context.args[0]!);
    return deliver(
      context,
      (client) => ({ invite: client.invites().find((i) => i.id === answered.id) ?? null }),
      `${kind === 'accept' ? 'accepted' : 'declined'} the invite from ${answered.fromUserId}`,
    );
  };
}

async function revoke(context: CommandContext): Promise<number> {
  await syncUnlessKnown(context, inviteKnown(context.args[0]!));
  const revoked = context.client.revokeInvite(context.args[0]!);
  return deliver(
    context,
    (client) => ({ invite: client.invites().find((i) => i.id === revoked.id) ?? null }),
    `revoked the invite to ${revoked.toUserId}`,
  );
}

async function unfriend(context: CommandContext): Promise<number> {
  const friend = context.client.removeFriend(context.args[0]!);
  return deliver(context, () => ({ friendUserId: friend }), `no longer friends with ${friend}`);
}

async function send(context: CommandContext): Promise<number> {
  const queued = context.client.sendMessage(context.args[0]!, context.args[1]!);
  const peer = queued.toUserId;
  const code = await deliver(
    context,
    (client) => ({ message: client.allMessages().find((m) => m.localId === queued.localId) ?? null }),
    `sent to ${peer}`,
    undefined,
    (client) => (client.conversationSecurity(peer).keyChanged ? `held until you accept ${peer}'s new keys` : null),
  );
  warnUnlessEncrypted(context, peer);
  return code;
}

/** Said after a send, once the friend's keys were looked up: a message that travels readable is never a surprise. */
function warnUnlessEncrypted({ client, out }: CommandContext, peer: string): void {
  const security = client.conversationSecurity(peer);
  if (security.keyChanged) out.note(keyChangeWarning(peer));
  else if (security.state === 'not-encrypted') out.note(`note: ${formatSecurity(security)}`);
}

function keyChangeWarning(peer: string): string {
  return (
    `warning: ${peer}'s safety number changed (a new device or new keys). Compare it with ${peer} ` +
    `(mylife verify ${peer}), then accept the change with mylife verify ${peer} --acknowledge; ` +
    'until then, messages to them wait on this device.'
  );
}

async function keys(context: CommandContext): Promise<number> {
  const { client, out, values } = context;
  const own = values.reset ? await client.resetKeys() : await client.ownKeys();
  out.result(own, () => (values.reset ? `new keys made for this device\n` : '') + formatOwnKeys(own));
  return 0;
}

async function verify(context: CommandContext): Promise<number> {
  const { client, out, values, args } = context;
  if (values.mark && values.acknowledge) throw new UsageError('give --mark or --acknowledge, not both');
  const peer = args[0]!;
  await refresh(context);
  const before = await client.refreshSecurity(peer);
  if (values.acknowledge) client.acknowledgeKeyChange(peer);
  if (values.mark) {
    if (before.state !== 'encrypted') {
      throw new LocalValidationError(`${peer}: ${formatSecurity(before)}; there is no safety number to verify`);
    }
    if (before.keyChanged) {
      throw new LocalValidationError(
        `${peer}'s keys changed: compare the new safety number, then run mylife verify ${peer} --acknowledge first`,
      );
    }
    client.markVerified(peer);
  }
  const security = client.conversationSecurity(peer);
  if (security.state !== 'encrypted') {
    out.result({ security, safetyNumber: null }, () => formatSecurity(security));
    return 0;
  }
  const safetyNumber = await client.safetyNumber(peer);
  out.result({ security, safetyNumber }, () => formatSafetyNumber(safetyNumber, security));
  if (security.keyChanged && !values.acknowledge) out.note(keyChangeWarning(peer));
  return 0;
}

async function read(context: CommandContext): Promise<number> {
  await syncUnlessKnown(context, (client) => client.message(context.args[0]!) !== undefined);
  const message = context.client.markRead(context.args[0]!);
  return deliver(context, (client) => ({ message: client.message(message.id!) ?? null }), 'marked read');
}

async function sync(context: CommandContext): Promise<number> {
  const { client, out } = context;
  if (context.values.watch) return watch(context);
  const report = await client.sync({ force: true });
  out.result(report, () => describeSync(report));
  return report.online ? 0 : report.needsLogin ? 1 : 0;
}

async function outbox({ client, out }: CommandContext): Promise<number> {
  const entries = client.outbox();
  const now = Date.now();
  out.result({ outbox: entries }, () =>
    lines(
      entries.map((entry) => formatOutboxEntry(entry, now)),
      'outbox empty',
    ),
  );
  return 0;
}

async function retry(context: CommandContext): Promise<number> {
  const entry = failedEntry(context);
  context.client.retryOperation(entry.id);
  return deliver(context, () => ({ operation: entry.operation }), `done: ${describeOperation(entry.operation)}`, entry);
}

async function discard(context: CommandContext): Promise<number> {
  const entry = failedEntry(context);
  context.client.discardOperation(entry.id);
  context.out.result({ discarded: entry }, () => `discarded #${entry.id}  ${describeOperation(entry.operation)}`);
  return 0;
}

/** The outbox entry named as `mylife outbox` shows it (`#4` or `4`), which must have failed. */
function failedEntry({ client, args }: CommandContext): OutboxEntry {
  const match = /^#?(\d{1,15})$/.exec(args[0]!);
  if (!match) throw new UsageError(`an outbox entry is its number, as \`mylife outbox\` shows it (got "${args[0]}")`);
  const entry = client.outbox().find((candidate) => candidate.id === Number(match[1]));
  if (!entry) throw new LocalValidationError(`no outbox entry #${match[1]} (see mylife outbox)`);
  if (entry.state !== 'failed') {
    throw new LocalValidationError(`outbox entry #${entry.id} has not failed: it is still in line (mylife sync)`);
  }
  return entry;
}

/** Follows the live stream, printing what happens, until interrupted. */
async function watch({ client, out, interrupted }: CommandContext): Promise<number> {
  const viewer = viewerOf(client);
  client.on('message-received', ({ message }) =>
    out.result({ event: 'message-received', message }, () => formatMessage(message, viewer)),
  );
  client.on('message-status', ({ message, previousStatus }) =>
    out.result({ event: 'message-status', message, previousStatus }, () => `status: ${formatMessage(message, viewer)}`),
  );
  client.on('invite', ({ invite }) =>
    out.result({ event: 'invite', invite }, () => `invite: ${formatInvite(invite, viewer)}`),
  );
  client.on('friendship', (change) =>
    out.result({ event: 'friendship', ...change }, () => `friend ${change.status}: ${change.friendUserId}`),
  );
  client.on('connection', ({ state, reason }) =>
    out.result(
      { event: 'connection', state, reason: reason ?? null },
      () => `[${state}${reason ? `: ${reason}` : ''}]`,
    ),
  );
  client.startLive();
  await interrupted;
  await client.stopLive();
  return 0;
}

/**
 * After a local write: tries to carry it to the server at once and says how it went. A server that cannot be
 * reached is no error: the operation is queued and the next sync retries it.
 */
async function deliver(
  { client, out }: CommandContext,
  current: (client: MyLifeClient) => Record<string, unknown>,
  doneText: string,
  entry: OutboxEntry | undefined = client.outbox().at(-1),
  heldBecause: (client: MyLifeClient) => string | null = () => null,
): Promise<number> {
  const report = await client.sync({ force: true });
  const after = entry ? client.outbox().find((candidate) => candidate.id === entry.id) : undefined;
  const state = !after ? 'done' : after.state === 'failed' ? 'failed' : 'queued';
  const error = after?.lastError ?? null;
  const held = state === 'queued' ? heldBecause(client) : null;
  out.result({ state, error, ...current(client) }, () => {
    if (state === 'done') return doneText;
    if (state === 'failed') return `failed: ${error}`;
    if (held) return `queued; ${held}`;
    if (report.needsLogin) return `queued; log in again to send it (${report.error})`;
    const reason = error ?? report.error;
    return reason ? `queued; will retry (${reason})` : 'queued; it goes on a later sync';
  });
  return state === 'failed' ? 1 : 0;
}

/**
 * A thread's first line: the friend's keys as their server lists them now, or what this copy last knew when the server
 * cannot say (offline, no longer friends).
 */
async function currentSecurity(client: MyLifeClient, peer: string, online: boolean): Promise<ConversationSecurity> {
  if (!online) return client.conversationSecurity(peer);
  try {
    return await client.refreshSecurity(peer);
  } catch (error) {
    if (error instanceof ApiError || error instanceof ServerUnreachableError) return client.conversationSecurity(peer);
    throw error;
  }
}

/** Reads show the local copy; they bring it up to date first unless --offline, and say when they could not. */
async function refresh({ client, out, values }: CommandContext): Promise<boolean> {
  if (values.offline) return false;
  const report = await client.sync();
  if (!report.online) out.note(`offline: showing the local copy (${report.error})`);
  return report.online;
}

function describeSync(report: SyncReport): string {
  const { applied, failed, pending } = report.flush;
  const counts = `${applied} sent, ${failed} failed, ${report.pulledEvents} changes received, ${pending} pending`;
  if (report.online) return `synced: ${counts}`;
  if (report.needsLogin) return `not synced: log in again (${report.error})`;
  return `offline: ${pending} queued; will retry (${report.error})`;
}

function viewerOf(client: MyLifeClient): string {
  return client.session()?.userAddress ?? '';
}

function lines(items: string[], empty: string): string {
  return items.length > 0 ? items.join('\n') : empty;
}
