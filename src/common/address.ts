import { BadRequestException } from '@nestjs/common';

/** A username of this node: lower-case, so that `Alice` and `alice` are one account. */
export const LOCALPART_PATTERN = /^[a-z0-9._-]{1,64}$/;
/**
 * The local part of a user of another server, kept exactly as that server writes it: a plain MyLife node compares its
 * ids case-sensitively, so `Yara` lower-cased is somebody else there.
 */
const REMOTE_LOCALPART_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** A TCP port as a URL may name it: 1–65535, no leading zero. */
const PORT = '(?:[1-9]\\d{0,3}|[1-5]\\d{4}|6[0-4]\\d{3}|65[0-4]\\d{2}|655[0-2]\\d|6553[0-5])';
/** A DNS label: 1–63 of [a-z0-9-], not starting or ending with '-'. */
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** Labels joined by dots: no empty label and no trailing dot, which would be a second spelling of the same server. */
const HOST = `${LABEL}(?:\\.${LABEL})*`;
const MAX_HOST_LENGTH = 253;
/** A server name as this project writes it (lower-case `host[:port]`); the one pattern for addresses and config. */
export const SERVER_NAME_SOURCE = `${HOST}(?::${PORT})?`;
export const SERVER_NAME_PATTERN = new RegExp(`^${SERVER_NAME_SOURCE}$`);

export interface Address {
  localpart: string;
  server: string;
}

/**
 * True for a lower-case `host[:port]` with a port of 1–65535 whose host a URL keeps as it is written. The URL parser
 * refuses some names the pattern lets through (`256.256.256.256`, `1.2.3.4.5`, `xn--zz`) and rewrites others
 * (`0x7f.1`, `2130706433` are 127.0.0.1): a server has one spelling, the one its requests are sent to.
 */
export function isServerName(value: string): boolean {
  if (!SERVER_NAME_PATTERN.test(value)) return false;
  const host = value.replace(/:\d+$/, '');
  if (host.length > MAX_HOST_LENGTH) return false;
  try {
    return new URL(`http://${host}`).hostname === host;
  } catch {
    return false;
  }
}

/**
 * Reads `localpart` or `localpart@server` into its parts: the server part is case-insensitive (lower-cased), and so
 * is the local part of a user of `localServer` (this node); the local part of another server's user is kept as it
 * is. A bare localpart belongs to `defaultServer` (this node unless given). Throws 400 with a message naming `field`
 * when it is not an address.
 */
export function parseAddress(input: string, localServer: string, field = 'user', defaultServer = localServer): Address {
  const value = input.trim();
  const at = value.lastIndexOf('@');
  const server = at === -1 ? defaultServer : value.slice(at + 1).toLowerCase();
  const local = server === localServer;
  const localpart = at === -1 ? value : value.slice(0, at);
  const normalised = local ? localpart.toLowerCase() : localpart;
  if (!(local ? LOCALPART_PATTERN : REMOTE_LOCALPART_PATTERN).test(normalised) || !isServerName(server)) {
    throw new BadRequestException(
      `${field} must be a username or an address like alice@example.com (a port, if any, of 1-65535)`,
    );
  }
  return { localpart: normalised, server };
}

export function formatAddress({ localpart, server }: Address): string {
  return `${localpart}@${server}`;
}

/** The server part of a full address (`alice@a.example` → `a.example`). */
export function serverOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/** The local part of a full address (`alice@a.example` → `alice`). */
export function localpartOf(address: string): string {
  return address.slice(0, address.lastIndexOf('@'));
}

/** The same key for both orders of a pair of addresses: a conversation's, and its lock's. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}
