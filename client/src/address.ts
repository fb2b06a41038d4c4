/**
 * A person as the server names them: `user@server`. The server part is lower-case, and so is a user of the viewer's
 * own server; a user of another server keeps the case that server gave them (`Yara@seed.example`), since servers
 * may tell `Yara` from `yara`. A bare username means someone on the viewer's own server, as the server itself reads
 * it, so that local rows use the same key the server will send back.
 */
export function toAddress(input: string, viewer: string): string {
  const trimmed = input.trim();
  if (!trimmed) throw new LocalValidationError('an address is required (user or user@server)');
  const home = serverOf(viewer);
  if (!trimmed.includes('@')) return `${trimmed.toLowerCase()}@${home}`;
  const [user, server, ...rest] = trimmed.split('@');
  if (!user || !server || rest.length > 0) throw new LocalValidationError(`not an address: ${input}`);
  const host = server.toLowerCase();
  return `${host === home ? user.toLowerCase() : user}@${host}`;
}

export function serverOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/** Refused on the device, before anything is stored or sent. */
export class LocalValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalValidationError';
  }
}
