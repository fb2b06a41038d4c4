import { createServer, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface CapturedRequest {
  method: string;
  path: string;
  body: string;
  /** Answered by the proxy's {@link CapturingProxy.interceptor}, never forwarded to the node. */
  intercepted?: boolean;
}

/** The answer a proxy gives in the node's stead. */
export interface InterceptedAnswer {
  status: number;
  headers?: Record<string, string>;
}

/**
 * A loopback HTTP proxy in front of one node that keeps every request it forwards. A node whose server name is
 * `localhost:<proxy port>` is reached by its peers through it, so the proxy sees all server-to-server traffic to
 * that node, exactly as it went over the wire.
 */
export class CapturingProxy {
  readonly captured: CapturedRequest[] = [];
  private target: { port: number } | null = null;
  /** When set, may answer a request itself (a 429 to inbox requests, say) instead of forwarding it. */
  interceptor: ((request: { method: string; path: string }) => InterceptedAnswer | null) | null = null;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<CapturingProxy> {
    const server = createServer();
    const proxy = new CapturingProxy(server);
    server.on('request', (incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const body = Buffer.concat(chunks);
        const captured: CapturedRequest = {
          method: incoming.method ?? '',
          path: incoming.url ?? '',
          body: body.toString('utf8'),
        };
        proxy.captured.push(captured);
        const intercepted = proxy.interceptor?.(captured);
        if (intercepted) {
          captured.intercepted = true;
          outgoing.writeHead(intercepted.status, intercepted.headers).end();
          return;
        }
        if (!proxy.target) {
          outgoing.writeHead(503).end('no node behind the proxy yet');
          return;
        }
        const forwarded = request(
          {
            host: '127.0.0.1',
            port: proxy.target.port,
            method: incoming.method,
            path: incoming.url,
            headers: incoming.headers,
          },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forwarded.on('error', () => outgoing.writeHead(502).end('node unreachable'));
        forwarded.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The server name a node behind this proxy should take, so that peers come through it. */
  get serverName(): string {
    return `localhost:${(this.server.address() as AddressInfo).port}`;
  }

  forwardTo(url: string): void {
    this.target = { port: Number(new URL(url).port) };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
