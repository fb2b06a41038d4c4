import type { HttpRequest, HttpResponse, HttpStream, HttpTransport } from '../src/api/http-transport.ts';
import { ServerUnreachableError } from '../src/api/http-transport.ts';

export type ScriptedAnswer = { status: number; json?: unknown } | 'unreachable';

/** A transport that answers from a function: for unit tests of the client's rules (the end-to-end tests use a real node). */
export class ScriptedTransport implements HttpTransport {
  readonly requests: { method: string; path: string; body: unknown }[] = [];

  constructor(public answer: (method: string, path: string, body: any) => ScriptedAnswer) {}

  async send(request: HttpRequest): Promise<HttpResponse> {
    const url = new URL(request.url);
    const path = url.pathname + url.search;
    const body = request.body ? JSON.parse(request.body) : undefined;
    this.requests.push({ method: request.method, path, body });
    const answer = this.answer(request.method, path, body);
    if (answer === 'unreachable') throw new ServerUnreachableError(request.url, new Error('ECONNREFUSED'));
    return { status: answer.status, body: answer.json === undefined ? '' : JSON.stringify(answer.json) };
  }

  async stream(request: HttpRequest): Promise<HttpStream> {
    throw new ServerUnreachableError(request.url, new Error('no stream in unit tests'));
  }
}
