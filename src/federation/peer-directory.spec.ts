import { parseWellKnown, PLAIN_PEER_LIMITS } from './peer-directory';

describe('parseWellKnown', () => {
  it('reads a missing or foreign document as a plain MyLife node, which takes 8,000 characters', () => {
    expect(parseWellKnown(null, 'peer.example')).toEqual({
      keys: [],
      capabilities: [],
      limits: { maxContentChars: 8000 },
    });
    expect(parseWellKnown({ server: 'other.example' }, 'peer.example').limits).toBe(PLAIN_PEER_LIMITS);
  });

  it('says which server a document published under another name belongs to', () => {
    expect(parseWellKnown({ server: 'localhost:8787', keys: [] }, '127.0.0.1:8787').answersAs).toBe('localhost:8787');
    expect(parseWellKnown({ server: 'Not A Name' }, 'peer.example').answersAs).toBeUndefined();
    expect(parseWellKnown('<html>', 'peer.example').answersAs).toBeUndefined();
  });

  it('reads the limits a peer of ours publishes, and leaves out what it does not say or says wrongly', () => {
    const document = (limits: unknown) => ({ server: 'peer.example', keys: [], capabilities: ['messages'], limits });
    expect(parseWellKnown(document({ maxContentBytes: 65536, maxBatchMessages: 500 }), 'peer.example').limits).toEqual({
      maxContentBytes: 65536,
      maxBatchMessages: 500,
    });
    expect(parseWellKnown(document({ maxContentChars: 10_000, other: 1 }), 'peer.example').limits).toEqual({
      maxContentChars: 10_000,
    });
    expect(parseWellKnown(document(undefined), 'peer.example').limits).toEqual({});
    expect(
      parseWellKnown(document({ maxContentChars: -1, maxContentBytes: '9', maxBatchMessages: 1.5 }), 'peer.example')
        .limits,
    ).toEqual({});
  });
});
