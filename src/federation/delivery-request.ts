import { MAX_CONTENT_BYTES } from '../messages/dto/messages.dto';
import { PeerLimits } from './destination.entity';
import { LEGACY_BATCH_MESSAGES, MAX_INBOX_BATCH_MESSAGES } from './dto/inbox.dto';
import { OutboxKind } from './outbox.entity';

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
  hello: '/api/federation/inbox/hello',
} as const;

/** The key directory's synchronous requests to a peer (capability `keys`). */
export const KEYS_PATHS = {
  query: '/api/federation/keys/query',
  claim: '/api/federation/keys/claim',
} as const;

/** What this node announces at /.well-known/mylife-federation. */
export const OUR_CAPABILITIES = ['messages', 'batch', 'receipts', 'invites', 'keys'];
/** What this node takes in one message, announced there too (senders refuse longer content at once). */
export const OUR_LIMITS: PeerLimits = {
  maxContentBytes: MAX_CONTENT_BYTES,
  maxBatchMessages: MAX_INBOX_BATCH_MESSAGES,
};

/**
 * Messages in one request to a peer: one without the `batch` capability (a plain node); else as many as it announces
 * it takes, up to as many as ours does (a backlog drains in fewer, larger requests: 5,000 messages in 10 rather than
 * 50); 100 when it announces no number (an older MyLife node).
 */
export function messagesPerRequest(peer: { capabilities: string[]; limits: PeerLimits }): number {
  if (!peer.capabilities.includes('batch')) return 1;
  return Math.min(MAX_INBOX_BATCH_MESSAGES, peer.limits.maxBatchMessages ?? LEGACY_BATCH_MESSAGES);
}

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
  rows: { kind: OutboxKind; payload: Record<string, unknown> | null; message: WireMessage | null }[],
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
