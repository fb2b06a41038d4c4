import { messagesPerRequest, rowsWithinBodyLimit } from './delivery-request';

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

describe('messages in one request', () => {
  it('is one for a peer without batches (a plain MyLife node)', () => {
    expect(messagesPerRequest({ capabilities: ['messages'], limits: { maxBatchMessages: 500 } })).toBe(1);
  });

  it('is what a peer of ours announces, up to what ours takes', () => {
    expect(messagesPerRequest({ capabilities: ['batch'], limits: { maxBatchMessages: 500 } })).toBe(500);
    expect(messagesPerRequest({ capabilities: ['batch'], limits: { maxBatchMessages: 250 } })).toBe(250);
    expect(messagesPerRequest({ capabilities: ['batch'], limits: { maxBatchMessages: 10_000 } })).toBe(500);
  });

  it('is 100 for a peer that takes batches and announces no number (an older MyLife node)', () => {
    expect(messagesPerRequest({ capabilities: ['batch'], limits: {} })).toBe(100);
  });
});
