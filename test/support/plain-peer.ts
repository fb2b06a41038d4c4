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

/**
 * A plain MyLife node, written from the federation description alone: it only speaks
 * `POST /api/federation/inbox/messages`, signed with one shared key (hex HMAC-SHA256 of `${timestamp}.${rawBody}`),
 * keeps receipts by (sender server, client message id), answers 201 with the message and 200 with
 * `{ok, duplicate: true, message}` to a replay. It publishes no /.well-known document. Like a real plain node, it keeps
 * user ids exactly as sent and compares them case-sensitively, refuses content over 8,000 characters with 400, and
 * writes its errors as `{"error": "<reason>"}`.
 */
export class PlainPeer {
  readonly received: PlainMessage[] = [];
  /** When set, every inbox request gets this status (to play a peer that always fails). */
  failWith: number | null = null;
  private readonly receipts = new Map<string, PlainMessage>();
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

  /** Signs and posts a message to another node's inbox, as a plain node does. */
  async deliver(
    nodeUrl: string,
    message: Omit<PlainMessage, 'senderServer'>,
    options: { timestamp?: string; key?: string; tamper?: boolean } = {},
  ) {
    const body = JSON.stringify({ ...message, senderServer: this.name });
    const timestamp = options.timestamp ?? new Date().toISOString();
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
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'POST' || request.url !== '/api/federation/inbox/messages')
      return reply(404, { error: 'not found' });
    if (this.failWith) return reply(this.failWith, { error: 'this peer is broken' });
    const timestamp = String(request.headers['x-mylife-federation-timestamp'] ?? '');
    const signature = String(request.headers['x-mylife-federation-signature'] ?? '');
    const expected = createHmac('sha256', this.sharedKey).update(`${timestamp}.`).update(rawBody).digest();
    const presented = Buffer.from(signature, 'hex');
    const fresh = Math.abs(Date.now() - Date.parse(timestamp)) <= 30_000;
    if (!fresh || presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      return reply(401, { error: 'invalid signature' });
    }
    const message = JSON.parse(rawBody.toString('utf8')) as PlainMessage;
    const invalid = this.invalidContent(message);
    if (invalid) return reply(400, { error: invalid });
    const key = `${request.headers['x-mylife-federation-server']} ${message.clientMessageId}`;
    const stored = this.receipts.get(key);
    if (stored) return reply(200, { ok: true, duplicate: true, message: stored });
    this.receipts.set(key, message);
    this.received.push(message);
    reply(201, { ok: true, message });
  }

  /** The reason a plain node refuses a message's content, or null. */
  private invalidContent(message: PlainMessage): string | null {
    if (typeof message.content !== 'string' || message.content.length === 0) return 'content is required';
    if (message.content.length > PLAIN_PEER_MAX_CONTENT_CHARS) return 'content too long';
    return null;
  }
}
