/** The server answered with an error (`{statusCode, error, message, requestId}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static fromResponse(status: number, body: string): ApiError {
    try {
      const parsed = JSON.parse(body) as { message?: unknown; requestId?: unknown };
      const message = Array.isArray(parsed.message) ? parsed.message.join('; ') : parsed.message;
      return new ApiError(
        status,
        typeof message === 'string' && message ? message : `HTTP ${status}`,
        typeof parsed.requestId === 'string' ? parsed.requestId : null,
      );
    } catch {
      return new ApiError(status, body.trim().slice(0, 200) || `HTTP ${status}`);
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
