import { createHmac, timingSafeEqual } from 'node:crypto';

export const FEDERATION_HEADERS = {
  server: 'x-mylife-federation-server',
  timestamp: 'x-mylife-federation-timestamp',
  signature: 'x-mylife-federation-signature',
  keyId: 'x-mylife-federation-key-id',
} as const;

/** A body as sent: whole, or as the chunks it arrived in (so that a body need not be copied to be verified). */
export type RawBody = Buffer | string | readonly Buffer[];

/** The wire format of existing MyLife nodes: lower-case hex HMAC-SHA256 of `${timestamp}.${rawBody}`. */
export function signBody(secret: string | Buffer, timestamp: string, rawBody: RawBody): string {
  const hmac = createHmac('sha256', secret).update(`${timestamp}.`);
  for (const part of typeof rawBody === 'string' || Buffer.isBuffer(rawBody) ? [rawBody] : rawBody) hmac.update(part);
  return hmac.digest('hex');
}

/** Constant-time check of a presented signature against the expected one for `secret`. */
export function signatureMatches(
  secret: string | Buffer,
  timestamp: string,
  rawBody: RawBody,
  presented: string,
): boolean {
  if (!/^[0-9a-f]{64}$/.test(presented)) return false;
  const expected = Buffer.from(signBody(secret, timestamp, rawBody), 'hex');
  return timingSafeEqual(expected, Buffer.from(presented, 'hex'));
}
