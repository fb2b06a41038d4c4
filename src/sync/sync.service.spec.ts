import { FetchedMessage, MessageDelivery } from '../messages/message-delivery.port';
import { MessageRow, withStagedDelivery } from '../messages/message.response';
import { messageEventRow, PageRow, SyncRepository } from './sync.repository';
import { followsWithoutGap, SyncService } from './sync.service';

const BOB = 'bob@b.example';

function message(overrides: Partial<MessageRow> = {}): MessageRow {
  return {
    id: '0b8f4d7e-5a43-4c5e-9f0e-6d2f5f1a2b3c',
    seq: '17',
    clientMessageId: 'client-1',
    fromUserId: 'alice@a.example',
    toUserId: BOB,
    contentType: 'text/plain',
    content: 'hello',
    createdAt: new Date('2026-12-07T12:00:00.123Z'),
    readAt: null,
    ...overrides,
  };
}

/** The row PAGE_SQL answers for a message event: its LEFT JOIN on the outbox gives nulls where no delivery is staged. */
function pageSqlRow(seq: string, stored: MessageRow, delivery: Partial<MessageRow> = {}): PageRow {
  return {
    ...stored,
    deliveryStatus: null,
    deliveryAttempts: null,
    lastDeliveryError: null,
    ...delivery,
    eventSeq: seq,
    type: 'message',
    data: null,
  };
}

/** A SyncService whose page query answers `rows`, and which records the receipts it stages. */
function serviceReading(rows: PageRow[]): { sync: SyncService; acknowledged: FetchedMessage[][] } {
  const acknowledged: FetchedMessage[][] = [];
  const repository = { page: () => Promise.resolve(rows) } as unknown as SyncRepository;
  const delivery = {
    messagesFetched: (_viewer: string, messages: FetchedMessage[]) => {
      acknowledged.push(messages);
      return Promise.resolve();
    },
  } as unknown as MessageDelivery;
  return { sync: new SyncService(repository, delivery), acknowledged };
}

describe('followsWithoutGap', () => {
  it('takes the very next seqs, one after the other', () => {
    expect(followsWithoutGap(4, [5])).toBe(true);
    expect(followsWithoutGap(0, [1, 2, 3])).toBe(true);
  });

  it('refuses a gap, a repeat, an event already written and nothing at all', () => {
    expect(followsWithoutGap(4, [6])).toBe(false);
    expect(followsWithoutGap(4, [5, 7])).toBe(false);
    expect(followsWithoutGap(4, [5, 5])).toBe(false);
    expect(followsWithoutGap(4, [4, 5])).toBe(false);
    expect(followsWithoutGap(4, [])).toBe(false);
  });
});

describe('SyncService.follow', () => {
  it('answers a committed message event exactly as a page read of the same row, receipts included', async () => {
    const stored = message();
    const { sync } = serviceReading([pageSqlRow('5', stored)]);
    const read = await sync.read(BOB, 4, 100);
    expect(sync.follow(BOB, 4, [messageEventRow('5', stored)])).toEqual(read);
    expect(read.fetchedFromAfar).toEqual([{ id: stored.id, fromUserId: stored.fromUserId }]);
  });

  it('answers a message to another server with its staged delivery as a read just after the commit', async () => {
    const stored = message({ fromUserId: BOB, toUserId: 'carol@c.example' });
    const staged = { deliveryStatus: 'pending', deliveryAttempts: 0 } as const;
    const { sync } = serviceReading([pageSqlRow('9', stored, staged)]);
    const read = await sync.read(BOB, 8, 100);
    expect(sync.follow(BOB, 8, [messageEventRow('9', withStagedDelivery(stored))])).toEqual(read);
    expect(read.page.events[0].data).toMatchObject({ deliveryStatus: 'pending', deliveryAttempts: 0 });
    expect(read.fetchedFromAfar).toEqual([]);
  });

  it('answers null for events that do not come right after the position', () => {
    const { sync } = serviceReading([]);
    expect(sync.follow(BOB, 4, [messageEventRow('6', message())])).toBeNull();
    expect(sync.follow(BOB, 5, [messageEventRow('5', message())])).toBeNull();
  });
});
