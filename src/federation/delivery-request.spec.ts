import { destinationVerdict, gaveUpAfterWaiting, rowsWithinBodyLimit, rowVerdict } from './delivery-request';

const row = (content: string) => ({
  id: content.slice(0, 8),
  message: {
    id: 'm',
    clientMessageId: 'c',
    fromUserId: 'alice@a.example',
    toUserId: 'bob@b.example',
    contentType: 'text/plain',
    content,
    createdAt: '2026-11-27T10:00:00.000Z',
    senderServer: 'a.example',
  },
});

describe('a batch body', () => {
  it('keeps every row that fits, in order', () => {
    const rows = ['one', 'two', 'three'].map(row);
    expect(rowsWithinBodyLimit(rows, 10_000)).toEqual(rows);
  });

  it('counts the bytes JSON writes: control characters take six each', () => {
    const controls = Array.from({ length: 3 }, () => row('\u0001'.repeat(1000)));
    // ≈6,200 bytes each once escaped, though 1,000 characters long.
    expect(rowsWithinBodyLimit(controls, 13_000)).toHaveLength(2);
    expect(rowsWithinBodyLimit(controls, 6_000)).toHaveLength(1);
  });

  it('always sends the first row, even alone over the limit', () => {
    const rows = [row('x'.repeat(5000)), row('y')];
    expect(rowsWithinBodyLimit(rows, 100)).toEqual([rows[0]]);
  });
});

describe('a peer’s answer', () => {
  it('spends no attempt of a row on 429 or 503, and keeps a 403 waiting only from a peer without federated invites', () => {
    expect([200, 201, 429, 503, 500, 408, 401, 400, 413].map((status) => rowVerdict(status, true))).toEqual([
      'sent',
      'sent',
      'later',
      'later',
      'retry',
      'retry',
      'retry',
      'refused',
      'refused',
    ]);
    expect(rowVerdict(403, true)).toBe('refused');
    expect(rowVerdict(403, false)).toBe('awaiting-friendship');
  });

  it('proves the destination takes deliveries only by taking one; a 401 proves nothing', () => {
    expect([201, 429, 503, 500, 408, 403, 400, 401].map(destinationVerdict)).toEqual([
      'delivered',
      'throttled',
      'throttled',
      'failing',
      'failing',
      'alive',
      'alive',
      'unknown',
    ]);
  });
});

describe('a row that waited too long', () => {
  it('says how long it waited, in a unit that reads well, and why', () => {
    expect(gaveUpAfterWaiting(7 * 86_400_000, '429 slow down')).toBe('gave up after 7 days of waiting: 429 slow down');
    expect(gaveUpAfterWaiting(36 * 3_600_000, null)).toBe('gave up after 36 hours of waiting: never delivered');
    expect(gaveUpAfterWaiting(3000, '429')).toBe('gave up after 3 seconds of waiting: 429');
  });
});
