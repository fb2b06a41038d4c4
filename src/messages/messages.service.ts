import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { RemoteDelivery } from '../common/remote-delivery.port';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { newId } from '../common/ids';
import { SyncBus } from '../sync/sync-bus';
import { MAX_CONTENT_BYTES } from './dto/messages.dto';
import { ContentType, conversationKey, MessageEntity } from './message.entity';
import { MessageRow } from './message.response';
import { MessagesRepository, NewMessage } from './messages.repository';

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

@Injectable()
export class MessagesService {
  constructor(
    @Inject(MessagesRepository) private readonly messages: MessagesRepository,
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(SyncBus) private readonly syncBus: SyncBus,
    @Inject(RemoteDelivery) private readonly remote: RemoteDelivery,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Stores a message to a friend; idempotent per (sender, clientMessageId). */
  async send(sender: string, input: SendMessageInput): Promise<SendResult> {
    if (Buffer.byteLength(input.content, 'utf8') > MAX_CONTENT_BYTES) {
      throw new PayloadTooLargeException(`content is larger than ${MAX_CONTENT_BYTES} bytes`);
    }
    const recipient = await this.accounts.resolveAddress(input.toUserId, 'toUserId');
    const candidate = {
      id: newId(),
      clientMessageId: input.clientMessageId ?? newId(),
      fromUserId: sender,
      toUserId: recipient,
      conversationKey: conversationKey(sender, recipient),
      contentType: input.contentType ?? 'text/plain',
      content: input.content,
      localUsers: [sender, recipient].filter((user) => this.accounts.isLocal(user)),
    };
    const remoteServer = this.accounts.isLocal(recipient) ? null : recipient.slice(recipient.lastIndexOf('@') + 1);
    const { outcome, outboxIds } = remoteServer
      ? await this.insertForRemoteRecipient(candidate, remoteServer)
      : { outcome: await this.messages.insert(candidate), outboxIds: [] };
    switch (outcome.kind) {
      case 'not-friends':
        throw new ForbiddenException(`you and ${recipient} are not friends: an accepted friend invite is needed first`);
      case 'duplicate':
        return { message: await this.original(candidate), created: false };
      case 'inserted':
        await this.syncBus.notify(candidate.localUsers);
        await this.remote.dispatch(outboxIds);
        return {
          message: remoteServer
            ? { ...outcome.message, deliveryStatus: 'pending', deliveryAttempts: 0 }
            : outcome.message,
          created: true,
        };
    }
  }

  /** The message and its outbox row commit together: a stored message to another server is always on its way. */
  private insertForRemoteRecipient(candidate: NewMessage, recipientServer: string) {
    return this.dataSource.transaction(async (manager) => {
      const outcome = await this.messages.insert(candidate, manager);
      const outboxIds =
        outcome.kind === 'inserted'
          ? await this.remote.stage(manager, [{ kind: 'message', recipientServer, messageId: outcome.message.id }])
          : [];
      return { outcome, outboxIds };
    });
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
    const key = conversationKey(viewer, friend);
    const seqOf = async (messageId: string, field: string) => {
      const message = await this.messages.findById(messageId);
      if (message?.conversationKey !== key)
        throw new BadRequestException(`${field} is not a message of this conversation`);
      return message.seq;
    };
    return this.messages.page(
      key,
      {
        beforeSeq: position.before ? await seqOf(position.before, 'before') : undefined,
        afterSeq: position.after ? await seqOf(position.after, 'after') : undefined,
        since: position.since ? new Date(position.since) : undefined,
      },
      limit,
    );
  }

  async inbox(owner: string, cursor: string | undefined, limit: number) {
    const beforeSeq = cursor ? decodeCursor(cursor, ['number'])[0] : undefined;
    const { items, hasMore } = await this.messages.inbox(owner, beforeSeq, limit);
    const last = items.at(-1);
    return { items, nextCursor: hasMore && last ? encodeCursor([Number(last.lastMessageSeq)]) : null };
  }

  /**
   * A message from another server's user to one of ours, stored inside the caller's transaction (federation writes
   * its replay receipt in the same one).
   */
  storeIncoming(
    manager: EntityManager,
    message: Omit<SendMessageInput, 'clientMessageId'> & {
      id: string;
      clientMessageId: string;
      fromUserId: string;
      createdAt?: Date;
    },
  ) {
    if (Buffer.byteLength(message.content, 'utf8') > MAX_CONTENT_BYTES) {
      throw new PayloadTooLargeException(`content is larger than ${MAX_CONTENT_BYTES} bytes`);
    }
    return this.messages.insert(
      {
        id: message.id,
        clientMessageId: message.clientMessageId,
        fromUserId: message.fromUserId,
        toUserId: message.toUserId,
        conversationKey: conversationKey(message.fromUserId, message.toUserId),
        contentType: message.contentType ?? 'text/plain',
        content: message.content,
        localUsers: [message.toUserId],
        createdAt: message.createdAt,
      },
      manager,
    );
  }

  /** Read receipts for messages our users sent to another server; returns the senders to notify. */
  applyRemoteReads(
    manager: EntityManager,
    reads: { clientMessageId: string; fromUserId: string; toUserId: string; readAt: Date }[],
  ) {
    return this.messages.applyRemoteReads(manager, reads);
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

  /** Sets readAt once; repeating it returns the message as it is. */
  async markRead(viewer: string, messageId: string): Promise<MessageRow> {
    const message = await this.visibleMessage(viewer, messageId);
    if (message.toUserId !== viewer) throw new ForbiddenException('only the recipient can mark a message read');
    const localUsers = [message.fromUserId, message.toUserId].filter((user) => this.accounts.isLocal(user));
    const updated = await this.messages.markRead(messageId, viewer, localUsers);
    if (!updated) return message;
    await this.syncBus.notify(localUsers);
    if (!this.accounts.isLocal(updated.fromUserId)) await this.remote.messageRead(updated);
    return updated;
  }

  private async original(
    candidate: SendMessageInput & { fromUserId: string; toUserId: string; clientMessageId: string },
  ) {
    const original = await this.messages.findBySenderAndClientId(candidate.fromUserId, candidate.clientMessageId);
    if (!original) throw new ConflictException('clientMessageId conflict; retry the request');
    const same =
      original.toUserId === candidate.toUserId &&
      original.content === candidate.content &&
      original.contentType === (candidate.contentType ?? 'text/plain');
    if (!same) {
      throw new ConflictException(
        `clientMessageId ${candidate.clientMessageId} was already used for another message; use a new one`,
      );
    }
    return original;
  }
}
