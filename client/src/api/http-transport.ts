export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** Response headers by lower-case name; a transport may leave out those the client does not read. */
export type HttpHeaders = Record<string, string>;

export interface HttpResponse {
  status: number;
  body: string;
  /** At least `retry-after` when the server sent it (how long a 429 or 503 asks to wait). */
  headers?: HttpHeaders;
}

export interface HttpStream {
  status: number;
  headers?: HttpHeaders;
  /** The body as text chunks, as they arrive. */
  chunks: AsyncIterable<string>;
  /** The whole body, for a response that is not a stream (an error). */
  text(): Promise<string>;
}

/**
 * The client's only way to the network, so that an app can bring its own (a platform HTTP stack, a keep-alive pool)
 * and tests can cut the line. Throws `ServerUnreachableError` when no answer comes, never for an HTTP status.
 */
export interface HttpTransport {
  send(request: HttpRequest): Promise<HttpResponse>;
  stream(request: HttpRequest): Promise<HttpStream>;
}

/** No HTTP answer at all: refused, reset, timed out, DNS. The operation may well succeed later. */
export class ServerUnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot reach ${new URL(url).origin}: ${describeCause(cause)}`, { cause });
    this.name = 'ServerUnreachableError';
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause;
    if (inner instanceof Error && 'code' in inner) return String(inner.code);
    return cause.message;
  }
  return String(cause);
}

export interface FetchTransportOptions {
  /** For one request/response; streams have no overall limit. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The global `fetch` of Node 20 and browsers. */
export class FetchTransport implements HttpTransport {
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: FetchTransportOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    try {
      const response = await this.fetchImpl(request.url, { ...toInit(request), signal });
      return { status: response.status, body: await response.text(), headers: headersOf(response) };
    } catch (error) {
      if (request.signal?.aborted) throw error;
      throw new ServerUnreachableError(request.url, error);
    }
  }

  async stream(request: HttpRequest): Promise<HttpStream> {
    let response: Response;
    try {
      response = await this.fetchImpl(request.url, toInit(request));
    } catch (error) {
      if (request.signal?.aborted) throw error;
      throw new ServerUnreachableError(request.url, error);
    }
    const url = request.url;
    return {
      status: response.status,
      headers: headersOf(response),
      text: () => response.text(),
      chunks: (async function* () {
        if (!response.body) return;
        const decoder = new TextDecoder();
        const reader = response.body.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            yield decoder.decode(value, { stream: true });
          }
        } catch (error) {
          if (request.signal?.aborted) return;
          throw new ServerUnreachableError(url, error);
        } finally {
          reader.releaseLock();
        }
      })(),
    };
  }
}

/** `Headers` iterates with lower-case names. */
function headersOf(response: Response): HttpHeaders {
  return Object.fromEntries(response.headers);
}

function toInit(request: HttpRequest): RequestInit {
  return { method: request.method, headers: request.headers, body: request.body, signal: request.signal };
}
