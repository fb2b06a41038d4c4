import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, retryAfterSecondsOf } from '../src/api/api-error.ts';
import { FetchTransport } from '../src/api/http-transport.ts';
import { MyLifeApi } from '../src/api/mylife-api.ts';

describe('Retry-After', () => {
  const now = Date.parse('2026-12-07T08:00:00.000Z');

  it('reads delta-seconds and HTTP dates as whole seconds from now; nothing for what it cannot read', () => {
    expect(retryAfterSecondsOf('120', now)).toBe(120);
    expect(retryAfterSecondsOf(' 0 ', now)).toBe(0);
    expect(retryAfterSecondsOf('Mon, 07 Dec 2026 08:04:30 GMT', now)).toBe(270);
    expect(retryAfterSecondsOf('Mon, 07 Dec 2026 07:00:00 GMT', now)).toBe(0);
    expect(retryAfterSecondsOf(undefined, now)).toBeNull();
    expect(retryAfterSecondsOf('soon', now)).toBeNull();
    expect(retryAfterSecondsOf('-5', now)).toBeNull();
  });

  it("is carried into the ApiError of the node's answer", () => {
    const body = JSON.stringify({ statusCode: 429, message: 'too many login attempts', requestId: 'r1' });
    expect(ApiError.fromResponse(429, body, { 'retry-after': '840' }, now)).toMatchObject({
      status: 429,
      message: 'too many login attempts',
      requestId: 'r1',
      retryAfterSeconds: 840,
    });
    expect(ApiError.fromResponse(503, 'busy', { 'retry-after': '3' }, now).retryAfterSeconds).toBe(3);
    expect(ApiError.fromResponse(429, body).retryAfterSeconds).toBeNull();
  });

  describe('over HTTP, through the fetch transport', () => {
    let server: Server;
    let url: string;

    beforeAll(async () => {
      server = createServer((request, response) => {
        const retryAfter = request.url === '/api/auth/session' ? '840' : 'Mon, 07 Dec 2026 08:04:30 GMT';
        response.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': retryAfter });
        response.end(JSON.stringify({ statusCode: 429, message: 'too many login attempts' }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('a refused call says how many seconds to wait', async () => {
      const refusal = await new MyLifeApi(new FetchTransport(), url).login('frank', 'guess', 'unit').catch((e) => e);
      expect(refusal).toBeInstanceOf(ApiError);
      expect(refusal).toMatchObject({ status: 429, retryAfterSeconds: 840 });
    });

    it('a refused event stream too', async () => {
      const refusal = await new MyLifeApi(new FetchTransport(), url, 'mlt_x')
        .openEvents(null, new AbortController().signal)
        .catch((e) => e);
      expect(refusal).toBeInstanceOf(ApiError);
      expect(refusal.status).toBe(429);
      expect(refusal.retryAfterSeconds).toEqual(expect.any(Number));
    });
  });
});
