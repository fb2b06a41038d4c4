import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';

export interface PlainMessage {
  id: string;
  clientMessageId: string;
  fromUserId: string;
  toUserId: string;
  contentType: string;
  content: string;
  createdAt: string;
  senderServer: string;
}

/** A plain MyLife node refuses longer content with 400. */
export const PLAIN_PEER_MAX_CONTENT_CHARS = 8000;

/** The inbox limit of a plain node per client address (express-rate-limit's draft-7 headers). */
export interface InboxRateLimit {
  limit: number;
  windowMs: number;
}

/**
 * A plain MyLife node, written from the federation description alone: it only speaks
 * `POST /api/federation/inbox/messages`, signed with one shared key (hex HMAC-SHA256 of `${timestamp}.${rawBody}`),
 * keeps receipts by (sender server, client message id), answers 201 with the message and 200 with
 * `{ok, duplicate: true, message}` to a replay. Like a real plain node, it keeps user ids exactly as sent and compares
 * them case-sensitively, refuses content over 8,000 characters with 400, writes its errors as `{"error": "<reason>"}`,
 * publishes no /.well-known document (every unknown route needs a login: 401), limits its inbox per client address
 * (429 with `RateLimit` and `Retry-After`), and takes messages only from senders its operator recorded as friends of
 * the recipient (403 otherwise, see {@link befriend}).
 */
export class PlainPeer {
  readonly received: PlainMessage[] = [];
  /** When set, every inbox request gets this status (to play a peer that always fails). */
  failWith: number | null = null;
  /** The inbox rate limit; a test may shorten it (the real node: 20 requests per 15 minutes). */
  rateLimit: InboxRateLimit = { limit: 20, windowMs: 15 * 60_000 };
  /**
   * When set, the answers of the inbox wait for it after the peer has decided them: to play an answer that is on its
   * way while something else happens.
   */
  holdAnswers: Promise<void> | null = null;
  /** How far the peer's clock is from the true time: it checks timestamps and dates its answers by it. */
  clockOffsetMs = 0;
  /** How many requests got each answer, by route kind: to see that a probe or a refusal happened. */
  readonly answered = { wellKnown: 0, tooManyRequests: 0, forbidden: 0 };
  private readonly receipts = new Map<string, PlainMessage>();
  private readonly friendships = new Set<string>();
  private readonly windows = new Map<string, { startedAt: number; count: number }>();
  private server!: http.Server;
  port = 0;

  constructor(private readonly sharedKey: string) {}

  get name(): string {
    return `localhost:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => this.handle(request, Buffer.concat(chunks), response));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** What the peer's operator does by hand: records `remoteAddress` as a friend of its user `localUser`. */
  befriend(localUser: string, remoteAddress: string): void {
    this.friendships.add(this.friendshipKey(localUser, remoteAddress));
  }

  /** Signs and posts a message to another node's inbox, as a plain node does. */
  async deliver(
    nodeUrl: string,
    message: Omit<PlainMessage, 'senderServer'>,
    options: { timestamp?: string; key?: string; tamper?: boolean } = {},
  ) {
    const body = JSON.stringify({ ...message, senderServer: this.name });
    const timestamp = options.timestamp ?? new Date(this.now()).toISOString();
    const signature = createHmac('sha256', options.key ?? this.sharedKey)
      .update(`${timestamp}.${body}`)
      .digest('hex');
    const response = await fetch(`${nodeUrl}/api/federation/inbox/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-mylife-federation-server': this.name,
        'x-mylife-federation-timestamp': timestamp,
        'x-mylife-federation-signature': signature,
      },
      body: options.tamper ? body.replace(message.content, `${message.content}!`) : body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  private handle(request: http.IncomingMessage, rawBody: Buffer, response: http.ServerResponse): void {
    const reply = (status: number, body: unknown) => {
      const held = request.url === '/api/federation/inbox/messages' ? this.holdAnswers : null;
      void (held ?? Promise.resolve()).then(() => {
        response.writeHead(status, { 'content-type': 'application/json', date: new Date(this.now()).toUTCString() });
        response.end(JSON.stringify(body));
      });
    };
    if (request.method !== 'POST' || request.url !== '/api/federation/inbox/messages') {
      if (request.url === '/.well-known/mylife-federation') this.answered.wellKnown++;
      return reply(401, { error: 'authentication required' });
    }
    if (this.rateLimited(request, response)) return reply(429, { error: 'too many requests' });
    if (this.failWith) return reply(this.failWith, { error: 'this peer is broken' });
    const timestamp = String(request.headers['x-mylife-federation-timestamp'] ?? '');
    const signature = String(request.headers['x-mylife-federation-signature'] ?? '');
    const expected = createHmac('sha256', this.sharedKey).update(`${timestamp}.`).update(rawBody).digest();
    const presented = Buffer.from(signature, 'hex');
    const fresh = Math.abs(this.now() - Date.parse(timestamp)) <= 30_000;
    if (!fresh || presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      return reply(401, { error: 'invalid signature' });
    }
    let message: PlainMessage;
    try {
      message = JSON.parse(rawBody.toString('utf8')) as PlainMessage;
    } catch {
      return reply(400, { error: 'body is not valid JSON' });
    }
    if (typeof message !== 'object' || message === null) return reply(400, { error: 'body must be an object' });
    const invalid = this.invalidContent(message);
    if (invalid) return reply(400, { error: invalid });
    if (!this.friendships.has(this.friendshipKey(message.toUserId, message.fromUserId))) {
      this.answered.forbidden++;
      return reply(403, { error: 'sender is not a friend of the recipient' });
    }
    const key = `${request.headers['x-mylife-federation-server']} ${message.clientMessageId}`;
    const stored = this.receipts.get(key);
    if (stored) return reply(200, { ok: true, duplicate: true, message: stored });
    this.receipts.set(key, message);
    this.received.push(message);
    reply(201, { ok: true, message });
  }

  private now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** The reason a plain node refuses a message's content, or null. */
  private invalidContent(message: PlainMessage): string | null {
    if (typeof message.content !== 'string' || message.content.length === 0) return 'content is required';
    if (message.content.length > PLAIN_PEER_MAX_CONTENT_CHARS) return 'content too long';
    return null;
  }

  private friendshipKey(localUser: string, remoteAddress: string): string {
    const localpart = localUser.includes('@') ? localUser.slice(0, localUser.lastIndexOf('@')) : localUser;
    return `${localpart} ${remoteAddress}`;
  }

  /**
   * A fixed window per client address, as express-rate-limit counts: every inbox request counts, and each answer
   * carries the draft-7 `RateLimit` / `RateLimit-Policy` headers; past the limit, 429 with `Retry-After`.
   */
  private rateLimited(request: http.IncomingMessage, response: http.ServerResponse): boolean {
    const { limit, windowMs } = this.rateLimit;
    const client = request.socket.remoteAddress ?? '';
    const now = Date.now();
    let window = this.windows.get(client);
    if (!window || now - window.startedAt >= windowMs) {
      window = { startedAt: now, count: 0 };
      this.windows.set(client, window);
    }
    window.count++;
    const resetSeconds = Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000));
    response.setHeader('RateLimit-Policy', `${limit};w=${Math.ceil(windowMs / 1000)}`);
    response.setHeader(
      'RateLimit',
      `limit=${limit}, remaining=${Math.max(0, limit - window.count)}, reset=${resetSeconds}`,
    );
    if (window.count <= limit) return false;
    this.answered.tooManyRequests++;
    response.setHeader('Retry-After', String(resetSeconds));
    return true;
  }
}
