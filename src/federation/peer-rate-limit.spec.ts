import { quotaLeft, ratePolicy, retryAfterMs } from './peer-rate-limit';

describe('a peer’s rate-limit headers', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': '120' }, now)).toBe(120_000);
    expect(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now)).toBe(30_000);
    expect(retryAfterMs({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }, now)).toBe(0);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeNull();
    expect(retryAfterMs({}, now)).toBeNull();
  });

  it('reads the quota of RateLimit-Policy in both draft forms, and refuses nonsense', () => {
    expect(ratePolicy({ 'ratelimit-policy': '20;w=900' })).toEqual({ limit: 20, windowMs: 900_000 });
    expect(ratePolicy({ 'ratelimit-policy': '"default";q=5;w=2' })).toEqual({ limit: 5, windowMs: 2000 });
    expect(ratePolicy({ 'ratelimit-policy': '20;w=900, 100;w=3600' })).toEqual({ limit: 20, windowMs: 900_000 });
    expect(ratePolicy({ 'ratelimit-policy': '0;w=900' })).toBeNull();
    expect(ratePolicy({ 'ratelimit-policy': '20' })).toBeNull();
    // Beyond what the destination's integer column holds: taken as no limit, not an error on every answer.
    expect(ratePolicy({ 'ratelimit-policy': '3000000000;w=60' })).toBeNull();
    expect(ratePolicy({ 'ratelimit-policy': '2147483647;w=99999999999' })).toEqual({
      limit: 2147483647,
      windowMs: 24 * 60 * 60 * 1000,
    });
    expect(ratePolicy({})).toBeNull();
  });

  it('reads what is left of the current window, from the combined or the separate headers', () => {
    expect(quotaLeft({ ratelimit: 'limit=20, remaining=0, reset=850' })).toEqual({ remaining: 0, resetMs: 850_000 });
    expect(quotaLeft({ ratelimit: 'limit=20, remaining=3, reset=850' })).toEqual({ remaining: 3, resetMs: 850_000 });
    expect(quotaLeft({ 'ratelimit-remaining': '0', 'ratelimit-reset': '7' })).toEqual({ remaining: 0, resetMs: 7000 });
    expect(quotaLeft({ 'ratelimit-remaining': '99999999999', 'ratelimit-reset': '7' })?.remaining).toBe(2 ** 31 - 1);
    expect(quotaLeft({ ratelimit: 'limit=20, remaining=x, reset=850' })).toBeNull();
    expect(quotaLeft({})).toBeNull();
  });
});
