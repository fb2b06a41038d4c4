import { describe, expect, it } from 'vitest';
import { parseServerSentEvents, type ServerSentEvent } from '../src/sync/server-sent-events.ts';

async function parse(chunks: string[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of parseServerSentEvents(
    (async function* () {
      yield* chunks;
    })(),
  ))
    events.push(event);
  return events;
}

describe('parseServerSentEvents', () => {
  it('reads id, event and data, and ignores comments', async () => {
    expect(await parse([': heartbeat\n\nid: c1\nevent: message\ndata: {"a":1}\n\n'])).toEqual([
      { id: 'c1', event: 'message', data: '{"a":1}' },
    ]);
  });

  it('joins data lines and accepts any line ending, split anywhere across chunks', async () => {
    const text = 'id: 7\r\nevent: invite\r\ndata: one\r\ndata: two\r\n\r\ndata: x\r\r';
    const byCharacter = text.split('');
    expect(await parse(byCharacter)).toEqual([
      { id: '7', event: 'invite', data: 'one\ntwo' },
      { id: null, event: 'message', data: 'x' },
    ]);
  });

  it('dispatches nothing for an event without data or one cut off by the end of the stream', async () => {
    expect(await parse(['id: 1\nevent: x\n\n', 'data: unfinished'])).toEqual([]);
  });
});
