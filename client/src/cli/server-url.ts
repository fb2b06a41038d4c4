import { UsageError } from './profile.ts';

/**
 * `--server` as people type it: the node's URL, or its `host[:port]` as in addresses (`alice@localhost:8787`). Without
 * a scheme, a node on this machine is spoken to over http:// (as `npm start` serves it) and any other over https://
 * (the README puts public nodes behind TLS); the caller says which was chosen.
 */
export function serverUrlFromOption(value: string): { url: string; schemeAssumed: boolean } {
  const typed = value.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(typed)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') throw unusable(value);
  const candidate = scheme === undefined ? `http://${typed}` : typed;
  if (!URL.canParse(candidate)) throw unusable(value);
  const url = new URL(candidate);
  if (url.username || url.password || url.search || url.hash) throw unusable(value);
  // A node serves its API (/api/...) and federation (/.well-known/...) from the root of its origin: a path typed here
  // (often /api) would only make every request miss.
  if (url.pathname !== '/') {
    throw new UsageError(`--server is the node's URL without a path, such as ${url.origin} (got "${value}")`);
  }
  if (scheme !== undefined) return { url: url.origin, schemeAssumed: false };
  if (!isThisMachine(url.hostname)) url.protocol = 'https:';
  return { url: url.origin, schemeAssumed: true };
}

function isThisMachine(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname) ||
    hostname === '[::1]'
  );
}

function unusable(value: string): UsageError {
  return new UsageError(
    `--server is the node's URL, such as http://localhost:8787 or https://chat.example.com (got "${value}")`,
  );
}
