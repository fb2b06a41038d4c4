import { createServer } from 'node:net';

/** A port another process holds; its message is the one line an operator needs: which variable to change. */
export class PortInUseError extends Error {
  constructor(port: number, variable: string) {
    super(`port ${port} is in use: set ${variable} to a free port`);
  }
}

export function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EADDRINUSE';
}

/**
 * Fails with a {@link PortInUseError} naming `variable` when `host:port` cannot be bound. Checked before anything is
 * started, so that a clash costs one line instead of a started database and a listen error with its stack.
 */
export async function ensurePortFree(host: string, port: number, variable: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error) => reject(isAddressInUse(error) ? new PortInUseError(port, variable) : error));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
