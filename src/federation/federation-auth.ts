import {
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  UnauthorizedException,
} from '@nestjs/common';
import { isServerName } from '../common/address';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { FEDERATION_HEADERS, RawBody, signatureMatches, signBody } from '../signing/hmac';
import { ServerKeysService } from '../signing/server-keys.service';
import { PeerKey } from './destination.entity';
import { FederationHttpClient, PeerForbiddenError, PeerResponse } from './http/federation-http.client';
import { CLOCK_SKEW_CODE, PeerClocks } from './peer-clock';
import { PeerDirectory } from './peer-directory';

interface ClaimHeaders {
  server: string;
  timestamp: string;
  signature: string;
}
type ConfiguredSecretClaim = ClaimHeaders & { secret: string };
type DerivedKeyClaim = ClaimHeaders & { keyId: string; peerKey: PeerKey; refreshed: boolean };
/** A signed request whose headers passed {@link FederationAuth.admit}; its body is yet to be verified. */
export type SignedRequestClaim = ConfiguredSecretClaim | DerivedKeyClaim;

/** Thrown when we hold no secret for a peer: it publishes no keys and none is configured. */
export class NoPeerSecretError extends Error {}

/**
 * Signs outgoing and verifies incoming server-to-server requests. Configured secrets win
 * (MYLIFE_FEDERATION_SHARED_KEYS, then MYLIFE_FEDERATION_SHARED_KEY); otherwise the pair's secret is derived from
 * both servers' published X25519 keys, and the sender names its key in x-mylife-federation-key-id.
 */
@Injectable()
export class FederationAuth implements OnApplicationBootstrap {
  private readonly logger = new Logger('FederationAuth');

  constructor(
    @Inject(ServerKeysService) private readonly serverKeys: ServerKeysService,
    @Inject(PeerDirectory) private readonly peers: PeerDirectory,
    @Inject(FederationHttpClient) private readonly http: FederationHttpClient,
    @Inject(PeerClocks) private readonly peerClocks: PeerClocks,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.federation.sharedKey) {
      this.logger.warn(
        'MYLIFE_FEDERATION_SHARED_KEY gives every peer the same secret, so any of them can pose as another: prefer ' +
          'MYLIFE_FEDERATION_SHARED_KEYS (one per peer) or derived keys (nothing to configure)',
      );
    }
  }

  /**
   * A signed POST of `rawBody` to `peer`. When the peer refuses our timestamp (its clock is off), its time is learnt
   * and the request is signed again with it, once and at once: the peer's window stays as it is.
   */
  async post(peer: string, path: string, rawBody: Buffer, { refreshPeer = false } = {}): Promise<PeerResponse> {
    const usedOffsetMs = this.peerClocks.offsetOf(peer);
    const headers = await this.sign(peer, rawBody, { refreshPeer });
    // Measured from here, not before signing: a fetch of the peer's keys there would skew the estimate.
    const sentAt = this.clock.now().getTime();
    const response = await this.http.send(peer, 'POST', path, rawBody, headers);
    if (!this.peerClocks.learn(peer, response, sentAt, usedOffsetMs)) return response;
    return this.http.send(peer, 'POST', path, rawBody, await this.sign(peer, rawBody));
  }

  /** Headers for a request to `peer` carrying exactly `rawBody`, its timestamp by the peer's clock as far as we know. */
  async sign(peer: string, rawBody: Buffer, { refreshPeer = false } = {}): Promise<Record<string, string>> {
    const timestamp = this.peerClocks.now(peer).toISOString();
    const headers: Record<string, string> = {
      [FEDERATION_HEADERS.server]: this.config.federationServer,
      [FEDERATION_HEADERS.timestamp]: timestamp,
    };
    const configured = this.configuredSecret(peer);
    if (configured) return { ...headers, [FEDERATION_HEADERS.signature]: signBody(configured, timestamp, rawBody) };
    const { keys } = await this.peers.peer(peer, { refresh: refreshPeer });
    const theirs = newestKey(keys);
    if (!theirs)
      throw new NoPeerSecretError(`${peer} publishes no federation keys and no shared key is configured for it`);
    const ours = await this.serverKeys.current();
    const secret = this.serverKeys.secretWith(ours, { server: peer, keyId: theirs.id, publicKey: theirs.publicKey });
    return {
      ...headers,
      [FEDERATION_HEADERS.keyId]: ours.id,
      [FEDERATION_HEADERS.signature]: signBody(secret, timestamp, rawBody),
    };
  }

  /**
   * Everything about a signed request that its headers alone can show, checked before a byte of its body is read:
   * the headers are there, the server is a server name we federate with, the timestamp is within the window, and we
   * hold a secret or key for that server. 401/403 with the reason otherwise.
   */
  async admit(headers: Record<string, string | string[] | undefined>): Promise<SignedRequestClaim> {
    const header = (name: string) => {
      const value = headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const server = header(FEDERATION_HEADERS.server)?.toLowerCase();
    const timestamp = header(FEDERATION_HEADERS.timestamp);
    const signature = header(FEDERATION_HEADERS.signature);
    if (!server || !timestamp || !signature) {
      throw new UnauthorizedException(
        `missing federation headers: ${FEDERATION_HEADERS.server}, ${FEDERATION_HEADERS.timestamp} and ${FEDERATION_HEADERS.signature} are required`,
      );
    }
    if (!isServerName(server)) throw new UnauthorizedException(`${FEDERATION_HEADERS.server} is not a server name`);
    if (server === this.config.federationServer)
      throw new UnauthorizedException('a request cannot come from this server itself');
    try {
      this.http.assertAllowed(server);
    } catch (error) {
      if (error instanceof PeerForbiddenError) throw new ForbiddenException(error.message);
      throw error;
    }
    const sentAt = Date.parse(timestamp);
    if (Number.isNaN(sentAt) || !/^\d{4}-\d{2}-\d{2}T/.test(timestamp)) {
      throw new UnauthorizedException(`${FEDERATION_HEADERS.timestamp} must be an ISO-8601 time`);
    }
    const now = this.clock.now();
    if (Math.abs(now.getTime() - sentAt) > this.config.federation.maxClockSkewMs) {
      // The code and our time let a sender of ours tell this refusal from a bad signature and sign with our time.
      throw new UnauthorizedException({
        message: `${FEDERATION_HEADERS.timestamp} is more than ${this.config.federation.maxClockSkewMs} ms away from this server's clock (${now.toISOString()})`,
        code: CLOCK_SKEW_CODE,
        serverTime: now.toISOString(),
      });
    }
    const configured = this.configuredSecret(server);
    if (configured) return { server, timestamp, signature, secret: configured };
    const keyId = header(FEDERATION_HEADERS.keyId);
    if (!keyId)
      throw new UnauthorizedException(
        `unknown server ${server}: no shared key configured and no ${FEDERATION_HEADERS.keyId}`,
      );
    // A key we have not seen may be one the peer rotated in since we cached its keys: fetch them once more.
    const cached = await this.peerKey(server, keyId, false);
    const peerKey = cached ?? (await this.peerKey(server, keyId, true));
    if (!peerKey) throw new UnauthorizedException(`unknown key ${keyId} of server ${server}`);
    return { server, timestamp, signature, keyId, peerKey, refreshed: !cached };
  }

  /** The verified sending server of an admitted request, once its body has been read; 401 when it does not match. */
  async verifyBody(claim: SignedRequestClaim, rawBody: RawBody): Promise<string> {
    const { server, timestamp, signature } = claim;
    if ('secret' in claim) {
      if (signatureMatches(claim.secret, timestamp, rawBody, signature)) return server;
      throw new UnauthorizedException('the federation signature does not match');
    }
    if (await this.matchesDerivedSecret(claim, claim.peerKey, rawBody)) return server;
    // A signature that fails with a cached key may come from a key the peer made again since: fetch its keys once more.
    if (!claim.refreshed) {
      const refreshed = await this.peerKey(server, claim.keyId, true);
      if (await this.matchesDerivedSecret(claim, refreshed, rawBody)) return server;
    }
    throw new UnauthorizedException('the federation signature does not match any key of this pair of servers');
  }

  private async matchesDerivedSecret(
    claim: DerivedKeyClaim,
    theirs: PeerKey | undefined,
    rawBody: RawBody,
  ): Promise<boolean> {
    if (!theirs) return false;
    for (const ours of await this.serverKeys.keys()) {
      const secret = this.serverKeys.secretWith(ours, {
        server: claim.server,
        keyId: claim.keyId,
        publicKey: theirs.publicKey,
      });
      if (signatureMatches(secret, claim.timestamp, rawBody, claim.signature)) return true;
    }
    return false;
  }

  private async peerKey(server: string, keyId: string, refresh: boolean): Promise<PeerKey | undefined> {
    try {
      const { keys } = await this.peers.peer(server, { refresh });
      return keys.find((key) => key.id === keyId);
    } catch {
      if (refresh) throw new UnauthorizedException(`unknown server ${server}: its keys could not be fetched`);
      return undefined;
    }
  }

  private configuredSecret(peer: string): string | null {
    return this.config.federation.sharedKeys.get(peer) ?? this.config.federation.sharedKey;
  }
}

/** The key a peer signs with now: the one without an end date, else the one that lasts longest. */
function newestKey(keys: PeerKey[]): PeerKey | undefined {
  return (
    keys.find((key) => key.notAfter === null) ??
    [...keys].sort((a, b) => (b.notAfter ?? '').localeCompare(a.notAfter ?? ''))[0]
  );
}
