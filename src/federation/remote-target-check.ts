import { BadRequestException, Inject, Injectable, Logger, PayloadTooLargeException } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { RemoteAddressSpelling } from '../accounts/remote-address-spelling.port';
import { localpartOf, serverOf } from '../common/address';
import { PeerLimits } from './destination.entity';
import { FederationHttpClient, PeerForbiddenError } from './http/federation-http.client';
import { PeerDirectory, PeerInfo, PLAIN_MAX_CONTENT_CHARS, publishesDocument, WELL_KNOWN_PATH } from './peer-directory';

/** How long a verdict on a server name (policy and DNS) is reused: names move, but not per message. */
const VERDICT_TTL_MS = 60_000;

/**
 * "Can this remote target ever take this?", asked when an invite or a message is made, so that what could never be
 * delivered is refused at once instead of waiting or failing in the outbox: a server the network policy forbids
 * (400, naming the setting), one this node could never sign to or that is another server's (or this node's) other
 * name (400), and content longer than the peer takes (413). Answered from memory and the peer
 * directory's cache, never with a request per message.
 */
@Injectable()
export class RemoteTargetCheck implements RemoteAddressSpelling {
  private readonly logger = new Logger('RemoteTargetCheck');
  /** Per server: why it is refused, or null when it is not. */
  private readonly verdicts = new LRUCache<string, { refusal: string | null }>({ max: 10_000, ttl: VERDICT_TTL_MS });
  private readonly logged = new LRUCache<string, true>({ max: 10_000 });

  constructor(
    @Inject(FederationHttpClient) private readonly http: FederationHttpClient,
    @Inject(PeerDirectory) private readonly peers: PeerDirectory,
  ) {}

  /**
   * `address` (a user of another server) as its server spells it, once what could never be delivered there is refused.
   * An invite is worth one request to learn what the server is; a message is judged on what is known already (or
   * learnt for its length), and a server that cannot be asked now is let through: delivery judges it later.
   */
  async assertDeliverable(address: string, content?: string): Promise<string> {
    const server = serverOf(address);
    const refusal = await this.refusalOf(server);
    if (refusal) throw new BadRequestException(refusal);
    const peer = content === undefined ? await this.askedPeer(server) : await this.peerFor(server, content);
    if (peer?.answersAs) {
      throw new BadRequestException(
        `${server} publishes the MyLife federation document of ${peer.answersAs}: address its users as name@${peer.answersAs}`,
      );
    }
    if (peer && peer.keys.length === 0 && !this.peers.sharesSecretWith(server)) {
      throw new BadRequestException(
        `${server} publishes no MyLife federation keys (${WELL_KNOWN_PATH}) and MYLIFE_FEDERATION_SHARED_KEYS has no ` +
          'entry for it: this node could never sign to it',
      );
    }
    if (content !== undefined && peer) this.assertFits(server, content, peer.limits);
    return this.spelling(address, peer);
  }

  /** `address` as its server spells it, from what is known of that server already (no request). */
  async canonicalAddress(address: string): Promise<string> {
    return this.spelling(address, await this.peers.stored(serverOf(address)));
  }

  // A MyLife node's usernames are lower-case (it lower-cases its own users' addresses, and answers with them); a
  // plain node's ids are its own and keep their case.
  private spelling(address: string, peer: PeerInfo | undefined): string {
    if (!peer || !publishesDocument(peer)) return address;
    return `${localpartOf(address).toLowerCase()}@${serverOf(address)}`;
  }

  private assertFits(server: string, content: string, limits: PeerLimits): void {
    if (limits.maxContentChars !== undefined && content.length > limits.maxContentChars) {
      throw new PayloadTooLargeException(
        `content is ${content.length} characters and ${server} takes at most ${limits.maxContentChars} per message`,
      );
    }
    const bytes = limits.maxContentBytes === undefined ? 0 : Buffer.byteLength(content, 'utf8');
    if (limits.maxContentBytes !== undefined && bytes > limits.maxContentBytes) {
      throw new PayloadTooLargeException(
        `content is ${bytes} bytes and ${server} takes at most ${limits.maxContentBytes} per message`,
      );
    }
  }

  private askedPeer(server: string): Promise<PeerInfo | undefined> {
    return this.peers.peer(server).catch(() => undefined);
  }

  private async refusalOf(server: string): Promise<string | null> {
    let verdict = this.verdicts.get(server);
    if (!verdict) {
      verdict = { refusal: null };
      try {
        await this.http.assertReachable(server);
      } catch (error) {
        if (!(error instanceof PeerForbiddenError)) throw error;
        verdict.refusal = error.message;
      }
      this.verdicts.set(server, verdict);
    }
    if (verdict.refusal && !this.logged.has(server)) {
      this.logged.set(server, true);
      this.logger.warn(`refusing invites and messages to ${server}: ${verdict.refusal}`);
    }
    return verdict.refusal;
  }

  /**
   * Every MyLife node takes 8,000 characters (a plain node's limit; ours take 64 KiB), so shorter content needs a
   * peer's document only when it is known already (in memory or stored). For longer content a peer never asked yet is asked once (the
   * directory keeps the answer); one that cannot be asked now gets the content, and answers for it on delivery.
   */
  private async peerFor(server: string, content: string): Promise<PeerInfo | undefined> {
    const known = await this.peers.stored(server);
    if (known || content.length <= PLAIN_MAX_CONTENT_CHARS) return known;
    return this.askedPeer(server);
  }
}
