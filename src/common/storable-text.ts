/**
 * Text PostgreSQL can store as it was sent: no NUL character (text columns refuse it) and no lone UTF-16 surrogate
 * (it would silently become U+FFFD). Every string a client sends is held to it once, as the request is read
 * (`assertSafeValue` in request-body.ts), so that no field can forget it.
 */
export function isStorableText(value: unknown): boolean {
  return typeof value === 'string' && !value.includes('\u0000') && value.isWellFormed();
}
