import {
  BadRequestException,
  PayloadTooLargeException,
  RequestTimeoutException,
  ServiceUnavailableException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { Request } from 'express';
import { BodyBudget } from './body-budget';
import { isStorableText } from './storable-text';

/**
 * Deeper than any request of ours (a federation batch is 3 levels). Without a bound, class-transformer (the
 * validation pipe) recursed once per level and overflowed the stack at about 2,000 levels: a 500.
 */
export const MAX_JSON_DEPTH = 32;

/** Seconds a client should wait when the body budget is spent: bodies in flight finish within moments. */
const BUSY_RETRY_AFTER_SECONDS = 1;

/** Whether the request carries a body at all (as type-is decides it: a length or a chunked transfer). */
export function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || request.headers['content-length'] !== undefined;
}

/** Every body we take is JSON in UTF-8: anything else is refused before a byte of it is read. */
export function assertJsonContent(request: Request): void {
  if (request.headers['content-length'] === '0') return;
  if (!request.is(['json', '+json'])) {
    throw new UnsupportedMediaTypeException(
      `the request body must be JSON: send it with Content-Type: application/json (got ${request.headers['content-type'] ?? 'no Content-Type'})`,
    );
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
  if (charset && !/^utf-?8$/i.test(charset)) {
    throw new UnsupportedMediaTypeException(`unsupported charset "${charset}": send the body in UTF-8`);
  }
  const encoding = request.headers['content-encoding']?.toLowerCase() ?? 'identity';
  if (encoding !== 'identity') {
    throw new UnsupportedMediaTypeException(
      `Content-Encoding ${encoding} is not supported: send the body uncompressed`,
    );
  }
}

/**
 * Reads the whole body as the chunks it arrived in (joined only by the parse, so that no copy is made of a body
 * whose signature fails), at most `limit` bytes within the budget's timeout, with every byte taken from the process's
 * body budget as it arrives, and hands the chunks to `use`; the budget gets the bytes back as soon as `use` is done
 * (not when the response is: a long response, such as an event stream, would hold them for its whole life). Beyond
 * the limit: 413; beyond the budget or this client's share of it: 503 with Retry-After; too slow: 408. Either way
 * the rest of the body is discarded as it arrives, never held.
 */
export async function readBody<T>(
  request: Request,
  limit: number,
  budget: BodyBudget,
  { deadlineMs = budget.timeoutMs }: { deadlineMs?: number },
  use: (chunks: Buffer[]) => T | Promise<T>,
): Promise<T> {
  const allowed = Math.min(limit, budget.holderShare);
  const holder = request.ip ?? request.socket.remoteAddress ?? '';
  const chunks = await readChunks(request, allowed, budget, holder, deadlineMs);
  try {
    return await use(chunks);
  } finally {
    budget.giveBack(
      holder,
      chunks.reduce((sum, chunk) => sum + chunk.length, 0),
    );
  }
}

/** The body's chunks, their bytes taken from the budget; a failure gives its bytes back itself. */
function readChunks(
  request: Request,
  allowed: number,
  budget: BodyBudget,
  holder: string,
  deadlineMs: number,
): Promise<Buffer[]> {
  const tooLarge = () => new PayloadTooLargeException(`the request body is too large (at most ${allowed} bytes)`);
  if (Number(request.headers['content-length']) > allowed) return Promise.reject(tooLarge());
  // A stream read before would never end again: a route whose body an earlier layer took must not wait for it.
  if (request.readableEnded) return Promise.reject(new BadRequestException('the request body was read already'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const deadline = setTimeout(
      () =>
        fail(
          new RequestTimeoutException(
            `the request body did not arrive within ${Math.ceil(deadlineMs / 1000)} s (MYLIFE_BODY_TIMEOUT)`,
          ),
        ),
      deadlineMs,
    );
    const stop = () => {
      clearTimeout(deadline);
      request.off('data', onData).off('end', onEnd).off('error', onFailure).off('close', onFailure);
    };
    const fail = (error: Error) => {
      stop();
      budget.giveBack(holder, length);
      chunks.length = 0;
      request.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      if (length + chunk.length > allowed) return fail(tooLarge());
      const outcome = budget.tryTake(holder, chunk.length);
      if (outcome !== 'taken') {
        return fail(
          new ServiceUnavailableException({
            message:
              outcome === 'busy'
                ? 'this server is reading too many request bodies at once; try again shortly'
                : 'this server is reading too many request bodies from your address at once; try again shortly',
            retryAfter: BUSY_RETRY_AFTER_SECONDS,
          }),
        );
      }
      length += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(chunks);
    };
    const onFailure = () => fail(new BadRequestException('the request body could not be read to its end'));
    request.on('data', onData).once('end', onEnd).once('error', onFailure).once('close', onFailure);
  });
}

/** The parsed body, refused (400) when it is not a JSON object (no route takes anything else) or fails {@link assertSafeValue}. */
export function parseJsonBody(chunks: readonly Buffer[]): unknown {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  try {
    for (const chunk of chunks) text += utf8.decode(chunk, { stream: true });
    text += utf8.decode();
  } catch {
    throw new BadRequestException('the request body is not valid UTF-8');
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestException('the request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestException('the request body must be a JSON object');
  }
  assertSafeValue(value, 'the request body');
  return value;
}

/** Checks, reads and parses a JSON body (see {@link assertJsonContent}, {@link readBody}, {@link parseJsonBody}). */
export function readJsonBody(request: Request, limit: number, budget: BodyBudget): Promise<unknown> {
  assertJsonContent(request);
  return readBody(request, limit, budget, {}, parseJsonBody);
}

/**
 * One rule for every value a client sends (bodies and query strings), before any validation runs: nested at most
 * {@link MAX_JSON_DEPTH} levels, and every string, field names included, text PostgreSQL can store as it was sent.
 */
export function assertSafeValue(value: unknown, what: string): void {
  const problem = findProblem(value, 0);
  if (!problem) return;
  if (problem.kind === 'depth') throw new BadRequestException(`${what} is nested more than ${MAX_JSON_DEPTH} levels`);
  const path = problem.path.reduce<string>(
    (text, step) => (typeof step === 'number' ? `${text}[${step}]` : text ? `${text}.${step}` : step),
    '',
  );
  throw new BadRequestException(
    `${problem.kind === 'key' ? `a field name in ${path || what}` : path || what} must be well-formed Unicode text without NUL characters`,
  );
}

type Problem = { kind: 'depth' } | { kind: 'text' | 'key'; path: (string | number)[] };

function findProblem(value: unknown, depth: number): Problem | null {
  if (typeof value === 'string') return isStorableText(value) ? null : { kind: 'text', path: [] };
  if (typeof value !== 'object' || value === null) return null;
  if (depth >= MAX_JSON_DEPTH) return { kind: 'depth' };
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    if (typeof key === 'string' && !isStorableText(key)) return { kind: 'key', path: [] };
    const problem = findProblem(item, depth + 1);
    if (problem?.kind === 'depth') return problem;
    if (problem) return { ...problem, path: [key, ...problem.path] };
  }
  return null;
}
