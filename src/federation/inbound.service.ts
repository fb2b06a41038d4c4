import { ForbiddenException, HttpException, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { formatAddress, parseAddress, serverOf } from '../common/address';
import { Clock } from '../common/clock';
import { errorBody } from '../common/http-exception.filter';
import { UUID_PATTERN } from '../common/ids';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { FriendsService } from '../friends/friends.service';
import { KeysService } from '../keys/keys.service';
import { MessageResponse, MessageRow, toMessageResponse } from '../messages/message.response';
import { assertContentSize, MessagesService, StoreResult } from '../messages/messages.service';
import { SyncBus } from '../sync/sync-bus';
import { InboxBatchDto, InboxInviteAnswerDto, InboxInviteDto, InboxMessageDto, ReceiptDto } from './dto/inbox.dto';
import { KeyChangeNoticeDto, PeerKeysClaimDto, PeerKeysQueryDto } from './dto/keys.dto';
import { InboxTransactionEntity } from './inbox-transaction.entity';
import { OutboxService } from './outbox.service';

export interface InboundMessageResult {
  duplicate: boolean;
  message: MessageResponse;
}

export interface BatchItemResult {
  clientMessageId: string;
  fromUserId: string;
  status: 'created' | 'duplicate' | 'rejected';
  statusCode: number;
  error?: string;
}

/** A batch item's result, with the stored message (only the single-message endpoint answers with it). */
type InboundOutcome = BatchItemResult & { message?: MessageRow };

/**
 * A peer's answer for one message: created (201), a replay of a message stored before (200, whatever else has changed
 * since, so that a peer retrying after a lost answer never sees a failure), or rejected with the status a single
 * delivery would get.
 */
function inboundOutcome(result: StoreResult, input: InboxMessageDto): InboundOutcome {
  if (result.kind === 'refused') {
    const { clientMessageId, fromUserId } = input;
    return {
      clientMessageId,
      fromUserId,
      status: 'rejected',
      statusCode: result.error.getStatus(),
      error: result.error.message,
    };
  }
  const { message } = result;
  const identity = { clientMessageId: message.clientMessageId, fromUserId: message.fromUserId };
  if (result.kind === 'inserted') return { ...identity, status: 'created', statusCode: 201, message: result.message };
  if (result.original) return { ...identity, status: 'duplicate', statusCode: 200, message: result.original };
  if (result.kind === 'not-friends') {
    const error = `${message.toUserId} has not accepted ${message.fromUserId} as a friend`;
    return { ...identity, status: 'rejected', statusCode: 403, error };
  }
  const error = `message id ${message.id} or client id ${message.clientMessageId} is already used`;
  return { ...identity, status: 'rejected', statusCode: 409, error };
}

/** What other servers deliver to us, checked against the server that signed the request. */
@Injectable()
export class InboundService {
  constructor(
    @InjectRepository(InboxTransactionEntity) private readonly transactions: Repository<InboxTransactionEntity>,
    @Inject(MessagesService) private readonly messages: MessagesService,
    @Inject(FriendsService) private readonly friends: FriendsService,
    @Inject(KeysService) private readonly keys: KeysService,
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(OutboxService) private readonly outbox: OutboxService,
    @Inject(SyncBus) private readonly syncBus: SyncBus,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A message is never dated after it arrived: a peer whose clock runs ahead (or that dates a message in the year
   * 9999) would otherwise keep it at the end of its thread and inbox for good.
   */
  private notAfterArrival(createdAt: Date): Date {
    const now = this.clock.now();
    return createdAt > now ? now : createdAt;
  }

  /** One message (the seed's single-message endpoint): 201 stored, 200 a replay, or the refusal as an exception. */
  async receiveMessage(server: string, input: InboxMessageDto): Promise<InboundMessageResult> {
    const [outcome] = await this.receiveMany(server, [input]);
    if (!outcome.message) throw new HttpException(errorBody(outcome.statusCode, outcome.error!), outcome.statusCode);
    return { duplicate: outcome.status === 'duplicate', message: toMessageResponse(outcome.message) };
  }

  /**
   * Up to 500 messages in one request (MAX_INBOX_BATCH_MESSAGES): stored in one statement with their replay receipts (keyed by sender server,
   * client message id and sender), so no failure leaves a receipt without its message; each message gets its own
   * answer, and a replay of the whole transaction gets the first answer.
   */
  async receiveBatch(server: string, batch: InboxBatchDto): Promise<Record<string, unknown>> {
    const seen = await this.transactions.findOneBy({ senderServer: server, transactionId: batch.transactionId });
    if (seen) return seen.response;
    const outcomes = await this.receiveMany(server, batch.messages);
    const results = outcomes.map(({ message: _message, ...result }) => result);
    const response = { ok: true, transactionId: batch.transactionId, results };
    await this.transactions
      .createQueryBuilder()
      .insert()
      .values({ senderServer: server, transactionId: batch.transactionId, response })
      .orIgnore()
      .execute();
    return response;
  }

  /** Messages from `server`'s users to ours, stored the way the API stores them, with their replay receipts. */
  private async receiveMany(server: string, inputs: InboxMessageDto[]): Promise<InboundOutcome[]> {
    const recipients = new Map<string, Promise<string>>();
    const { results, announced } = await this.messages.storeMessages(
      inputs,
      async (input) => {
        const fromUserId = this.remoteUser(input.fromUserId, server, 'fromUserId');
        if (input.senderServer !== undefined && input.senderServer.toLowerCase() !== server) {
          throw new ForbiddenException(`senderServer ${input.senderServer} is not the signing server ${server}`);
        }
        if (!recipients.has(input.toUserId)) recipients.set(input.toUserId, this.localUser(input.toUserId, 'toUserId'));
        const toUserId = await recipients.get(input.toUserId)!;
        assertContentSize(input.content);
        const keepsId = input.id !== undefined && UUID_PATTERN.test(input.id);
        return {
          ...this.messages.newMessage(fromUserId, toUserId, {
            ...input,
            id: keepsId ? input.id!.toLowerCase() : undefined,
            createdAt: input.createdAt ? this.notAfterArrival(new Date(input.createdAt)) : undefined,
          }),
          remoteMessageId: keepsId ? null : (input.id ?? null),
        };
      },
      server,
    );
    await announced;
    const senders = results.flatMap((result) => (result.kind === 'inserted' ? [result.message.fromUserId] : []));
    await this.outbox.releaseWaitingFor(server, senders);
    return results.map((result, index) => inboundOutcome(result, inputs[index]));
  }

  /** Delivery and read receipts for messages our users sent to the signing server's users. */
  async receiveReceipts(server: string, receipts: ReceiptDto[]): Promise<number> {
    const valid = receipts
      .map((receipt) => ({
        ...receipt,
        fromUserId: this.addressOrNull(receipt.fromUserId),
        toUserId: this.addressOrNull(receipt.toUserId),
      }))
      .filter(
        (receipt): receipt is typeof receipt & { fromUserId: string; toUserId: string } =>
          receipt.fromUserId !== null &&
          receipt.toUserId !== null &&
          this.accounts.isLocal(receipt.fromUserId) &&
          serverOf(receipt.toUserId) === server,
      );
    // Each kind is one statement (its own transaction, taking stream heads in user order): no lock is held across
    // them, so two receipt requests cannot deadlock. A retry of the whole request is harmless.
    const acked = await this.outbox.acknowledge(valid.filter((receipt) => receipt.type === 'delivered'));
    const read = await this.messages.applyRemoteReads(
      valid
        .filter((receipt) => receipt.type === 'read')
        .map((receipt) => ({ ...receipt, readAt: new Date(receipt.at) })),
    );
    const senders = [...acked, ...read];
    await this.syncBus.notify(senders);
    await this.outbox.releaseWaitingFor(
      server,
      valid.map((receipt) => receipt.toUserId),
    );
    return valid.length;
  }

  async receiveInvite(server: string, input: InboxInviteDto) {
    const fromUserId = this.remoteUser(input.fromUserId, server, 'fromUserId');
    const toUserId = await this.localUser(input.toUserId, 'toUserId');
    return this.friends.receiveRemoteInvite({
      id: input.id.toLowerCase(),
      fromUserId,
      toUserId,
      message: input.message ?? null,
    });
  }

  async receiveInviteAnswer(server: string, input: InboxInviteAnswerDto) {
    const address = (value: string, field: string) =>
      formatAddress(parseAddress(value, this.config.federationServer, field));
    return this.friends.applyRemoteAnswer(
      {
        id: input.id.toLowerCase(),
        fromUserId: address(input.fromUserId, 'fromUserId'),
        toUserId: address(input.toUserId, 'toUserId'),
        status: input.status,
      },
      server,
    );
  }

  async receiveUnfriend(server: string, userId: string, friendUserId: string): Promise<void> {
    await this.friends.applyRemoteUnfriend(
      this.remoteUser(userId, server, 'userId'),
      await this.localUser(friendUserId, 'friendUserId'),
    );
  }

  /** The key directory of one of our users, for a user of the signing server. */
  queryKeys(server: string, input: PeerKeysQueryDto) {
    return this.keys.directoryForPeer(this.remoteUser(input.requester, server, 'requester'), input.address);
  }

  claimKeys(server: string, input: PeerKeysClaimDto) {
    const requester = this.remoteUser(input.requester, server, 'requester');
    return this.keys.claimForPeer(server, requester, input.address, input.deviceIds);
  }

  async receiveKeyChange(server: string, input: KeyChangeNoticeDto): Promise<void> {
    await this.keys.keyChangeFromPeer({
      address: this.remoteUser(input.address, server, 'address'),
      reason: input.reason,
    });
  }

  /**
   * A user of the signing server: anything else is a server speaking for users that are not its own. Delivery
   * receipts rely on it: they go back to the sender's server (OutboxService.messagesFetched).
   */
  private remoteUser(value: string, server: string, field: string): string {
    const address = formatAddress(parseAddress(value, this.config.federationServer, field, server));
    if (serverOf(address) !== server)
      throw new ForbiddenException(`${field} ${address} is not a user of the signing server ${server}`);
    return address;
  }

  /** A user of this node who exists; refused with 403, as the MyLife contract has it for recipient policy. */
  private async localUser(value: string, field: string): Promise<string> {
    const parsed = parseAddress(value, this.config.federationServer, field);
    const address = formatAddress(parsed);
    if (parsed.server !== this.config.federationServer || !(await this.accounts.exists(parsed.localpart))) {
      throw new ForbiddenException(`${field} ${address} is not a user of this server`);
    }
    return address;
  }

  private addressOrNull(value: string): string | null {
    try {
      return formatAddress(parseAddress(value, this.config.federationServer));
    } catch {
      return null;
    }
  }
}
