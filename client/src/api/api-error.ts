import type { HttpHeaders } from './http-transport.ts';

/** The server answered with an error (`{statusCode, error, message, requestId}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly requestId: string | null = null,
    /** How long the server asked to wait before trying again (its `Retry-After`), in whole seconds; null when it did not say. */
    readonly retryAfterSeconds: number | null = null,
    /** A machine-readable reason some answers carry (`no-key-directory`); null otherwise. */
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static fromResponse(status: number, body: string, headers: HttpHeaders = {}, now = Date.now()): ApiError {
    const retryAfterSeconds = retryAfterSecondsOf(headers['retry-after'], now);
    try {
      const parsed = JSON.parse(body) as { message?: unknown; requestId?: unknown; code?: unknown };
      const message = Array.isArray(parsed.message) ? parsed.message.join('; ') : parsed.message;
      return new ApiError(
        status,
        typeof message === 'string' && message ? message : `HTTP ${status}`,
        typeof parsed.requestId === 'string' ? parsed.requestId : null,
        retryAfterSeconds,
        typeof parsed.code === 'string' ? parsed.code : null,
      );
    } catch {
      return new ApiError(status, body.trim().slice(0, 200) || `HTTP ${status}`, null, retryAfterSeconds);
    }
  }

  /** The token is missing, expired or revoked: nothing works until the user logs in again. */
  get isUnauthorized(): boolean {
    return this.status === 401;
  }

  /**
   * Sending the same request again can never succeed: the server refused what it says, not how it felt. 408, 425
   * and 429 are about timing, 401 about the token, and 5xx about the server: those are retried.
   */
  get isPermanent(): boolean {
    return this.status >= 400 && this.status < 500 && ![401, 408, 425, 429].includes(this.status);
  }
}

/** `Retry-After` as whole seconds from `now`: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterSecondsOf(value: string | undefined, now = Date.now()): number | null {
  const text = value?.trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Number(text);
  // An HTTP date starts with the day's name ("Mon, 07 Dec 2026 08:04:30 GMT"); Date.parse would take "-5" as a year.
  if (!/^[a-z]{3}/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}
