import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { AccountsService } from '../accounts/accounts.service';
import { pairKey } from '../common/address';
import { decodeCursor } from '../common/cursor';
import { cursorPage, rowsForPage } from '../common/pagination';
import { errorBody } from '../common/http-exception.filter';
import { newId } from '../common/ids';
import { KeyedBatcher } from '../common/keyed-batcher';
import { CommittedEvents, SyncBus } from '../sync/sync-bus';
import { messageEventRow, PageRow } from '../sync/sync.repository';
import { MAX_BATCH_MESSAGES, MAX_CONTENT_BYTES } from './dto/messages.dto';
import { MessageDelivery } from './message-delivery.port';
import { ContentType, MessageEntity } from './message.entity';
import { MessageRow, withStagedDelivery } from './message.response';
import { InsertOutcome, MessagesRepository, NewMessage } from './messages.repository';

export interface SendMessageInput {
  toUserId: string;
  content: string;
  contentType?: ContentType;
  clientMessageId?: string | null;
}

export interface SendResult {
  message: MessageRow;
  /** False when the same sender already sent this clientMessageId: the original is returned. */
  created: boolean;
}

/** A single send waiting for its sender's next statement, its ids fixed. */
type QueuedSend = SendMessageInput & { id: string; clientMessageId: string };

/** What became of one input of {@link MessagesService.storeMessages}. */
export type StoreResult =
  | { kind: 'refused'; error: HttpException }
  | Extract<InsertOutcome, { kind: 'inserted' }>
  | { kind: 'not-friends' | 'not-inserted'; message: NewMessage; original: MessageEntity | undefined };

/** The outcome of one message of a batch: the HTTP status the single send would have answered. */
export interface SendOutcome {
  status: number;
  message?: MessageRow;
  error?: string;
}

export function assertContentSize(content: string): void {
  if (Buffer.byteLength(content, 'utf8') > MAX_CONTENT_BYTES) {
    throw new PayloadTooLargeException(`content is larger than ${MAX_CONTENT_BYTES} bytes`);
  }
}

const nothing = () => Promise.resolve();

/**
 * The stream events a message statement appended, by user, as the streams' page query would read them right after
 * the commit, so that this process's open streams write them without that query (see SyncBus.notify).
 */
function committedEvents(inserted: Extract<InsertOutcome, { kind: 'inserted' }>[]): CommittedEvents {
  const byUser = new Map<string, PageRow[]>();
  for (const { message, outbox, events } of inserted) {
    const stored = outbox ? withStagedDelivery(message) : message;
    for (const { userId, seq } of events) {
      if (!byUser.has(userId)) byUser.set(userId, []);
      byUser.get(userId)!.push(messageEventRow(seq, stored));
    }
  }
  for (const rows of byUser.values()) rows.sort((a, b) => Number(a.eventSeq) - Number(b.eventSeq));
  return byUser;
}

@Injectable()
export class MessagesService {
  constructor(
    @Inject(MessagesRepository) private readonly messages: MessagesRepository,
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(SyncBus) private readonly syncBus: SyncBus,
    @Inject(MessageDelivery) private readonly delivery: MessageDelivery,
  ) {}

  /**
   * Single sends of one sender that arrive while an earlier one is being stored go together into the next statement;
   * each still answers only once its own message is committed. The next statement of the sender does not wait for
   * the streams and deliveries of the previous one to be told.
   */
  private readonly singleSends = new KeyedBatcher<QueuedSend, { outcome: SendOutcome; announced: Promise<void> }>(
    async (sender, sends) => {
      const { outcomes, announced } = await this.store(sender, sends);
      return outcomes.map((outcome) => ({ outcome, announced }));
    },
    MAX_BATCH_MESSAGES,
  );

  /** Stores a message to a friend; idempotent per (sender, clientMessageId). */
  async send(sender: string, input: SendMessageInput): Promise<SendResult> {
    // Ids are fixed before queueing: if a batch fails after its commit, storing a message again is a replay.
    const queued: QueuedSend = { ...input, id: newId(), clientMessageId: input.clientMessageId ?? newId() };
    const { outcome, announced } = await this.singleSends.submit(sender, queued);
    await announced;
    if (outcome.message) return { message: outcome.message, created: outcome.status === 201 };
    throw new HttpException(errorBody(outcome.status, outcome.error!), outcome.status);
  }

  /**
   * Stores messages from one sender in one statement, plus the outbox rows of those to other servers in the same
   * transaction. Each message gets its own outcome: one refused message does not refuse the others.
   */
  async sendMany(sender: string, inputs: SendMessageInput[]): Promise<SendOutcome[]> {
    const { outcomes, announced } = await this.store(sender, inputs);
    await announced;
    return outcomes;
  }

  /** {@link sendMany} up to the commit; `announced` settles once the changed streams and deliveries have been told. */
  private async store(
    sender: string,
    inputs: (SendMessageInput & { id?: string })[],
  ): Promise<{ outcomes: SendOutcome[]; announced: Promise<void> }> {
    const recipients = new Map<string, Promise<string>>();
    const { results, announced } = await this.storeMessages(inputs, async (input) => {
      assertContentSize(input.content);
      if (!recipients.has(input.toUserId)) {
        recipients.set(input.toUserId, this.accounts.resolveAddress(input.toUserId, 'toUserId'));
      }
      const named = await recipients.get(input.toUserId)!;
      const recipient = this.accounts.isLocal(named)
        ? named
        : await this.delivery.assertDeliverable(named, input.content);
      return this.newMessage(sender, recipient, input);
    });
    return { outcomes: results.map((result) => this.sendOutcome(result)), announced };
  }

  /** The HTTP answer of one send: a repeated client id answers with the original, or 409. */
  private sendOutcome(result: StoreResult): SendOutcome {
    switch (result.kind) {
      case 'refused':
        return { status: result.error.getStatus(), error: result.error.message };
      case 'inserted': {
        const remote = !this.accounts.isLocal(result.message.toUserId);
        return { status: 201, message: remote ? withStagedDelivery(result.message) : result.message };
      }
      case 'not-friends':
        return {
          status: 403,
          error: `you and ${result.message.toUserId} are not friends: an accepted friend invite is needed first`,
        };
      case 'not-inserted': {
        const { message, original } = result;
        // The very message, stored by an earlier try of its batch that failed after the commit.
        if (original?.id === message.id) return { status: 201, message: original };
        const same =
          original?.toUserId === message.toUserId &&
          original.content === message.content &&
          original.contentType === message.contentType;
        return same
          ? { status: 200, message: original }
          : {
              status: 409,
              error: `clientMessageId ${message.clientMessageId} was already used for another message; use a new one`,
            };
      }
    }
  }

  /**
   * The one path that stores messages, for the API and for the federation inbox. `prepare` makes each input a message
   * (an HTTP exception refuses that input alone); all are then stored in one statement (MessagesRepository.insertMany)
   * with their inbox rows, sync events, the outbox rows of those to other servers and, when they came from another
   * server (`receivedFrom`), their replay receipts. Answers one result per input, in order, with the stored message a
   * refused insert collided with (same sender and client id), if any; `announced` settles once the changed streams
   * and deliveries have been told.
   */
  async storeMessages<Input>(
    inputs: Input[],
    prepare: (input: Input) => Promise<NewMessage>,
    receivedFrom: string | null = null,
  ): Promise<{ results: StoreResult[]; announced: Promise<void> }> {
    const results: StoreResult[] = new Array(inputs.length);
    const candidates: { index: number; message: NewMessage }[] = [];
    for (const [index, input] of inputs.entries()) {
      try {
        candidates.push({ index, message: await prepare(input) });
      } catch (error) {
        if (!(error instanceof HttpException)) throw error;
        results[index] = { kind: 'refused', error };
      }
    }
    if (candidates.length === 0) return { results, announced: Promise.resolve() };
    const messages = candidates.map((candidate) => candidate.message);
    const stored = await this.messages.insertMany(messages, this.localParties(messages), receivedFrom);
    const originals = await this.originals(messages.filter((_, i) => stored[i].kind !== 'inserted'));
    for (const [i, { index, message }] of candidates.entries()) {
      const result = stored[i];
      results[index] =
        result.kind === 'inserted'
          ? result
          : { kind: result.kind, message, original: originals.get(`${message.fromUserId} ${message.clientMessageId}`) };
    }
    const inserted = stored.flatMap((result) => (result.kind === 'inserted' ? [result] : []));
    const changed = inserted.flatMap(({ message }) => [message.fromUserId, message.toUserId]);
    const announced = Promise.all([
      this.syncBus.notify(
        changed.filter((user) => this.accounts.isLocal(user)),
        committedEvents(inserted),
      ),
      this.delivery.dispatchMessages(inserted.flatMap(({ outbox }) => (outbox ? [outbox] : []))),
    ]).then(() => undefined);
    return { results, announced };
  }

  /** Stored messages by (sender, client id), keyed `${fromUserId} ${clientMessageId}`. */
  async originals(keys: { fromUserId: string; clientMessageId: string }[]): Promise<Map<string, MessageEntity>> {
    const found = await this.messages.findBySenderAndClientIds(keys);
    return new Map(found.map((message) => [`${message.fromUserId} ${message.clientMessageId}`, message]));
  }

  newMessage(
    sender: string,
    recipient: string,
    input: SendMessageInput & { id?: string; createdAt?: Date },
  ): NewMessage {
    return {
      id: input.id ?? newId(),
      clientMessageId: input.clientMessageId ?? newId(),
      fromUserId: sender,
      toUserId: recipient,
      conversationKey: pairKey(sender, recipient),
      contentType: input.contentType ?? 'text/plain',
      content: input.content,
      createdAt: input.createdAt,
    };
  }

  private localParties(messages: NewMessage[]): string[] {
    const parties = new Set(messages.flatMap((message) => [message.fromUserId, message.toUserId]));
    return [...parties].filter((user) => this.accounts.isLocal(user));
  }

  /** A page of the conversation between `viewer` and `friend`, oldest first. */
  async thread(
    viewer: string,
    friendInput: string,
    position: { before?: string; after?: string; since?: string },
    limit: number,
  ) {
    if ([position.before, position.after, position.since].filter(Boolean).length > 1) {
      throw new BadRequestException('give at most one of before, after and since');
    }
    const friend = await this.accounts.resolveAddress(friendInput, 'friendUserId');
    const key = pairKey(viewer, friend);
    const seqOf = async (messageId: string, field: string) => {
      const message = await this.messages.findById(messageId);
      if (message?.conversationKey !== key) {
        throw new BadRequestException(`${field} is not a message of this conversation`);
      }
      return message.seq;
    };
    const page = await this.messages.page(
      key,
      {
        beforeSeq: position.before ? await seqOf(position.before, 'before') : undefined,
        afterSeq: position.after ? await seqOf(position.after, 'after') : undefined,
        since: position.since ? new Date(position.since) : undefined,
      },
      limit,
    );
    // A thread page is a device fetching these messages, as a sync page is: their senders' nodes get the receipt.
    const fetchedFromAfar = page.items.filter(
      (message) => message.toUserId === viewer && !this.accounts.isLocal(message.fromUserId),
    );
    if (fetchedFromAfar.length > 0) await this.delivery.messagesFetched(viewer, fetchedFromAfar);
    return page;
  }

  async inbox(owner: string, cursor: string | undefined, limit: number) {
    const beforeSeq = cursor ? decodeCursor(cursor, ['number'])[0] : undefined;
    const rows = await this.messages.inbox(owner, beforeSeq, rowsForPage(limit));
    return cursorPage(rows, limit, (last) => [Number(last.lastMessageSeq)]);
  }

  /** Read receipts for messages our users sent to another server; returns the senders to notify. */
  applyRemoteReads(reads: { clientMessageId: string; fromUserId: string; toUserId: string; readAt: Date }[]) {
    return this.messages.applyRemoteReads(reads);
  }

  messageById(id: string): Promise<MessageEntity | null> {
    return this.messages.findById(id);
  }

  /** A message the user sent or received; 404 for any other, so that ids of others' messages reveal nothing. */
  async visibleMessage(viewer: string, messageId: string): Promise<MessageEntity> {
    const message = await this.messages.findById(messageId);
    if (!message || (message.fromUserId !== viewer && message.toUserId !== viewer)) {
      throw new NotFoundException(`no message ${messageId} of yours`);
    }
    return message;
  }

  /**
   * Sets readAt once; repeating it returns the message as it is. For a message from another server, the read receipt
   * to its sender's node is staged in the same transaction.
   */
  async markRead(viewer: string, messageId: string): Promise<MessageRow> {
    const message = await this.visibleMessage(viewer, messageId);
    if (message.toUserId !== viewer) throw new ForbiddenException('only the recipient can mark a message read');
    const localUsers = [message.fromUserId, message.toUserId].filter((user) => this.accounts.isLocal(user));
    const fromElsewhere = !this.accounts.isLocal(message.fromUserId);
    // A local message is one statement; only a receipt for another server needs a transaction around both.
    const { read, alongside: dispatch = nothing } = await this.messages.markRead(
      messageId,
      viewer,
      localUsers,
      fromElsewhere ? (manager, updated) => this.delivery.stageReadReceipt(manager, updated) : undefined,
    );
    if (!read) return message;
    await Promise.all([this.syncBus.notify(localUsers), dispatch()]);
    return read;
  }
}
