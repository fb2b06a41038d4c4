import { BadRequestException, Inject, Injectable, Logger, PayloadTooLargeException } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { PeerLimits } from './destination.entity';
import { FederationHttpClient, PeerForbiddenError } from './http/federation-http.client';
import { PeerDirectory, PLAIN_MAX_CONTENT_CHARS } from './peer-directory';

/** How long a verdict on a server name (policy and DNS) is reused: names move, but not per message. */
const VERDICT_TTL_MS = 60_000;

/**
 * "Can this remote target ever take this?", asked when an invite or a message is made, so that what could never be
 * delivered is refused at once instead of waiting or failing in the outbox: a server the network policy forbids
 * (400, naming the setting), and content longer than the peer takes (413). Answered from memory and the peer
 * directory's cache, never with a request per message.
 */
@Injectable()
export class RemoteTargetCheck {
  private readonly logger = new Logger('RemoteTargetCheck');
  /** Per server: why it is refused, or null when it is not. */
  private readonly verdicts = new LRUCache<string, { refusal: string | null }>({ max: 10_000, ttl: VERDICT_TTL_MS });
  private readonly logged = new LRUCache<string, true>({ max: 10_000 });

  constructor(
    @Inject(FederationHttpClient) private readonly http: FederationHttpClient,
    @Inject(PeerDirectory) private readonly peers: PeerDirectory,
  ) {}

  async assertDeliverable(server: string, content?: string): Promise<void> {
    const refusal = await this.refusalOf(server);
    if (refusal) throw new BadRequestException(refusal);
    if (content === undefined) return;
    const limits = await this.limitsOf(server, content);
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
   * peer's document only when it is known already. For longer content a peer never asked yet is asked once (the
   * directory keeps the answer); one that cannot be asked now gets the content, and answers for it on delivery.
   */
  private async limitsOf(server: string, content: string): Promise<PeerLimits> {
    const known = this.peers.known(server);
    if (known) return known.limits;
    if (content.length <= PLAIN_MAX_CONTENT_CHARS) return {};
    try {
      return (await this.peers.peer(server)).limits;
    } catch {
      return {};
    }
  }
}
