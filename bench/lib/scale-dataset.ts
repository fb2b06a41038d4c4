import { pairKey } from '../../src/common/address';

export interface ScaleSizes {
  users: number;
  messages: number;
}

/** Each user befriends the next few users on a ring, so everyone has twice as many friends. */
const FRIENDS_AFTER_EACH_USER = 5;
/** Conversation sizes follow a Pareto law: most are a handful of messages, a few hundred hold thousands. */
const PARETO_ALPHA = 1.2;
const PARETO_CAP = 5000;
const FIRST_MESSAGE_MS = Date.UTC(2025, 0, 1);
const TIMELINE_MS = 365 * 24 * 3600 * 1000;
const READ_AFTER_MS = 60_000;
/** Rows per chunk handed to COPY: large enough to amortise the writes, small enough to keep memory flat. */
const ROWS_PER_CHUNK = 5000;
const PHRASES = [
  'see you at the station at eight',
  'did you get the photos from saturday?',
  'ok',
  'running ten minutes late, sorry',
  'happy birthday!! 🎉',
  'can you send me the address again',
  'haha yes exactly',
  'I will call you after the meeting',
];

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same node population. */
function randomSource(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUIDv7 layout (time first, like the server's ids) whose low bits carry a number unique within a table. */
function uuidV7(ms: number, unique: number): string {
  const time = ms.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7000-8000-${unique.toString(16).padStart(12, '0')}`;
}

/**
 * A synthetic population of one node, planned in memory (typed arrays) and emitted as COPY text rows: users on a
 * ring of friendships, conversations of Pareto-distributed sizes whose messages interleave on one timeline, and the
 * inbox rows and sync streams the server would have written for them.
 */
export class ScaleDataset {
  readonly conversations: number;
  /** Messages per conversation. */
  readonly conversationSizes: Int32Array;
  /** The conversation of each message, by seq − 1. */
  private readonly conversationOfMessage: Int32Array;
  /** Seq of each conversation's last message. */
  private readonly lastSeq: Int32Array;
  /** Unread messages of each conversation for its first and its second user. */
  private readonly unreadForFirst: Int32Array;
  private readonly unreadForSecond: Int32Array;
  /** Sync events per user (the user's last sync seq). */
  readonly streamLengths: Int32Array;
  private readonly stepMs: number;

  constructor(
    readonly server: string,
    readonly sizes: ScaleSizes,
    readonly passwordHash: string,
    seed = 20251127,
  ) {
    if (sizes.users <= 2 * FRIENDS_AFTER_EACH_USER) throw new Error('the scale workload needs more users');
    this.conversations = sizes.users * FRIENDS_AFTER_EACH_USER;
    if (sizes.messages < this.conversations) throw new Error('the scale workload needs a message per conversation');
    const random = randomSource(seed);
    this.conversationSizes = this.paretoSizes(random);
    this.conversationOfMessage = this.shuffledTimeline(random);
    this.stepMs = Math.max(1, Math.floor(TIMELINE_MS / sizes.messages));
    this.lastSeq = new Int32Array(this.conversations);
    this.unreadForFirst = new Int32Array(this.conversations);
    this.unreadForSecond = new Int32Array(this.conversations);
    this.streamLengths = new Int32Array(sizes.users);
    const position = new Int32Array(this.conversations);
    for (let seq = 1; seq <= sizes.messages; seq++) {
      const c = this.conversationOfMessage[seq - 1];
      const [first, second] = this.participants(c);
      this.streamLengths[first]++;
      this.streamLengths[second]++;
      this.lastSeq[c] = seq;
      if (position[c]++ >= this.conversationSizes[c] - this.unreadTail(c)) {
        if (this.firstSends(seq)) this.unreadForSecond[c]++;
        else this.unreadForFirst[c]++;
      }
    }
  }

  get totalRows(): Record<string, number> {
    return {
      users: this.sizes.users,
      friendships: 2 * this.conversations,
      friend_messages: this.sizes.messages,
      conversation_summaries: 2 * this.conversations,
      sync_events: 2 * this.sizes.messages,
      sync_heads: this.sizes.users,
    };
  }

  username(user: number): string {
    return `u${user}`;
  }

  address(user: number): string {
    return `u${user}@${this.server}`;
  }

  /** The two users of a conversation: a user and one of the next users on the ring. */
  participants(conversation: number): [number, number] {
    const first = Math.floor(conversation / FRIENDS_AFTER_EACH_USER);
    return [first, (first + 1 + (conversation % FRIENDS_AFTER_EACH_USER)) % this.sizes.users];
  }

  conversationKey(conversation: number): string {
    const [first, second] = this.participants(conversation);
    return pairKey(this.address(first), this.address(second));
  }

  /** The conversations of the most messages, largest first. */
  largestConversations(count: number): number[] {
    return [...this.conversationSizes.keys()]
      .sort((a, b) => this.conversationSizes[b] - this.conversationSizes[a])
      .slice(0, count);
  }

  /** The friends of a user, one conversation each. */
  conversationsOf(user: number): number[] {
    const own = Array.from({ length: FRIENDS_AFTER_EACH_USER }, (_, i) => user * FRIENDS_AFTER_EACH_USER + i);
    const theirs = Array.from({ length: FRIENDS_AFTER_EACH_USER }, (_, i) => {
      const friend = (user - 1 - i + this.sizes.users) % this.sizes.users;
      return friend * FRIENDS_AFTER_EACH_USER + i;
    });
    return [...own, ...theirs];
  }

  /** The seqs of the messages at these positions (0 = oldest) of a conversation. */
  seqsAt(conversation: number, positions: number[]): number[] {
    const seqs = positions.map(() => 0);
    for (let index = 0, position = 0; index < this.sizes.messages; index++) {
      if (this.conversationOfMessage[index] !== conversation) continue;
      positions.forEach((wanted, i) => {
        if (wanted === position) seqs[i] = index + 1;
      });
      position++;
    }
    return seqs;
  }

  *users(): Generator<string> {
    yield* this.chunked(this.sizes.users, (user) => {
      const name = this.username(user);
      return `${uuidV7(FIRST_MESSAGE_MS - 86_400_000, user)}\t${name}\t${name}\t${this.passwordHash}\n`;
    });
  }

  *friendships(): Generator<string> {
    yield* this.chunked(this.conversations, (c) => {
      const [first, second] = this.participants(c).map((user) => this.address(user));
      return `${first}\t${second}\n${second}\t${first}\n`;
    });
  }

  /** friend_messages rows in seq order; the last messages of some conversations are still unread. */
  *messages(): Generator<string> {
    const position = new Int32Array(this.conversations);
    const keys = new Map<number, string>();
    yield* this.chunked(this.sizes.messages, (index) => {
      const seq = index + 1;
      const c = this.conversationOfMessage[index];
      const { from, to } = this.direction(c, seq);
      // Conversation keys of big conversations repeat often; small ones are cheap to rebuild.
      const key = keys.get(c) ?? this.conversationKey(c);
      if (this.conversationSizes[c] > 100) keys.set(c, key);
      const createdMs = this.createdMs(seq);
      const unread = position[c]++ >= this.conversationSizes[c] - this.unreadTail(c);
      const readAt = unread ? '\\N' : new Date(createdMs + READ_AFTER_MS).toISOString();
      const id = this.messageId(seq);
      return `${id}\t${seq}\t${id}\t${from}\t${to}\t${key}\ttext/plain\t${this.content(seq)}\t${new Date(createdMs).toISOString()}\t${readAt}\n`;
    });
  }

  /** One `message` event per side per message, each user's seqs 1..n in message order (both users are local). */
  *syncEvents(): Generator<string> {
    const head = new Int32Array(this.sizes.users);
    yield* this.chunked(this.sizes.messages, (index) => {
      const seq = index + 1;
      const [first, second] = this.participants(this.conversationOfMessage[index]);
      const tail = `\tmessage\t${this.messageId(seq)}\t\\N\t${new Date(this.createdMs(seq)).toISOString()}\n`;
      return `${this.address(first)}\t${++head[first]}${tail}${this.address(second)}\t${++head[second]}${tail}`;
    });
  }

  *syncHeads(): Generator<string> {
    yield* this.chunked(this.sizes.users, (user) => `${this.address(user)}\t${this.streamLengths[user]}\n`);
  }

  /** Both inbox rows of every conversation: its last message, and the unread count of each side. */
  *conversationSummaries(): Generator<string> {
    yield* this.chunked(this.conversations, (c) => {
      const [first, second] = this.participants(c).map((user) => this.address(user));
      const seq = this.lastSeq[c];
      const last = `${this.messageId(seq)}\t${seq}\t${new Date(this.createdMs(seq)).toISOString()}\t${this.content(seq)}\ttext/plain`;
      return `${first}\t${second}\t${last}\t${this.unreadForFirst[c]}\n${second}\t${first}\t${last}\t${this.unreadForSecond[c]}\n`;
    });
  }

  messageId(seq: number): string {
    return uuidV7(this.createdMs(seq), seq);
  }

  private createdMs(seq: number): number {
    return FIRST_MESSAGE_MS + seq * this.stepMs;
  }

  private content(seq: number): string {
    return `${PHRASES[seq % PHRASES.length]} (${seq})`;
  }

  /** Who sends a message: a hash of its seq, so that both sides talk. */
  private firstSends(seq: number): boolean {
    return Math.imul(seq, 0x9e3779b1) >>> 31 === 0;
  }

  private direction(c: number, seq: number): { from: string; to: string } {
    const [first, second] = this.participants(c).map((user) => this.address(user));
    return this.firstSends(seq) ? { from: first, to: second } : { from: second, to: first };
  }

  /** How many of a conversation's last messages are unread: 0 to 3. */
  private unreadTail(c: number): number {
    return c % 4;
  }

  private paretoSizes(random: () => number): Int32Array {
    const { messages } = this.sizes;
    const weights = Float64Array.from({ length: this.conversations }, () =>
      Math.min((1 - random()) ** (-1 / PARETO_ALPHA), PARETO_CAP),
    );
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const sizes = Int32Array.from(weights, (weight) => Math.max(1, Math.floor((weight * messages) / total)));
    // Rounding leaves the sum a little off: settle the difference one message at a time.
    let difference = messages - sizes.reduce((sum, size) => sum + size, 0);
    for (let c = 0; difference !== 0; c = (c + 1) % this.conversations) {
      if (difference > 0) {
        sizes[c]++;
        difference--;
      } else if (sizes[c] > 1) {
        sizes[c]--;
        difference++;
      }
    }
    return sizes;
  }

  /** Every conversation's messages interleaved at random on one timeline (Fisher–Yates). */
  private shuffledTimeline(random: () => number): Int32Array {
    const timeline = new Int32Array(this.sizes.messages);
    let next = 0;
    for (let c = 0; c < this.conversations; c++) timeline.fill(c, next, (next += this.conversationSizes[c]));
    for (let i = timeline.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const swapped = timeline[i];
      timeline[i] = timeline[j];
      timeline[j] = swapped;
    }
    return timeline;
  }

  private *chunked(count: number, row: (index: number) => string): Generator<string> {
    for (let start = 0; start < count; start += ROWS_PER_CHUNK) {
      let chunk = '';
      for (let index = start; index < Math.min(count, start + ROWS_PER_CHUNK); index++) chunk += row(index);
      yield chunk;
    }
  }
}
