import { Inject, Injectable, Logger } from '@nestjs/common';
import { INBOX_PATHS } from './delivery-request';
import { FederationAuth } from './federation-auth';
import { OutboxRepository } from './outbox.repository';

/** Servers told at once; a node with many peers tells them a few at a time. */
const CONCURRENCY = 4;

/**
 * A node that starts tells the MyLife nodes it talks to that it is back, with a signed request their guard takes as a
 * sign of life: what they held for it while it was away (their job backed off) goes at once, not when their backoff
 * runs out. Plain MyLife nodes have no such route and are not told: they retry on their own schedule.
 */
@Injectable()
export class ReturnNotice {
  private readonly logger = new Logger('ReturnNotice');

  constructor(
    @Inject(OutboxRepository) private readonly outbox: OutboxRepository,
    @Inject(FederationAuth) private readonly auth: FederationAuth,
  ) {}

  /**
   * Called once the node answers HTTP (src/node.ts): a peer that hears of us at once sends at once, and a node that
   * does not listen yet would only make it fail and back off further.
   */
  announce(): void {
    void this.tellPeers().catch((error) => this.logger.warn(`could not tell peers that this node is back: ${error}`));
  }

  /** Answers the servers that took the notice. */
  async tellPeers(): Promise<string[]> {
    const peers = (await this.outbox.destinations())
      .filter((destination) => destination.capabilities?.includes('receipts'))
      .map((destination) => destination.server);
    const told: string[] = [];
    const tell = async () => {
      for (let server = peers.shift(); server !== undefined; server = peers.shift()) {
        try {
          const response = await this.auth.post(server, INBOX_PATHS.hello, Buffer.from('{}'));
          if (response.status < 300) told.push(server);
        } catch {
          // Away itself, or not reachable from here: its own deliveries to us will tell it.
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, tell));
    return told;
  }
}
