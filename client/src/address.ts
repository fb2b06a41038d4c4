/**
 * A person as the server names them: `user@server`, lower-case. A bare username means someone on the viewer's own
 * server, as the server itself reads it, so that local rows use the same key the server will send back.
 */
export function toAddress(input: string, viewer: string): string {
  const trimmed = input.trim().toLowerCase();
  if (!trimmed) throw new LocalValidationError('an address is required (user or user@server)');
  if (trimmed.includes('@')) {
    const [user, server, ...rest] = trimmed.split('@');
    if (!user || !server || rest.length > 0) throw new LocalValidationError(`not an address: ${input}`);
    return trimmed;
  }
  return `${trimmed}@${serverOf(viewer)}`;
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
