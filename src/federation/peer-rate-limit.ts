/** Response headers as undici gives them (lower-case names). */
export type PeerHeaders = Record<string, string | string[] | undefined>;

/** A peer's announced request quota: `limit` requests per `windowMs`. */
export interface RatePolicy {
  limit: number;
  windowMs: number;
}

const MAX_WINDOW_MS = 24 * 60 * 60 * 1000;
/** The most requests per window we keep (a Postgres integer); a peer announcing more is taken to announce no limit. */
const MAX_LIMIT = 2 ** 31 - 1;

function header(headers: PeerHeaders, name: string): string | null {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() || null;
}

/** `Retry-After` in milliseconds from `now`: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(headers: PeerHeaders, now = Date.now()): number | null {
  const value = header(headers, 'retry-after');
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * The quota a peer announces in `RateLimit-Policy` (IETF draft: `20;w=900`, or later drafts' `"name";q=20;w=900`), as
 * express-rate-limit sends it with its standard headers; null when absent, unreadable or implausible.
 */
export function ratePolicy(headers: PeerHeaders): RatePolicy | null {
  const value = header(headers, 'ratelimit-policy');
  if (!value) return null;
  const [first, ...parameters] = value
    .split(',')[0]
    .split(';')
    .map((part) => part.trim());
  const named = Object.fromEntries(
    parameters.map((parameter) => parameter.split('=').map((part) => part.trim()) as [string, string]),
  );
  const limit = Number(/^\d+$/.test(first) ? first : named.q);
  const windowMs = Number(named.w) * 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return null;
  if (!Number.isFinite(windowMs) || windowMs < 1000) return null;
  return { limit, windowMs: Math.min(windowMs, MAX_WINDOW_MS) };
}

/** What the peer says is left of its current window, and in how many milliseconds that window resets. */
export interface QuotaLeft {
  remaining: number;
  resetMs: number;
}

/**
 * What is left of the peer's current window (`RateLimit: limit=20, remaining=3, reset=850`, or `RateLimit-Remaining: 3`
 * with `RateLimit-Reset: 850`); null when it does not say.
 */
export function quotaLeft(headers: PeerHeaders): QuotaLeft | null {
  const combined = header(headers, 'ratelimit');
  const fields: Record<string, string> = combined
    ? Object.fromEntries(combined.split(/[,;]/).map((part) => part.split('=').map((side) => side.trim())))
    : {
        remaining: header(headers, 'ratelimit-remaining') ?? '',
        reset: header(headers, 'ratelimit-reset') ?? '',
      };
  if (!/^\d+$/.test(fields.remaining ?? '') || !/^\d+$/.test(fields.reset ?? '')) return null;
  return {
    remaining: Math.min(Number(fields.remaining), MAX_LIMIT),
    resetMs: Math.min(Number(fields.reset) * 1000, MAX_WINDOW_MS),
  };
}
