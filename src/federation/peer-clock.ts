import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { PeerResponse } from './http/federation-http.client';

/** The `code` of our 401 for a signed request whose timestamp is outside the window; `serverTime` is our clock then. */
export const CLOCK_SKEW_CODE = 'clock-skew';
/** Below this an offset is noise (the answer's travel time, the Date header's whole seconds): it is not kept. */
export const MIN_OFFSET_MS = 2000;
/** Peers whose offset is kept; past that the one adopted longest ago goes. */
export const MAX_PEER_OFFSETS = 1024;

/** The peer's clock when it answered: our body's `serverTime`, else the HTTP Date header; null when neither parses. */
export function peerTimeOf(response: Pick<PeerResponse, 'json' | 'headers'>): number | null {
  const serverTime = (response.json as { serverTime?: unknown } | null)?.serverTime;
  const explicit = typeof serverTime === 'string' ? Date.parse(serverTime) : NaN;
  if (!Number.isNaN(explicit)) return explicit;
  const header = response.headers.date;
  const date = typeof header === 'string' ? Date.parse(header) : NaN;
  // The header has whole seconds, cut down: the middle of that second is the best guess.
  return Number.isNaN(date) ? null : date + 500;
}

/**
 * The offset to sign with from now on after `peer` answered `response` to a request signed with our clock plus
 * `usedOffsetMs` (sent at `sentAt`, answered at `receivedAt`, both by our clock); undefined when the answer is not a
 * refusal of our timestamp. Our nodes name that refusal (CLOCK_SKEW_CODE), so their other 401s (bad signature, unknown
 * key) never count. A plain MyLife node answers every refusal alike (`{error}`): only a Date header more than half the
 * window from the timestamp we sent makes its 401 one of our clock. Adopting the peer's own time can never push our
 * timestamps out of its window, so a wrong guess costs one more request at most.
 */
export function correctedOffset(
  response: Pick<PeerResponse, 'status' | 'json' | 'headers'>,
  {
    sentAt,
    receivedAt,
    usedOffsetMs,
    windowMs,
  }: { sentAt: number; receivedAt: number; usedOffsetMs: number; windowMs: number },
): number | undefined {
  if (response.status !== 401) return undefined;
  const body = response.json as { statusCode?: unknown; code?: unknown } | null;
  const fromMyLifeNode = typeof body?.statusCode === 'number';
  if (fromMyLifeNode && body?.code !== CLOCK_SKEW_CODE) return undefined;
  const peerTime = peerTimeOf(response);
  if (peerTime === null) return undefined;
  const measured = peerTime - (sentAt + receivedAt) / 2;
  const missedBy = Math.abs(measured - usedOffsetMs);
  if (missedBy <= (fromMyLifeNode ? MIN_OFFSET_MS : windowMs / 2)) return undefined;
  return Math.abs(measured) < MIN_OFFSET_MS ? 0 : Math.round(measured);
}

/**
 * Each peer's clock offset from ours, bounded: a peer sets only its own entry, but any server we are made to talk to
 * may have one.
 */
export class PeerClockOffsets {
  private readonly offsets = new Map<string, number>();

  constructor(private readonly capacity = MAX_PEER_OFFSETS) {}

  get size(): number {
    return this.offsets.size;
  }

  get(peer: string): number {
    return this.offsets.get(peer) ?? 0;
  }

  /** Keeps `offsetMs` for `peer` (0 forgets it), making room by dropping the entry adopted longest ago. */
  set(peer: string, offsetMs: number): void {
    this.offsets.delete(peer);
    if (offsetMs === 0) return;
    if (this.offsets.size >= this.capacity) this.offsets.delete(this.offsets.keys().next().value!);
    this.offsets.set(peer, offsetMs);
  }
}

/**
 * Our notion of each peer's clock, learnt from its refusals of our timestamps (as the AWS SDKs correct clock skew):
 * requests to a peer whose clock is off are signed with its time, so that they pass its unchanged window.
 */
@Injectable()
export class PeerClocks {
  private readonly logger = new Logger('PeerClocks');
  private readonly offsets = new PeerClockOffsets();

  constructor(
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  offsetOf(peer: string): number {
    return this.offsets.get(peer);
  }

  /** Now by `peer`'s clock, as far as we know it. */
  now(peer: string): Date {
    return new Date(this.clock.now().getTime() + this.offsets.get(peer));
  }

  /**
   * Reads `response`, the answer to a request to `peer` signed with `usedOffsetMs` at `sentAt`: true when it refused
   * our timestamp and the offset changed, so that the request is worth signing again at once.
   */
  learn(peer: string, response: PeerResponse, sentAt: number, usedOffsetMs: number): boolean {
    const windowMs = this.config.federation.maxClockSkewMs;
    const receivedAt = this.clock.now().getTime();
    const offset = correctedOffset(response, { sentAt, receivedAt, usedOffsetMs, windowMs });
    if (offset === undefined) return false;
    const before = this.offsets.get(peer);
    this.offsets.set(peer, offset);
    // Concurrent refusals learn the same figure: say it once.
    if (Math.abs(offset - before) > MIN_OFFSET_MS) this.logger.warn(adopted(peer, offset));
    return true;
  }
}

function adopted(peer: string, offsetMs: number): string {
  if (offsetMs === 0) return `${peer}'s clock agrees with ours again: requests to it are signed with our own time`;
  const seconds = (Math.abs(offsetMs) / 1000).toFixed(1);
  return (
    `${peer}'s clock is ${seconds} s ${offsetMs > 0 ? 'ahead of' : 'behind'} ours (it refused our signature's ` +
    `timestamp): requests to it are signed with its time; if many peers say so, this server's clock is wrong (NTP)`
  );
}
