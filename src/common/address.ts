import { BadRequestException } from '@nestjs/common';

export const LOCALPART_PATTERN = /^[a-z0-9._-]{1,64}$/;
const SERVER_PATTERN = /^[a-z0-9.-]+(:\d{1,5})?$/;

export interface Address {
  localpart: string;
  server: string;
}

/**
 * Reads `localpart` or `localpart@server` (case-insensitive) into its parts; a bare localpart belongs to
 * `localServer`. Throws 400 with a message naming `field` when it is not an address.
 */
export function parseAddress(input: string, localServer: string, field = 'user'): Address {
  const value = input.trim().toLowerCase();
  const at = value.lastIndexOf('@');
  const localpart = at === -1 ? value : value.slice(0, at);
  const server = at === -1 ? localServer : value.slice(at + 1);
  if (!LOCALPART_PATTERN.test(localpart) || !SERVER_PATTERN.test(server) || server.length > 255) {
    throw new BadRequestException(`${field} must be a username or an address like alice@example.com`);
  }
  return { localpart, server };
}

export function formatAddress({ localpart, server }: Address): string {
  return `${localpart}@${server}`;
}

/** The server part of a full address (`alice@a.example` → `a.example`). */
export function serverOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}
