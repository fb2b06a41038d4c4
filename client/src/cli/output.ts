import type {
  ConversationSecurity,
  ConversationSummary,
  Friend,
  Invite,
  LocalMessage,
  OutboxEntry,
  OutboxOperation,
  OwnKeys,
  SafetyNumber,
  UndecryptableReason,
} from '../model.ts';

export interface Writer {
  write(text: string): unknown;
}

/** Text for people, or exactly one JSON document per command (one per line for `sync --watch`) for scripts. */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: Writer,
    private readonly stderr: Writer,
  ) {}

  result(value: unknown, text: () => string): void {
    this.stdout.write(this.json ? `${JSON.stringify(value)}\n` : `${text()}\n`);
  }

  /** Said to the person, never part of the machine-readable answer. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  error(message: string, kind: string): void {
    if (this.json) this.stdout.write(`${JSON.stringify({ error: { kind, message } })}\n`);
    this.stderr.write(`mylife: ${message}\n`);
  }
}

/**
 * `inEncryptedConversation`: a message that travelled readable there (from before encryption, or put there by a
 * server) is marked, so that it is never taken for one sealed by the friend.
 */
export function formatMessage(message: LocalMessage, viewer: string, inEncryptedConversation = false): string {
  const who = message.fromUserId === viewer ? 'me' : message.fromUserId;
  const remarks: (string | null)[] = [
    inEncryptedConversation && message.encryption === 'plain' ? 'not encrypted' : null,
    message.status === 'received' || message.status === 'sent' ? null : message.status,
    describeDelivery(message),
    message.readAt ? `read ${shortTime(message.readAt)}` : null,
    message.error,
  ];
  const state = remarks.filter(Boolean).join(', ');
  const id = message.id ?? `local #${message.localId}`;
  return `${shortTime(message.createdAt)}  ${who}: ${readableContent(message)}${state ? `  [${state}]` : ''}  (${id})`;
}

/** An undecryptable message's ciphertext is never printed as if it were text. */
function readableContent(message: LocalMessage): string {
  switch (message.encryption) {
    case 'undecryptable':
      return `(could not be decrypted: ${UNDECRYPTABLE_TEXT[message.undecryptableReason ?? 'tampered']})`;
    case 'pending':
      return '(encrypted: waiting for keys)';
    case 'e2ee':
    case 'plain':
      return message.content;
  }
}

const UNDECRYPTABLE_TEXT: Record<UndecryptableReason, string> = {
  'before-this-device': 'sent before this device joined',
  tampered: 'altered or damaged on the way',
  replayed: 'a copy of a message already opened',
  'not-a-member': 'not sealed by the device it names',
  'unknown-group': 'sealed for keys this device does not have',
  expired: 'its keys were deleted before it arrived',
};

/** `🔒 end-to-end encrypted, verified` or `not encrypted: bob@b.example's server has no encryption`. */
export function formatSecurity(security: ConversationSecurity): string {
  if (security.state === 'unknown')
    return `encryption with ${security.peer} not known yet (sync to look up their keys)`;
  if (security.state === 'not-encrypted') {
    return `not encrypted: ${notEncryptedText(security)}`;
  }
  const changed = security.keyChanged ? ', KEYS CHANGED: sending blocked until acknowledged' : '';
  return `🔒 end-to-end encrypted${security.verified ? ', verified' : ', not verified'}${changed}`;
}

function notEncryptedText({ peer, reason }: ConversationSecurity): string {
  switch (reason) {
    case 'peer-server-has-no-key-directory':
      return `${peer}'s server has no end-to-end encryption`;
    case 'own-server-has-no-key-directory':
      return 'your server has no end-to-end encryption';
    case 'peer-has-no-keys':
    case null:
      return `${peer} has no encryption keys yet`;
  }
}

export function formatSafetyNumber(safetyNumber: SafetyNumber, security: ConversationSecurity): string {
  const groups = safetyNumber.digits.split(' ');
  const rows = [0, 4, 8].map((start) => `  ${groups.slice(start, start + 4).join(' ')}`);
  return [
    formatSecurity(security),
    `safety number with ${safetyNumber.peer} (the same on both sides):`,
    ...rows,
    `QR payload: ${safetyNumber.qrPayload}`,
  ].join('\n');
}

export function formatOwnKeys(keys: OwnKeys): string {
  return [
    `this device: ${keys.deviceId}`,
    `fingerprint: ${keys.fingerprint}`,
    'devices with keys:',
    ...keys.devices.map(
      (device) => `  ${device.deviceId}  ${device.fingerprint}${device.current ? '  (this one)' : ''}`,
    ),
  ].join('\n');
}

/** Only for messages to another server: `delivery: acked`, or `delivery: pending, 3 attempts, last error: …`. */
function describeDelivery(message: LocalMessage): string | null {
  if (!message.deliveryStatus) return null;
  const done = message.deliveryStatus === 'sent' || message.deliveryStatus === 'acked';
  const attempts = !done && message.deliveryAttempts ? `, ${message.deliveryAttempts} attempts` : '';
  const error = !done && message.lastDeliveryError ? `, last error: ${message.lastDeliveryError}` : '';
  return `delivery: ${message.deliveryStatus}${attempts}${error}`;
}

export function formatConversation(summary: ConversationSummary, viewer: string): string {
  const unread = summary.unreadCount > 0 ? `  ${summary.unreadCount} unread` : '';
  const who = summary.lastMessageFromUserId === viewer ? 'me' : 'them';
  return `${summary.peerUserId}${unread}  ${shortTime(summary.lastMessageAt)}  ${who}: ${truncate(summary.lastMessageContent, 60)}`;
}

export function formatInvite(invite: Invite, viewer: string): string {
  const direction = invite.fromUserId === viewer ? `to ${invite.toUserId}` : `from ${invite.fromUserId}`;
  const note = invite.message ? `  "${truncate(invite.message, 60)}"` : '';
  return `${invite.id}  ${direction}  ${invite.status}${note}`;
}

export function formatFriend(friend: Friend): string {
  return `${friend.friendUserId}  since ${shortTime(friend.since)}`;
}

export function formatOutboxEntry(entry: OutboxEntry, now: number): string {
  const next =
    entry.state === 'pending' && entry.nextAttemptAt > now ? `  next try in ${seconds(entry.nextAttemptAt - now)}` : '';
  const error = entry.lastError ? `  last error: ${entry.lastError}` : '';
  return `#${entry.id}  ${describeOperation(entry.operation)}  ${entry.state}  attempts ${entry.attempts}${next}${error}`;
}

export function describeOperation(operation: OutboxOperation): string {
  switch (operation.kind) {
    case 'send':
      return `send ${operation.clientMessageId}`;
    case 'read':
      return `read ${operation.messageId}`;
    case 'invite':
      return `invite ${operation.toUserId}`;
    case 'accept':
    case 'decline':
    case 'revoke':
      return `${operation.kind} ${operation.inviteId}`;
    case 'unfriend':
      return `unfriend ${operation.friendUserId}`;
  }
}

function shortTime(iso: string): string {
  return iso.replace('T', ' ').slice(0, 16);
}

function truncate(text: string, length: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}

function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`;
}
