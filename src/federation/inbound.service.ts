import { ConflictException, ForbiddenException, HttpException, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { formatAddress, parseAddress } from '../common/address';
import { newId, UUID_PATTERN } from '../common/ids';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { FriendsService } from '../friends/friends.service';
import { MessageResponse, toMessageResponse } from '../messages/message.response';
import { MessagesService } from '../messages/messages.service';
import { SyncBus } from '../sync/sync-bus';
import { SyncEventsWriter } from '../sync/sync-events.writer';
import { InboxBatchDto, InboxInviteAnswerDto, InboxInviteDto, InboxMessageDto, ReceiptDto } from './dto/inbox.dto';
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

/** What other servers deliver to us, checked against the server that signed the request. */
@Injectable()
export class InboundService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MessagesService) private readonly messages: MessagesService,
    @Inject(FriendsService) private readonly friends: FriendsService,
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(OutboxService) private readonly outbox: OutboxService,
    @Inject(SyncBus) private readonly syncBus: SyncBus,
    @Inject(SyncEventsWriter) private readonly syncEvents: SyncEventsWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Stores a message for one of our users. Its replay receipt, keyed by (sender server, client message id, sender),
   * is written in the same transaction as the message, so no failure leaves one without the other; a replay gets the
   * stored message back.
   */
  async receiveMessage(server: string, input: InboxMessageDto): Promise<InboundMessageResult> {
    const fromUserId = this.remoteUser(input.fromUserId, server, 'fromUserId');
    const toUserId = await this.localUser(input.toUserId, 'toUserId');
    if (input.senderServer !== undefined && input.senderServer.toLowerCase() !== server) {
      throw new ForbiddenException(`senderServer ${input.senderServer} is not the signing server ${server}`);
    }
    const keepsId = input.id !== undefined && UUID_PATTERN.test(input.id);
    const result = await this.dataSource.transaction(async (manager) => {
      const inserted: { message_id: string }[] = await manager.query(
        `INSERT INTO federation_inbox_receipts (sender_server, client_message_id, from_user_id, message_id, remote_message_id)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING message_id`,
        [
          server,
          input.clientMessageId,
          fromUserId,
          keepsId ? input.id!.toLowerCase() : newId(),
          keepsId ? null : (input.id ?? null),
        ],
      );
      if (inserted.length === 0)
        return {
          duplicate: true as const,
          messageId: await this.receivedMessageId(manager, server, input, fromUserId),
        };
      const outcome = await this.messages.storeIncoming(manager, {
        id: inserted[0].message_id,
        clientMessageId: input.clientMessageId,
        fromUserId,
        toUserId,
        contentType: input.contentType,
        content: input.content,
        createdAt: input.createdAt ? new Date(input.createdAt) : undefined,
      });
      switch (outcome.kind) {
        case 'not-friends':
          throw new ForbiddenException(`${toUserId} has not accepted ${fromUserId} as a friend`);
        case 'duplicate':
          throw new ConflictException(`message id ${input.id} or client id ${input.clientMessageId} is already used`);
        case 'inserted':
          return { duplicate: false as const, message: outcome.message };
      }
    });
    if (result.duplicate) {
      const stored = await this.messages.messageById(result.messageId);
      return { duplicate: true, message: toMessageResponse(stored!) };
    }
    await this.syncBus.notify([toUserId]);
    return { duplicate: false, message: toMessageResponse(result.message) };
  }

  /**
   * Up to 100 messages in one request: each is stored (or found again) on its own, so one refused message does not
   * refuse the others; a replay of the whole transaction gets the first answer.
   */
  async receiveBatch(server: string, batch: InboxBatchDto): Promise<Record<string, unknown>> {
    const transactions = this.dataSource.getRepository(InboxTransactionEntity);
    const seen = await transactions.findOneBy({ senderServer: server, transactionId: batch.transactionId });
    if (seen) return seen.response;
    const results: BatchItemResult[] = [];
    for (const message of batch.messages) {
      const identity = { clientMessageId: message.clientMessageId, fromUserId: message.fromUserId };
      try {
        const { duplicate } = await this.receiveMessage(server, message);
        results.push({ ...identity, status: duplicate ? 'duplicate' : 'created', statusCode: duplicate ? 200 : 201 });
      } catch (error) {
        if (!(error instanceof HttpException)) throw error;
        results.push({ ...identity, status: 'rejected', statusCode: error.getStatus(), error: error.message });
      }
    }
    const response = { ok: true, transactionId: batch.transactionId, results };
    await transactions
      .createQueryBuilder()
      .insert()
      .values({ senderServer: server, transactionId: batch.transactionId, response })
      .orIgnore()
      .execute();
    return response;
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
          receipt.toUserId.endsWith(`@${server}`),
      );
    const senders = await this.dataSource.transaction(async (manager) => {
      await this.syncEvents.lockStreams(
        manager,
        valid.map((receipt) => receipt.fromUserId),
      );
      const acked = await this.outbox.acknowledge(
        valid.filter((receipt) => receipt.type === 'delivered'),
        manager,
      );
      const read = await this.messages.applyRemoteReads(
        manager,
        valid
          .filter((receipt) => receipt.type === 'read')
          .map((receipt) => ({ ...receipt, readAt: new Date(receipt.at) })),
      );
      return [...acked, ...read];
    });
    await this.syncBus.notify(senders);
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

  private async receivedMessageId(
    manager: DataSource['manager'],
    server: string,
    input: InboxMessageDto,
    fromUserId: string,
  ) {
    const [receipt]: { message_id: string }[] = await manager.query(
      'SELECT message_id FROM federation_inbox_receipts WHERE sender_server = $1 AND client_message_id = $2 AND from_user_id = $3',
      [server, input.clientMessageId, fromUserId],
    );
    return receipt.message_id;
  }

  /** A user of the signing server: anything else is a server speaking for users that are not its own. */
  private remoteUser(value: string, server: string, field: string): string {
    const address = formatAddress(parseAddress(value, server, field));
    if (!address.endsWith(`@${server}`))
      throw new ForbiddenException(`${field} ${address} is not a user of the signing server ${server}`);
    return address;
  }

  /** A user of this node who exists; refused with 403, as the MyLife contract has it for recipient policy. */
  private async localUser(value: string, field: string): Promise<string> {
    const parsed = parseAddress(value, this.config.federationServer, field);
    const address = formatAddress(parsed);
    if (parsed.server !== this.config.federationServer || !(await this.accounts.findByUsername(parsed.localpart))) {
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
