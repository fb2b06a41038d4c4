/** Node's codes for a connection that could not be made or was cut. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);
/** PostgreSQL's: connection exceptions (class 08), and shutting down or starting up (57P01–57P03). */
const POSTGRES_UNAVAILABLE = /^(08[0-9A-Z]{3}|57P0[123])$/;
/** What node-postgres says, without a code, when the server went away under a connection or the pool waited too long. */
const UNAVAILABLE_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect)/;

/**
 * Whether `error` says that PostgreSQL (or another service the node needs) cannot be reached right now — a restart,
 * a failover — rather than a bug: such a request is worth sending again shortly (503), and not an internal error.
 * TypeORM wraps the driver's error (`driverError`); a pool's connect error may hide in `cause`.
 */
export function isServiceUnavailable(error: unknown): boolean {
  for (let depth = 0, current = error; depth < 3 && current instanceof Object; depth++) {
    const { code, message, driverError, cause } = current as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || POSTGRES_UNAVAILABLE.test(code))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    current = driverError ?? cause;
  }
  return false;
}
