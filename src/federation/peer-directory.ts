import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LRUCache } from 'lru-cache';
import { isServerName } from '../common/address';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { isX25519PublicKey } from '../signing/key-agreement';
import { DestinationEntity, PeerKey, PeerLimits } from './destination.entity';
import { FederationHttpClient, PeerUnreachableError } from './http/federation-http.client';

export const WELL_KNOWN_PATH = '/.well-known/mylife-federation';
const REFRESH_AFTER_MS = 10 * 60 * 1000;
const FORCED_REFRESH_EVERY_MS = 60_000;

export interface PeerInfo {
  keys: PeerKey[];
  capabilities: string[];
  limits: PeerLimits;
  /** The name in a MyLife document the server published for another name (it is that server, or this node). */
  answersAs?: string;
}

/** A server that publishes a MyLife document: a MyLife node, whose usernames are lower-case. */
export function publishesDocument(peer: PeerInfo): boolean {
  return peer.keys.length > 0 || peer.capabilities.length > 0;
}

/** A plain MyLife node refuses content over 8,000 characters (400); it publishes no document that would say so. */
export const PLAIN_MAX_CONTENT_CHARS = 8000;
export const PLAIN_PEER_LIMITS: Readonly<PeerLimits> = Object.freeze({ maxContentChars: PLAIN_MAX_CONTENT_CHARS });

/**
 * What other servers publish at /.well-known/mylife-federation (keys, capabilities), cached in
 * federation_destinations. A server that publishes nothing is a plain MyLife node: message delivery only, with a
 * configured shared key.
 */
@Injectable()
export class PeerDirectory {
  // Bounded: server names arrive in unauthenticated requests.
  private readonly memory = new LRUCache<string, { info: PeerInfo; at: number }>({ max: 10_000 });
  private readonly lastForcedRefresh = new LRUCache<string, number>({ max: 10_000 });
  private readonly inFlight = new Map<string, Promise<PeerInfo>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(FederationHttpClient) private readonly http: FederationHttpClient,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** What this process already knows of `server`, without asking anyone. */
  known(server: string): PeerInfo | undefined {
    return this.memory.get(server)?.info;
  }

  /**
   * What this node knows of `server` without asking it: this process's memory, else what an earlier fetch stored
   * (of any age: a restart must not make a known MyLife node look unknown).
   */
  async stored(server: string): Promise<PeerInfo | undefined> {
    const known = this.known(server);
    if (known) return known;
    const row = await this.dataSource.getRepository(DestinationEntity).findOneBy({ server });
    if (!row?.wellKnownFetchedAt) return undefined;
    return this.remember(server, peerInfoOf(row), row.wellKnownFetchedAt.getTime());
  }

  async peer(server: string, { refresh = false } = {}): Promise<PeerInfo> {
    const now = this.clock.now().getTime();
    // Anyone can send a request that fails its signature: a forced refresh per server per minute at most, so that
    // such requests cannot make this node fetch documents on their behalf.
    if (
      refresh &&
      now - (this.lastForcedRefresh.get(server) ?? 0) < FORCED_REFRESH_EVERY_MS &&
      this.memory.has(server)
    ) {
      refresh = false;
    }
    if (refresh) this.lastForcedRefresh.set(server, now);
    const remembered = this.memory.get(server);
    if (!refresh && remembered && now - remembered.at < REFRESH_AFTER_MS) return remembered.info;
    if (!refresh) {
      const row = await this.dataSource.getRepository(DestinationEntity).findOneBy({ server });
      if (row?.wellKnownFetchedAt && now - row.wellKnownFetchedAt.getTime() < REFRESH_AFTER_MS) {
        return this.remember(server, peerInfoOf(row), row.wellKnownFetchedAt.getTime());
      }
    }
    let fetching = this.inFlight.get(server);
    if (!fetching) {
      fetching = this.fetch(server).finally(() => this.inFlight.delete(server));
      this.inFlight.set(server, fetching);
    }
    return fetching;
  }

  private async fetch(server: string): Promise<PeerInfo> {
    let info: PeerInfo;
    try {
      const response = await this.http.send(server, 'GET', WELL_KNOWN_PATH);
      if (response.status >= 500) throw new PeerUnreachableError(`${server}: well-known answered ${response.status}`);
      info = parseWellKnown(response.json, server);
    } catch (error) {
      const cached = await this.dataSource.getRepository(DestinationEntity).findOneBy({ server });
      if (cached?.wellKnownFetchedAt) return peerInfoOf(cached);
      throw error;
    }
    // A server with no keys and no configured secret can never sign to us nor be signed for: nothing to keep, and an
    // unauthenticated request naming such servers must not grow a table.
    if (info.keys.length === 0 && !this.sharesSecretWith(server))
      return this.remember(server, info, this.clock.now().getTime());
    await this.dataSource.query(
      `INSERT INTO federation_destinations (server, keys, capabilities, limits, well_known_fetched_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (server) DO UPDATE SET keys = EXCLUDED.keys, capabilities = EXCLUDED.capabilities,
         limits = EXCLUDED.limits, well_known_fetched_at = now(), updated_at = now()`,
      [server, JSON.stringify(info.keys), JSON.stringify(info.capabilities), JSON.stringify(info.limits)],
    );
    return this.remember(server, info, this.clock.now().getTime());
  }

  /** Whether a shared key is configured for `server`: the only way to sign to a server that publishes no keys. */
  sharesSecretWith(server: string): boolean {
    return this.config.federation.sharedKeys.has(server) || this.config.federation.sharedKey !== null;
  }

  private remember(server: string, info: PeerInfo, at: number): PeerInfo {
    this.memory.set(server, { info, at });
    return info;
  }
}

function peerInfoOf(row: DestinationEntity): PeerInfo {
  return { keys: row.keys, capabilities: row.capabilities, limits: row.limits };
}

/**
 * A well-known document, or an empty one (plain MyLife node) when it is missing or not ours; one published for
 * another name says which (`answersAs`).
 */
export function parseWellKnown(document: unknown, server: string): PeerInfo {
  const doc = document as { server?: unknown; keys?: unknown; capabilities?: unknown; limits?: unknown } | null;
  if (!doc || doc.server !== server) {
    const answersAs = typeof doc?.server === 'string' && isServerName(doc.server) ? doc.server : undefined;
    return { keys: [], capabilities: [], limits: PLAIN_PEER_LIMITS, ...(answersAs ? { answersAs } : {}) };
  }
  const keys = Array.isArray(doc.keys)
    ? doc.keys
        .filter(
          (key): key is PeerKey & { algorithm: string } =>
            typeof key?.id === 'string' &&
            key.id.length <= 64 &&
            key.algorithm === 'x25519' &&
            isX25519PublicKey(key.publicKey),
        )
        .map((key) => ({
          id: key.id,
          publicKey: key.publicKey,
          notAfter: typeof key.notAfter === 'string' ? key.notAfter : null,
        }))
    : [];
  const capabilities = Array.isArray(doc.capabilities)
    ? doc.capabilities.filter((capability): capability is string => typeof capability === 'string').slice(0, 50)
    : [];
  return { keys, capabilities, limits: parseLimits(doc.limits) };
}

/** The limits a peer of ours publishes; one it leaves out (an older node) is left to the peer to enforce. */
function parseLimits(published: unknown): PeerLimits {
  const limits: PeerLimits = {};
  const doc = (typeof published === 'object' && published !== null ? published : {}) as Record<string, unknown>;
  for (const name of ['maxContentChars', 'maxContentBytes', 'maxBatchMessages'] as const) {
    const value = doc[name];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) limits[name] = value;
  }
  return limits;
}
