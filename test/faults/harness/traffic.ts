import { BenchUser, call } from '../../../bench/lib/api';
import { sleep } from './context';

export interface Conversation {
  from: BenchUser;
  to: BenchUser;
}

/** How many messages one POST /api/messages/batch carries (the endpoint takes up to 500). */
const BATCH_SIZE = 50;
/** A client waits this long before it sends again a batch its node did not take. */
const RETRY_MS = 250;

/**
 * Messages sent through the public API as a client sends a burst: batches of POST /api/messages/batch, each message
 * with its own clientMessageId, so that a batch sent again after a lost answer stores nothing twice. A batch the
 * node does not take (connection refused, 5xx, 429) is sent again until it does, as a client's outbox would.
 */
export class Traffic {
  /** Accepted messages (201, or 200 for a repeat) by sender address: what the receiving node must end up with. */
  readonly accepted = new Map<string, Set<string>>();
  /** Messages the node refused for good (4xx but 429), with the reason: none are expected. */
  readonly refused: string[] = [];
  /** What the sending nodes answered to batches they did not take, by status (or error code) and count. */
  readonly failedAnswers: Record<string, number> = {};
  private acceptedCount = 0;

  constructor(private readonly tag: string) {}

  get sent(): number {
    return this.acceptedCount;
  }

  /**
   * Sends `count` messages spread over the conversations, at `perSecond` overall: batch k of the burst leaves no
   * earlier than k × BATCH_SIZE / perSecond after the start, so that the burst lasts long enough for a fault to land
   * in its middle. Resolves once every message was accepted or refused.
   */
  async send(conversations: Conversation[], count: number, perSecond: number): Promise<void> {
    const batches: { conversation: Conversation; ids: string[] }[] = [];
    const perConversation = Math.ceil(count / conversations.length);
    for (let first = 0; first < perConversation; first += BATCH_SIZE) {
      conversations.forEach((conversation, c) => {
        const last = Math.min(first + BATCH_SIZE, perConversation);
        const ids = [];
        for (let i = first; i < last && c * perConversation + i < count; i++) ids.push(`${this.tag}-${c}-${i}`);
        if (ids.length > 0) batches.push({ conversation, ids });
      });
    }
    const started = Date.now();
    let next = 0;
    // One sender per conversation at a time, as one client per user.
    const sender = async () => {
      for (let k = next++; k < batches.length; k = next++) {
        await sleep(started + (k * BATCH_SIZE * 1000) / perSecond - Date.now());
        await this.sendBatch(batches[k].conversation, batches[k].ids);
      }
    };
    await Promise.all(conversations.map(sender));
  }

  private async sendBatch({ from, to }: Conversation, ids: string[]): Promise<void> {
    let waiting = ids;
    while (waiting.length > 0) {
      const messages = waiting.map((id) => ({
        toUserId: to.address,
        content: `${id} from ${from.address}`,
        clientMessageId: id,
      }));
      const answer = await call(`${from.node.url}/api/messages/batch`, 'POST', { messages }, from.token).catch(
        (error: { code?: string; cause?: { code?: string } }) => ({
          status: error.cause?.code ?? error.code ?? 'error',
          body: null,
        }),
      );
      if (answer.status !== 200) {
        this.failedAnswers[answer.status] = (this.failedAnswers[answer.status] ?? 0) + 1;
        await sleep(RETRY_MS);
        continue;
      }
      const results = (answer.body as { results: { clientMessageId: string; status: number; error?: string }[] })
        .results;
      const retry = new Set<string>();
      for (const result of results) {
        if (result.status === 200 || result.status === 201) this.accept(from.address, result.clientMessageId);
        else if (result.status === 429 || result.status >= 500) retry.add(result.clientMessageId);
        else this.refused.push(`${result.clientMessageId}: ${result.status} ${result.error ?? ''}`);
      }
      waiting = waiting.filter((id) => retry.has(id));
      if (waiting.length > 0) await sleep(RETRY_MS);
    }
  }

  private accept(sender: string, clientMessageId: string): void {
    const ids = this.accepted.get(sender) ?? new Set<string>();
    if (!ids.has(clientMessageId)) this.acceptedCount++;
    this.accepted.set(sender, ids.add(clientMessageId));
  }

  /** Resolves once `fraction` of `count` messages were accepted: where a scenario lands its fault. */
  async reached(fraction: number, count: number): Promise<void> {
    while (this.acceptedCount < fraction * count) await sleep(20);
  }
}

/**
 * Every user's device syncing as a client does (GET /api/sync, page after page, then again a moment later), so that
 * each message is fetched by a device of its recipient and its sender's outbox row can reach `acked`.
 */
export class Readers {
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(users: BenchUser[]) {
    this.loops = users.map((user) => this.follow(user));
  }

  private async follow(user: BenchUser): Promise<void> {
    let cursor: string | undefined;
    while (this.running) {
      const query = `limit=1000${cursor ? `&since=${encodeURIComponent(cursor)}` : ''}`;
      const page = await call(`${user.node.url}/api/sync?${query}`, 'GET', undefined, user.token).catch(() => null);
      if (page?.status === 200) {
        cursor = page.body.cursor;
        if (page.body.hasMore) continue;
      }
      await sleep(page?.status === 200 ? 300 : 500);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}
