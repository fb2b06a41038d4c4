import {
  backoffMs,
  decide,
  Decision,
  DeliveryPolicy,
  FRIENDSHIP_WAIT_MIN_MS,
  friendshipWaitMs,
  gaveUpAfterWaiting,
  isPermanentStatus,
  RequestOutcome,
  RowInFlight,
  RowUpdate,
} from './delivery-state';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const NOW = new Date('2026-12-07T12:00:00Z');
/** Backoff with random 0.5 (no jitter): 10 s, 20 s, 40 s, 80 s, 160 s, 320 s, then 600 s (the cap). */
const policy: DeliveryPolicy = { backoffBaseMs: 10 * SECOND, backoffMaxMs: 10 * MINUTE, giveUpAfterMs: 3 * DAY };
const NO_JITTER = 0.5;

const REASONS: Record<number, string> = {
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

const after = (ms: number) => new Date(NOW.getTime() + ms);

/** A row that has waited `waitedMs` (0: created just now) after `attempts` attempts. */
function row(id: string, { attempts = 0, waitedMs = 0 }: { attempts?: number; waitedMs?: number } = {}): RowInFlight {
  return { id, attempts, waitingSince: new Date(NOW.getTime() - waitedMs) };
}

function answered(
  status: number,
  extra: Partial<Extract<RequestOutcome, { kind: 'answered' }>> = {},
): Extract<RequestOutcome, { kind: 'answered' }> {
  return { kind: 'answered', status, reason: REASONS[status], retryAfterMs: null, peerTakesInvites: true, ...extra };
}

function run(rows: RowInFlight[], outcome: RequestOutcome, failures = 0): Decision {
  return decide(rows, outcome, { failures, now: NOW, policy, random: NO_JITTER });
}

function update(decision: Decision, id: string): RowUpdate {
  const found = decision.rows.get(id);
  if (!found) throw new Error(`no update for row ${id}`);
  return found;
}

const TIMEOUT = 'timeout of 30000ms exceeded';
const REFUSED = 'connect ECONNREFUSED 203.0.113.7:443';
const DNS = 'getaddrinfo ENOTFOUND peer.example';

describe('decide(): what one request’s outcome makes of its rows and of the destination’s job', () => {
  describe('a 2xx answer', () => {
    it('marks a single message sent, clears its error, counts the attempt, and drains on with failures reset to 0', () => {
      const decision = run([row('m1', { attempts: 2 })], answered(200), 3);

      expect(update(decision, 'm1')).toEqual({
        status: 'sent',
        attempts: 3,
        lastError: null,
        lastHttpStatus: 200,
        heldUntil: null,
        heldForFriendship: false,
      });
      expect(decision.next).toEqual({ kind: 'continue' });
      expect(decision.failures).toBe(0);
    });

    it('takes any 2xx (202 Accepted) as delivered', () => {
      const decision = run([row('m1')], answered(202), 1);

      expect(update(decision, 'm1')).toMatchObject({ status: 'sent', lastHttpStatus: 202, lastError: null });
      expect(decision.next).toEqual({ kind: 'continue' });
      expect(decision.failures).toBe(0);
    });

    describe('to a batch, settling each message by its own result', () => {
      const rows = [
        row('delivered', { attempts: 1 }),
        row('duplicate', { attempts: 1 }),
        row('stranger', { attempts: 1 }),
        row('broken', { attempts: 1 }),
        row('lost', { attempts: 1 }),
      ];
      const rowStatus = new Map([
        ['delivered', { status: 200, reason: 'OK' }],
        ['duplicate', { status: 409, reason: 'Conflict' }],
        ['stranger', { status: 403, reason: 'Forbidden' }],
        ['broken', { status: 500, reason: 'Internal Server Error' }],
        // 'lost' is not in the answer.
      ]);
      const decision = run(rows, answered(200, { rowStatus, peerTakesInvites: false }), 4);

      it('answers an update for every message it carried', () => {
        expect([...decision.rows.keys()].sort()).toEqual(['broken', 'delivered', 'duplicate', 'lost', 'stranger']);
      });

      it('marks the message the peer took (200) sent', () => {
        expect(update(decision, 'delivered')).toEqual({
          status: 'sent',
          attempts: 2,
          lastError: null,
          lastHttpStatus: 200,
          heldUntil: null,
          heldForFriendship: false,
        });
      });

      it('fails the message the peer refused for good (409), counting the attempt', () => {
        expect(update(decision, 'duplicate')).toEqual({
          status: 'failed',
          attempts: 2,
          lastError: '409 Conflict',
          lastHttpStatus: 409,
          heldUntil: null,
          heldForFriendship: false,
        });
      });

      it('holds the message a plain peer refused (403) for the friendship wait, without counting an attempt', () => {
        expect(update(decision, 'stranger')).toEqual({
          status: 'pending',
          attempts: 1,
          lastError: '403 Forbidden',
          lastHttpStatus: 403,
          heldUntil: after(HOUR),
          heldForFriendship: true,
        });
      });

      it('holds the message that failed on its own (500) with an attempt counted and a backoff of its own', () => {
        expect(update(decision, 'broken')).toEqual({
          status: 'pending',
          attempts: 2,
          lastError: '500 Internal Server Error',
          lastHttpStatus: 500,
          heldUntil: after(20 * SECOND), // its 2nd attempt's backoff
          heldForFriendship: false,
        });
      });

      it('holds the message missing from the answer with an attempt counted and a backoff of its own', () => {
        expect(update(decision, 'lost')).toEqual({
          status: 'pending',
          attempts: 2,
          lastError: '200 no result for this message in the batch answer',
          lastHttpStatus: 200,
          heldUntil: after(20 * SECOND),
          heldForFriendship: false,
        });
      });

      it('lets the destination drain on with its failures reset, since the peer took the batch', () => {
        expect(decision.next).toEqual({ kind: 'continue' });
        expect(decision.failures).toBe(0);
      });
    });

    it('holds a message of a batch the peer asked to send later (429) without counting an attempt', () => {
      const rowStatus = new Map([['m1', { status: 429, reason: 'Too Many Requests' }]]);
      const decision = run([row('m1', { attempts: 2 })], answered(200, { rowStatus }));

      expect(update(decision, 'm1')).toMatchObject({
        status: 'pending',
        attempts: 2,
        lastHttpStatus: 429,
        heldUntil: after(20 * SECOND),
      });
      expect(decision.next).toEqual({ kind: 'continue' });
    });

    it('fails a message of a batch refused (403) by a peer with federated invites', () => {
      const rowStatus = new Map([['m1', { status: 403, reason: 'Forbidden' }]]);
      const decision = run([row('m1')], answered(200, { rowStatus, peerTakesInvites: true }));

      expect(update(decision, 'm1')).toMatchObject({ status: 'failed', attempts: 1, heldForFriendship: false });
    });

    it('grows the own backoff of a message of a batch with its own attempts', () => {
      const rowStatus = new Map([['m1', { status: 502, reason: 'Bad Gateway' }]]);
      const decision = run([row('m1', { attempts: 3 })], answered(200, { rowStatus }));

      expect(update(decision, 'm1')).toMatchObject({ attempts: 4, heldUntil: after(80 * SECOND) });
    });

    it('takes a message whose entry in the answer is empty as missing from it', () => {
      const rowStatus = new Map([['m1', undefined]]);
      const decision = run([row('m1')], answered(200, { rowStatus }));

      expect(update(decision, 'm1')).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: '200 no result for this message in the batch answer',
      });
    });
  });

  describe('a permanent 4xx', () => {
    it.each([400, 404, 413])(
      '%i fails every message for good, counting the attempt, and the destination drains on with failures 0',
      (status) => {
        const decision = run([row('m1', { attempts: 1 }), row('m2')], answered(status), 4);

        for (const [id, attempts] of [
          ['m1', 2],
          ['m2', 1],
        ] as const) {
          expect(update(decision, id)).toEqual({
            status: 'failed',
            attempts,
            lastError: `${status} ${REASONS[status]}`,
            lastHttpStatus: status,
            heldUntil: null,
            heldForFriendship: false,
          });
        }
        expect(decision.next).toEqual({ kind: 'continue' });
        expect(decision.failures).toBe(0);
      },
    );
  });

  describe('401 (the peer refused our signature: the caller refreshes the keys)', () => {
    it('keeps the messages pending with an attempt counted, and retries the destination with backoff', () => {
      const decision = run([row('m1', { attempts: 1 })], answered(401), 2);

      expect(update(decision, 'm1')).toEqual({
        status: 'pending',
        attempts: 2,
        lastError: '401 Unauthorized',
        lastHttpStatus: 401,
        heldUntil: null,
        heldForFriendship: false,
      });
      expect(decision.next).toEqual({ kind: 'retry', delayMs: 40 * SECOND, error: '401 Unauthorized' });
      expect(decision.failures).toBe(3);
    });
  });

  describe('403', () => {
    it('from a plain peer holds the message for at least an hour for the friendship, without an attempt, and drains on', () => {
      const decision = run([row('m1', { attempts: 1 })], answered(403, { peerTakesInvites: false }), 2);

      expect(update(decision, 'm1')).toEqual({
        status: 'pending',
        attempts: 1,
        lastError: '403 Forbidden',
        lastHttpStatus: 403,
        heldUntil: after(HOUR),
        heldForFriendship: true,
      });
      expect(decision.next).toEqual({ kind: 'continue' });
      expect(decision.failures).toBe(0);
    });

    it('from a plain peer thins the tries out as the message ages: it waits as long as it has waited already', () => {
      const heldFor = (waitedMs: number) =>
        update(run([row('m1', { waitedMs })], answered(403, { peerTakesInvites: false })), 'm1').heldUntil;

      expect(heldFor(30 * MINUTE)).toEqual(after(HOUR));
      expect(heldFor(2 * HOUR)).toEqual(after(2 * HOUR));
      expect(heldFor(10 * HOUR)).toEqual(after(10 * HOUR));
    });

    it('from a plain peer places the message’s last try on its give-up age', () => {
      const message = row('m1', { waitedMs: 2 * DAY + 12 * HOUR });
      const decision = run([message], answered(403, { peerTakesInvites: false }));

      expect(update(decision, 'm1').heldUntil).toEqual(new Date(message.waitingSince.getTime() + policy.giveUpAfterMs));
    });

    it('from a peer with federated invites fails the message for good, and the destination drains on', () => {
      const decision = run([row('m1', { attempts: 1 })], answered(403, { peerTakesInvites: true }), 2);

      expect(update(decision, 'm1')).toEqual({
        status: 'failed',
        attempts: 2,
        lastError: '403 Forbidden',
        lastHttpStatus: 403,
        heldUntil: null,
        heldForFriendship: false,
      });
      expect(decision.next).toEqual({ kind: 'continue' });
      expect(decision.failures).toBe(0);
    });
  });

  describe('a failing peer (408, 500, 502)', () => {
    it.each([408, 500, 502])(
      '%i keeps the messages pending with an attempt counted, and retries the destination with backoff',
      (status) => {
        const decision = run([row('m1', { attempts: 1 })], answered(status), 0);

        expect(update(decision, 'm1')).toEqual({
          status: 'pending',
          attempts: 2,
          lastError: `${status} ${REASONS[status]}`,
          lastHttpStatus: status,
          heldUntil: null,
          heldForFriendship: false,
        });
        expect(decision.next).toEqual({ kind: 'retry', delayMs: 10 * SECOND, error: `${status} ${REASONS[status]}` });
        expect(decision.failures).toBe(1);
      },
    );

    it('backs off longer with each consecutive failure (1st, 2nd, 3rd …), up to backoffMaxMs', () => {
      const delays = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((failures) => {
        const { next } = run([row('m1')], answered(500), failures);
        return next.kind === 'retry' ? next.delayMs : null;
      });

      expect(delays).toEqual([10, 20, 40, 80, 160, 320, 600, 600, 600].map((seconds) => seconds * SECOND));
    });
  });

  describe('429 and 503 (the peer asks us to come back later)', () => {
    it.each([429, 503])(
      '%i with Retry-After waits until then, with no attempt spent and the failures unchanged',
      (status) => {
        const decision = run([row('m1', { attempts: 1 })], answered(status, { retryAfterMs: 2 * MINUTE }), 3);

        expect(update(decision, 'm1')).toEqual({
          status: 'pending',
          attempts: 1,
          lastError: `${status} ${REASONS[status]}`,
          lastHttpStatus: status,
          heldUntil: null,
          heldForFriendship: false,
        });
        expect(decision.next).toEqual({
          kind: 'wait',
          until: after(2 * MINUTE),
          error: `${status} ${REASONS[status]}`,
        });
        expect(decision.failures).toBe(3);
      },
    );

    it('with Retry-After 0 waits at least backoffBaseMs, so as not to send the next request at once', () => {
      const decision = run([row('m1')], answered(429, { retryAfterMs: 0 }));

      expect(decision.next).toMatchObject({ kind: 'wait', until: after(policy.backoffBaseMs) });
    });

    it.each([429, 503])(
      '%i without Retry-After retries the destination with backoff, with no attempt of the messages spent',
      (status) => {
        const decision = run([row('m1', { attempts: 1 })], answered(status), 2);

        expect(update(decision, 'm1')).toMatchObject({
          status: 'pending',
          attempts: 1,
          lastHttpStatus: status,
          heldUntil: null,
        });
        expect(decision.next).toEqual({ kind: 'retry', delayMs: 40 * SECOND, error: `${status} ${REASONS[status]}` });
        expect(decision.failures).toBe(3);
      },
    );
  });

  describe('an unreachable peer', () => {
    it.each([
      ['a timeout', TIMEOUT],
      ['a refused connection', REFUSED],
      ['a DNS failure', DNS],
    ])(
      '%s keeps the messages pending with an attempt counted, and retries the destination with backoff',
      (_, error) => {
        const decision = run([row('m1', { attempts: 1 }), row('m2')], { kind: 'unreachable', error }, 1);

        expect(update(decision, 'm1')).toEqual({
          status: 'pending',
          attempts: 2,
          lastError: error,
          lastHttpStatus: null,
          heldUntil: null,
          heldForFriendship: false,
        });
        expect(update(decision, 'm2')).toMatchObject({ status: 'pending', attempts: 1 });
        expect(decision.next).toEqual({ kind: 'retry', delayMs: 20 * SECOND, error });
        expect(decision.failures).toBe(2);
      },
    );
  });

  describe('a refusal of our own (forbidden)', () => {
    it.each([
      ['the deny list', 'peer.example is on the deny list'],
      ['no key to sign with', 'no signing key'],
    ])('for %s fails the messages for good without counting an attempt, and the destination drains on', (_, error) => {
      const decision = run([row('m1', { attempts: 1 })], { kind: 'forbidden', error }, 2);

      expect(update(decision, 'm1')).toEqual({
        status: 'failed',
        attempts: 1,
        lastError: error,
        lastHttpStatus: null,
        heldUntil: null,
        heldForFriendship: false,
      });
      expect(decision.next).toEqual({ kind: 'continue' });
      expect(decision.failures).toBe(2);
    });
  });

  describe('the give-up age', () => {
    const PAST = 3 * DAY + HOUR;

    it.each<[string, RequestOutcome, string]>([
      ['401', answered(401), '401 Unauthorized'],
      ['408', answered(408), '408 Request Timeout'],
      ['500', answered(500), '500 Internal Server Error'],
      ['429 with Retry-After', answered(429, { retryAfterMs: MINUTE }), '429 Too Many Requests'],
      ['429 without Retry-After', answered(429), '429 Too Many Requests'],
      ['503 with Retry-After', answered(503, { retryAfterMs: MINUTE }), '503 Service Unavailable'],
      ['403 from a plain peer', answered(403, { peerTakesInvites: false }), '403 Forbidden'],
      ['a timeout', { kind: 'unreachable', error: TIMEOUT }, TIMEOUT],
      ['a refused connection', { kind: 'unreachable', error: REFUSED }, REFUSED],
      ['a DNS failure', { kind: 'unreachable', error: DNS }, DNS],
    ])('fails a message past it on %s, saying how long it waited and why', (_, outcome, reason) => {
      const decision = run([row('m1', { attempts: 5, waitedMs: PAST })], outcome);

      expect(update(decision, 'm1')).toMatchObject({
        status: 'failed',
        heldUntil: null,
        lastError: `gave up after 3 days of waiting: ${reason}`,
      });
    });

    it('fails a message of a batch past it that failed on its own or got no result', () => {
      const rowStatus = new Map([['broken', { status: 500, reason: 'Internal Server Error' }]]);
      const decision = run(
        [row('broken', { waitedMs: PAST }), row('lost', { waitedMs: PAST }), row('fresh')],
        answered(200, { rowStatus }),
      );

      expect(update(decision, 'broken')).toMatchObject({
        status: 'failed',
        heldUntil: null,
        lastError: 'gave up after 3 days of waiting: 500 Internal Server Error',
      });
      expect(update(decision, 'lost')).toMatchObject({
        status: 'failed',
        heldUntil: null,
        lastError: 'gave up after 3 days of waiting: 200 no result for this message in the batch answer',
      });
      expect(update(decision, 'fresh').status).toBe('pending');
    });

    it('fails a message exactly at it, and leaves one just short of it pending', () => {
      const decision = run(
        [row('at', { waitedMs: 3 * DAY }), row('short', { waitedMs: 3 * DAY - SECOND })],
        answered(500),
      );

      expect(update(decision, 'at')).toMatchObject({
        status: 'failed',
        lastError: 'gave up after 3 days of waiting: 500 Internal Server Error',
      });
      expect(update(decision, 'short').status).toBe('pending');
    });

    it('still marks a message past it sent when the peer takes it', () => {
      const decision = run([row('m1', { waitedMs: PAST })], answered(200));

      expect(update(decision, 'm1')).toMatchObject({ status: 'sent', lastError: null });
    });

    it('fails a message past it that is refused for good, with the refusal in its error', () => {
      const refused = run([row('m1', { waitedMs: PAST })], answered(404));
      const forbidden = run([row('m1', { waitedMs: PAST })], { kind: 'forbidden', error: 'no signing key' });

      expect(update(refused, 'm1').status).toBe('failed');
      expect(update(refused, 'm1').lastError).toContain('404 Not Found');
      expect(update(forbidden, 'm1').status).toBe('failed');
      expect(update(forbidden, 'm1').lastError).toContain('no signing key');
    });

    it('caps a backoff at the oldest message’s give-up moment, so that it fails then and not a backoff later', () => {
      const oldest = row('oldest', { waitedMs: 3 * DAY - 5 * MINUTE });
      const decision = run([row('fresh'), oldest], answered(500), 6); // uncapped: 600 s

      expect(decision.next).toMatchObject({ kind: 'retry', delayMs: 5 * MINUTE });
    });

    it('caps a Retry-After wait at the oldest message’s give-up moment', () => {
      const oldest = row('oldest', { waitedMs: 3 * DAY - 5 * MINUTE });
      const decision = run([oldest, row('fresh')], answered(429, { retryAfterMs: 2 * HOUR }));

      expect(decision.next).toMatchObject({ kind: 'wait', until: after(5 * MINUTE) });
    });

    it('leaves a backoff or a wait shorter than the give-up moment alone', () => {
      const rows = [row('m1', { waitedMs: 2 * DAY })];

      expect(run(rows, answered(500), 6).next).toMatchObject({ kind: 'retry', delayMs: 10 * MINUTE });
      expect(run(rows, answered(503, { retryAfterMs: HOUR })).next).toMatchObject({ kind: 'wait', until: after(HOUR) });
    });

    it('does not let a message that gives up now cut short the peer’s Retry-After for the messages still pending', () => {
      const decision = run([row('expired', { waitedMs: PAST }), row('fresh')], answered(429, { retryAfterMs: MINUTE }));

      expect(update(decision, 'expired').status).toBe('failed');
      expect(update(decision, 'fresh').status).toBe('pending');
      expect(decision.next).toMatchObject({ kind: 'wait', until: after(MINUTE) });
    });

    it('does not let a message that gives up now turn the backoff of the messages still pending into an immediate retry', () => {
      const decision = run([row('expired', { waitedMs: PAST }), row('fresh')], { kind: 'unreachable', error: TIMEOUT });

      expect(update(decision, 'expired').status).toBe('failed');
      expect(update(decision, 'fresh').status).toBe('pending');
      expect(decision.next).toMatchObject({ kind: 'retry', delayMs: 10 * SECOND });
    });

    it('no longer marks a message held for a friendship once it gives up', () => {
      const decision = run([row('m1', { waitedMs: PAST })], answered(403, { peerTakesInvites: false }));

      expect(update(decision, 'm1')).toMatchObject({ status: 'failed', heldUntil: null, heldForFriendship: false });
    });
  });
});

describe('backoffMs()', () => {
  it('doubles from backoffBaseMs with each consecutive failure, up to backoffMaxMs', () => {
    expect([1, 2, 3, 4, 7, 8, 50].map((failures) => backoffMs(failures, policy, NO_JITTER))).toEqual(
      [10, 20, 40, 80, 600, 600, 600].map((seconds) => seconds * SECOND),
    );
  });

  it('takes no failure yet as the first', () => {
    expect(backoffMs(0, policy, NO_JITTER)).toBe(policy.backoffBaseMs);
  });

  it('jitters by ±25 % so that peers do not retry in step', () => {
    expect(backoffMs(2, policy, 0)).toBe(15 * SECOND);
    expect(backoffMs(2, policy, 1)).toBe(25 * SECOND);
  });
});

describe('friendshipWaitMs()', () => {
  it('waits at least an hour, as long as the message has waited already, and never past its give-up age', () => {
    const wait = (waitedMs: number) => friendshipWaitMs(row('m1', { waitedMs }), NOW, policy);

    expect(wait(0)).toBe(FRIENDSHIP_WAIT_MIN_MS);
    expect(wait(5 * HOUR)).toBe(5 * HOUR);
    expect(wait(2 * DAY + 22 * HOUR)).toBe(2 * HOUR);
    expect(wait(4 * DAY)).toBe(0);
  });
});

describe('gaveUpAfterWaiting()', () => {
  it('says how long the message waited, in the largest unit that fits twice, and why it failed', () => {
    expect(gaveUpAfterWaiting(3 * DAY, '500 Internal Server Error')).toBe(
      'gave up after 3 days of waiting: 500 Internal Server Error',
    );
    expect(gaveUpAfterWaiting(36 * HOUR, 'x')).toBe('gave up after 36 hours of waiting: x');
    expect(gaveUpAfterWaiting(90 * MINUTE, 'x')).toBe('gave up after 90 minutes of waiting: x');
    expect(gaveUpAfterWaiting(45 * SECOND, 'x')).toBe('gave up after 45 seconds of waiting: x');
  });

  it('says "never delivered" when there is no error to tell', () => {
    expect(gaveUpAfterWaiting(3 * DAY, null)).toBe('gave up after 3 days of waiting: never delivered');
  });
});

describe('isPermanentStatus()', () => {
  it('takes a 4xx as permanent, except 401, 408 and 429, which are worth retrying', () => {
    for (const status of [400, 403, 404, 409, 410, 413, 422]) expect(isPermanentStatus(status)).toBe(true);
    for (const status of [401, 408, 429]) expect(isPermanentStatus(status)).toBe(false);
  });

  it('takes no 2xx or 5xx as permanent', () => {
    for (const status of [200, 202, 500, 502, 503]) expect(isPermanentStatus(status)).toBe(false);
  });
});
