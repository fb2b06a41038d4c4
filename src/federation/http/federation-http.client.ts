import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { lookup } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, Dispatcher, request } from 'undici';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { isPrivateAddress } from './network-policy';

const MAX_RESPONSE_BYTES = 1024 * 1024;
/** The slowest uplink a request's body is given time for (512 kbit/s, a poor home connection). */
const SLOWEST_UPLOAD_BYTES_PER_S = 64 * 1024;

/**
 * How long one request to a peer may take as a whole: the federation timeout, plus the time its body takes to upload
 * on the slowest uplink we allow for (an 8 MiB batch: 128 s more).
 */
export function requestDeadlineMs(timeoutMs: number, bodyBytes: number): number {
  return timeoutMs + Math.ceil((bodyBytes / SLOWEST_UPLOAD_BYTES_PER_S) * 1000);
}

export interface PeerResponse {
  status: number;
  /** Parsed JSON, or null when the body was empty or not JSON. */
  json: unknown;
  /** Lower-case names: `retry-after` and the rate-limit headers tell when to come back. */
  headers: Record<string, string | string[] | undefined>;
}

/** The peer's reason: ours answer `{error: <status text>, message: <reason>}`, a plain MyLife node `{error: <reason>}`. */
export function peerErrorMessage(response: PeerResponse): string {
  const body = response.json as { message?: unknown; error?: unknown } | null;
  const reason = [body?.message, body?.error].find((value) => typeof value === 'string');
  return typeof reason === 'string' ? reason.slice(0, 500) : '';
}

/** A request that never reached an answer from the peer: refused, timed out, unsafe target, oversized answer. */
export class PeerUnreachableError extends Error {}

/** The peer may not be contacted at all (deny list, not on the allow list). */
export class PeerForbiddenError extends Error {}

/**
 * Outbound HTTP to other servers: keep-alive pools per destination (undici), HTTPS unless insecure HTTP is allowed,
 * no private or loopback targets unless allowed (checked on the resolved address, so DNS cannot smuggle one in),
 * connect and response timeouts, a deadline on the whole exchange, and bounded response bodies.
 */
@Injectable()
export class FederationHttpClient implements OnModuleDestroy {
  private readonly agent: Agent;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const { timeoutMs, allowPrivateNetworks } = config.federation;
    this.agent = new Agent({
      connections: 32,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: {
        timeout: Math.min(timeoutMs, 5000),
        lookup: (hostname, options, callback) =>
          lookup(hostname, { ...options, all: true }, (error, addresses) => {
            if (error) return callback(error, '', 4);
            const list = Array.isArray(addresses) ? addresses : [{ address: addresses as string, family: 4 }];
            const usable = allowPrivateNetworks ? list : list.filter((entry) => !isPrivateAddress(entry.address));
            if (usable.length === 0) {
              return callback(
                new PeerForbiddenError(privateTarget(hostname, 'resolves only to private addresses')),
                '',
                4,
              );
            }
            if ((options as { all?: boolean }).all)
              return (callback as unknown as (e: null, a: typeof usable) => void)(null, usable);
            callback(null, usable[0].address, usable[0].family);
          }),
      },
    });
  }

  baseUrl(server: string): string {
    return `${this.config.federation.allowInsecureHttp ? 'http' : 'https'}://${server}`;
  }

  /** Throws PeerForbiddenError when policy forbids talking to `server`. */
  assertAllowed(server: string): void {
    const { allowedServers, blockedServers, allowPrivateNetworks } = this.config.federation;
    if (blockedServers.has(server)) throw new PeerForbiddenError(`${server} is on MYLIFE_FEDERATION_BLOCKED_SERVERS`);
    if (allowedServers && !allowedServers.has(server)) {
      throw new PeerForbiddenError(`${server} is not on MYLIFE_FEDERATION_ALLOWED_SERVERS`);
    }
    // A server named by an IP address (in any of the forms URL parsing accepts, e.g. 2130706433) is connected to
    // without a DNS lookup, so the lookup's check never runs: check the address itself.
    const hostname = new URL(this.baseUrl(server)).hostname.replace(/^\[|\]$/g, '');
    if (!allowPrivateNetworks && isIP(hostname) && isPrivateAddress(hostname)) {
      throw new PeerForbiddenError(privateTarget(server, 'is a private address'));
    }
  }

  /**
   * {@link assertAllowed}, and for a server named by a host name, that the name resolves to an address this node may
   * reach (the check each connection makes, made ahead). A name that does not resolve now passes: that may pass.
   */
  async assertReachable(server: string): Promise<void> {
    this.assertAllowed(server);
    const hostname = new URL(this.baseUrl(server)).hostname;
    if (this.config.federation.allowPrivateNetworks || isIP(hostname.replace(/^\[|\]$/g, ''))) return;
    const addresses = await dnsLookup(hostname, { all: true }).catch(() => []);
    if (addresses.length > 0 && addresses.every((entry) => isPrivateAddress(entry.address))) {
      throw new PeerForbiddenError(privateTarget(server, 'resolves only to private addresses'));
    }
  }

  async send(
    server: string,
    method: 'GET' | 'POST',
    path: string,
    body?: Buffer,
    headers: Record<string, string> = {},
  ): Promise<PeerResponse> {
    this.assertAllowed(server);
    const deadline = requestDeadlineMs(this.config.federation.timeoutMs, body?.length ?? 0);
    let response: Dispatcher.ResponseData<unknown>;
    try {
      response = await request(`${this.baseUrl(server)}${path}`, {
        method,
        body,
        headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
        dispatcher: this.agent,
        maxRedirections: 0,
        // The agent's timeouts bound each wait; the signal bounds the whole exchange, so that a peer answering byte
        // by byte cannot hold a delivery past its lease on the outbox rows (OutboxService.claim). undici starts the
        // wait for the answer's headers once a body is handed to the socket, not once it is sent: that wait must
        // leave room for the upload.
        headersTimeout: deadline,
        signal: AbortSignal.timeout(deadline),
      } as Parameters<typeof request>[1]);
    } catch (error) {
      if (error instanceof PeerForbiddenError) throw error;
      const cause = (error as { cause?: Error }).cause;
      if (cause instanceof PeerForbiddenError) throw cause;
      throw new PeerUnreachableError(`${server}: ${describe(error)}`);
    }
    return {
      status: response.statusCode,
      json: await readBoundedJson(response.body, server),
      headers: response.headers,
    };
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }
}

/** Why a private target is refused, naming the setting that allows it. */
function privateTarget(target: string, what: string): string {
  return `${target} ${what}, which this node does not reach unless MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS=true`;
}

function describe(error: unknown): string {
  // Node's errors carry a string code (ECONNREFUSED); a DOMException's numeric one (an abort's 23) says nothing.
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code} ${message}` : message;
}

async function readBoundedJson(body: Dispatcher.ResponseData<unknown>['body'], server: string): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        body.destroy();
        throw new PeerUnreachableError(`${server}: response larger than ${MAX_RESPONSE_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof PeerUnreachableError) throw error;
    throw new PeerUnreachableError(`${server}: ${describe(error)}`);
  }
  if (size === 0) return null;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}
