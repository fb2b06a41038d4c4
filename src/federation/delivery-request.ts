import { MAX_CONTENT_BYTES } from '../messages/dto/messages.dto';
import { PeerLimits } from './destination.entity';
import { OutboxEntity, OutboxKind } from './outbox.entity';

/** The capability a peer must announce for each kind of delivery; plain message delivery needs none. */
export const REQUIRED_CAPABILITY: Record<OutboxKind, string | null> = {
  message: null,
  receipts: 'receipts',
  invite: 'invites',
  'invite-answer': 'invites',
  unfriend: 'invites',
  'key-change': 'keys',
};

export const INBOX_PATHS = {
  message: '/api/federation/inbox/messages',
  batch: '/api/federation/inbox/batch',
  receipts: '/api/federation/inbox/receipts',
  invite: '/api/federation/inbox/invites',
  'invite-answer': '/api/federation/inbox/invite-answers',
  unfriend: '/api/federation/inbox/unfriend',
  'key-change': '/api/federation/inbox/key-changes',
} as const;

/** The key directory's synchronous requests to a peer (capability `keys`). */
export const KEYS_PATHS = {
  query: '/api/federation/keys/query',
  claim: '/api/federation/keys/claim',
} as const;

/** What this node announces at /.well-known/mylife-federation. */
export const OUR_CAPABILITIES = ['messages', 'batch', 'receipts', 'invites', 'keys'];
/** What this node takes in one message, announced there too (senders refuse longer content at once). */
export const OUR_LIMITS: PeerLimits = { maxContentBytes: MAX_CONTENT_BYTES };

export interface WireMessage {
  id: string;
  clientMessageId: string;
  fromUserId: string;
  toUserId: string;
  contentType: string;
  content: string;
  createdAt: string;
  senderServer: string;
}

export interface DeliveryRequest {
  path: string;
  body: Record<string, unknown>;
}

/** The request for claimed rows of one kind (several for a message batch or gathered receipts). */
export function deliveryRequest(
  rows: (OutboxEntity & { message: WireMessage | null })[],
  transactionId: string,
): DeliveryRequest {
  const [first] = rows;
  if (first.kind === 'receipts') {
    const receipts = rows.flatMap((row) => (row.payload as { receipts: unknown[] }).receipts);
    return { path: INBOX_PATHS.receipts, body: { receipts } };
  }
  if (first.kind !== 'message') return { path: INBOX_PATHS[first.kind], body: first.payload ?? {} };
  if (rows.length === 1) return { path: INBOX_PATHS.message, body: { ...first.message! } };
  return { path: INBOX_PATHS.batch, body: { transactionId, messages: rows.map((row) => row.message!) } };
}

/**
 * A batch of messages stays under this many bytes of JSON, half of what a MyLife inbox takes (16 MiB): a message's
 * content is at most 64 KiB, but JSON writes a control character as six bytes, so 100 of them can be 39 MB.
 */
export const MAX_BATCH_BODY_BYTES = 8 * 1024 * 1024;

// At most this many bytes of JSON for a message's fields besides its content (ids, addresses, escaped six-fold).
const MESSAGE_FIELDS_BYTES = 8192;

/** The longest run of rows from the first whose messages fit in one batch body (always at least the first row). */
export function rowsWithinBodyLimit<Row extends { message: WireMessage | null }>(
  rows: Row[],
  maxBytes = MAX_BATCH_BODY_BYTES,
): Row[] {
  // Almost always the rows fit even at six bytes per character: then no message is serialised here.
  const atMost = rows.reduce(
    (sum, row) => sum + (row.message ? 6 * row.message.content.length + MESSAGE_FIELDS_BYTES : 0),
    0,
  );
  if (atMost <= maxBytes) return rows;
  let bytes = 0;
  for (const [index, row] of rows.entries()) {
    bytes += row.message ? Buffer.byteLength(JSON.stringify(row.message)) + 1 : 0;
    if (bytes > maxBytes && index > 0) return rows.slice(0, index);
  }
  return rows;
}

/** 401 (keys may have rotated), 408 and 429 are worth retrying; any other 4xx will never succeed. */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 408, 429].includes(status);
}

/**
 * What a peer's answer means for a row it carried: `sent`; `refused` for good; `retry` (an attempt spent); `later`
 * (429/503: the peer asks us to come back, no attempt is spent); `awaiting-friendship` (403 from a peer without
 * federated invites: its operator records friendships by hand, maybe not yet; the row waits, no attempt is spent).
 */
export type RowVerdict = 'sent' | 'refused' | 'retry' | 'later' | 'awaiting-friendship';

export function rowVerdict(status: number, peerTakesInvites: boolean): RowVerdict {
  if (status >= 200 && status < 300) return 'sent';
  if (status === 429 || status === 503) return 'later';
  if (status === 403 && !peerTakesInvites) return 'awaiting-friendship';
  return isPermanentStatus(status) ? 'refused' : 'retry';
}

/**
 * What a peer's answer to a delivery says about the peer as a whole: it took the delivery (`delivered`), asks us to
 * slow down (`throttled`), is failing (5xx, 408), is up and judging deliveries (`alive`: another 4xx), or nothing
 * (401: it refused our signature, which proves neither).
 */
export type DestinationVerdict = 'delivered' | 'throttled' | 'failing' | 'alive' | 'unknown';

export function destinationVerdict(status: number): DestinationVerdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 429 || status === 503) return 'throttled';
  if (status >= 500 || status === 408) return 'failing';
  return status === 401 ? 'unknown' : 'alive';
}

/** The last error of a row that waited `waitedMs` without being delivered, and fails for good. */
export function gaveUpAfterWaiting(waitedMs: number, reason: string | null): string {
  const units: [number, string][] = [
    [86_400_000, 'days'],
    [3_600_000, 'hours'],
    [60_000, 'minutes'],
    [1000, 'seconds'],
  ];
  const [size, name] = units.find(([unitMs]) => waitedMs >= 2 * unitMs) ?? units[3];
  return `gave up after ${Math.round(waitedMs / size)} ${name} of waiting: ${reason ?? 'never delivered'}`;
}
