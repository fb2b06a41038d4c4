import { Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import type { PeerResponse } from './http/federation-http.client';
import { CLOCK_SKEW_CODE, correctedOffset, PeerClockOffsets, PeerClocks, peerTimeOf } from './peer-clock';

const NOW = Date.parse('2026-12-07T12:00:00.000Z');
const WINDOW_MS = 30_000;
/** A request signed with our own clock, sent 100 ms before NOW and answered 100 ms after. */
const exchange = { sentAt: NOW - 100, receivedAt: NOW + 100, usedOffsetMs: 0, windowMs: WINDOW_MS };

/** A 401 of one of our nodes whose clock reads `peerTime`: `code` names the refusal, `serverTime` is its clock. */
function ourRefusal(peerTime: number, code?: string): PeerResponse {
  const body = { statusCode: 401, error: 'Unauthorized', message: 'refused' };
  return {
    status: 401,
    json: code ? { ...body, code, serverTime: new Date(peerTime).toISOString() } : body,
    headers: { date: new Date(peerTime).toUTCString() },
  };
}

/** A plain MyLife node's bare 401 with its Date header. */
function plainRefusal(peerTime: number): PeerResponse {
  return { status: 401, json: { error: 'invalid signature' }, headers: { date: new Date(peerTime).toUTCString() } };
}

describe('peerTimeOf', () => {
  it('prefers the exact serverTime of our body to the Date header', () => {
    const response = {
      json: { serverTime: '2026-12-07T12:00:40.250Z' },
      headers: { date: 'Mon, 07 Dec 2026 12:00:00 GMT' },
    };
    expect(peerTimeOf(response)).toBe(Date.parse('2026-12-07T12:00:40.250Z'));
  });

  it('reads the Date header as the middle of its whole second', () => {
    expect(peerTimeOf({ json: null, headers: { date: 'Mon, 07 Dec 2026 12:00:40 GMT' } })).toBe(NOW + 40_500);
  });

  it('has no time without a header or with one that does not parse', () => {
    expect(peerTimeOf({ json: null, headers: {} })).toBeNull();
    expect(peerTimeOf({ json: { serverTime: 'soon' }, headers: { date: 'yesterday' } })).toBeNull();
  });
});

describe('correctedOffset', () => {
  it('learns a peer 40 s ahead or behind from our named refusal', () => {
    expect(correctedOffset(ourRefusal(NOW + 40_000, CLOCK_SKEW_CODE), exchange)).toBe(40_000);
    expect(correctedOffset(ourRefusal(NOW - 40_000, CLOCK_SKEW_CODE), exchange)).toBe(-40_000);
  });

  it('never takes our other 401s (bad signature, unknown key) for skew, however far the Date is', () => {
    expect(correctedOffset(ourRefusal(NOW + 40_000), exchange)).toBeUndefined();
    expect(correctedOffset(ourRefusal(NOW + 40_000, 'something-else'), exchange)).toBeUndefined();
  });

  it("takes a plain node's bare 401 for skew only when its Date is more than half the window from our timestamp", () => {
    expect(correctedOffset(plainRefusal(NOW + 40_000), exchange)).toBe(40_500);
    expect(correctedOffset(plainRefusal(NOW - 16_000), exchange)).toBe(-15_500);
    expect(correctedOffset(plainRefusal(NOW + 10_000), exchange)).toBeUndefined();
    expect(correctedOffset({ status: 401, json: null, headers: {} }, exchange)).toBeUndefined();
  });

  it('measures from the timestamp we signed with, and forgets an offset the peer no longer has', () => {
    const signedAhead = { ...exchange, usedOffsetMs: 40_000 };
    expect(correctedOffset(ourRefusal(NOW + 40_000, CLOCK_SKEW_CODE), signedAhead)).toBeUndefined();
    expect(correctedOffset(ourRefusal(NOW + 500, CLOCK_SKEW_CODE), signedAhead)).toBe(0);
    expect(correctedOffset(plainRefusal(NOW), signedAhead)).toBe(0);
  });

  it('reads nothing but a 401', () => {
    expect(correctedOffset({ ...ourRefusal(NOW + 40_000, CLOCK_SKEW_CODE), status: 403 }, exchange)).toBeUndefined();
  });
});

describe('PeerClockOffsets', () => {
  it('keeps at most its capacity, dropping the entry adopted longest ago', () => {
    const offsets = new PeerClockOffsets(2);
    offsets.set('a.example', 1);
    offsets.set('b.example', 2);
    offsets.set('a.example', 3);
    offsets.set('c.example', 4);
    expect(offsets.size).toBe(2);
    expect([offsets.get('a.example'), offsets.get('b.example'), offsets.get('c.example')]).toEqual([3, 0, 4]);
  });

  it('forgets a peer whose offset is 0', () => {
    const offsets = new PeerClockOffsets();
    offsets.set('a.example', 40_000);
    offsets.set('a.example', 0);
    expect(offsets.size).toBe(0);
  });
});

describe('PeerClocks', () => {
  const clock = { now: () => new Date(NOW) } as Clock;
  const config = { federation: { maxClockSkewMs: WINDOW_MS } } as AppConfig;

  it("signs with the peer's time once it refused ours, and warns once with the figure", () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const clocks = new PeerClocks(clock, config);
    expect(clocks.learn('b.example', ourRefusal(NOW + 40_000, CLOCK_SKEW_CODE), NOW, 0)).toBe(true);
    expect(clocks.learn('b.example', ourRefusal(NOW + 40_000, CLOCK_SKEW_CODE), NOW, 0)).toBe(true);
    expect(clocks.now('b.example').getTime()).toBe(NOW + 40_000);
    expect(clocks.now('c.example').getTime()).toBe(NOW);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('b.example');
    expect(warn.mock.calls[0][0]).toContain('40.0 s ahead of');
    expect(clocks.learn('b.example', ourRefusal(NOW + 40_000), NOW, 40_000)).toBe(false);
    warn.mockRestore();
  });
});
