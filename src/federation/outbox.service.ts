import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { EntityManager, QueryFailedError } from 'typeorm';
import { serverOf } from '../common/address';
import { newId } from '../common/ids';
import { FetchedMessage } from '../messages/message-delivery.port';
import { SyncBus } from '../sync/sync-bus';
import { SyncEventsWriter } from '../sync/sync-events.writer';
import { DeliveryQueue } from './delivery-queue';
import { DestinationEntity } from './destination.entity';
import { OutboxEntity, OutboxStatus } from './outbox.entity';
import { RemoteDeliveryItem, StagedDelivery } from './outbox-items';
import { OutboxPosition, OutboxRepository } from './outbox.repository';
import { PeerDirectory } from './peer-directory';

export interface ReceiptItem {
  type: 'delivered' | 'read';
  clientMessageId: string;
  fromUserId: string;
  toUserId: string;
  at: string;
}

/**
 * The federation outbox: rows staged in the writer's transaction, each destination's job scheduled once they are
 * committed, operators' views and retries. Message rows' state changes reach the sender's sync stream as
 * `message.delivery` events.
 */
@Injectable()
export class OutboxService {
  constructor(
    @Inject(OutboxRepository) private readonly outbox: OutboxRepository,
    @Inject(DeliveryQueue) private readonly deliveries: DeliveryQueue,
    @Inject(SyncEventsWriter) private readonly syncEvents: SyncEventsWriter,
    @Inject(SyncBus) private readonly syncBus: SyncBus,
    @Inject(PeerDirectory) private readonly peers: PeerDirectory,
  ) {}

  async stage(manager: EntityManager, items: RemoteDeliveryItem[]): Promise<StagedDelivery[]> {
    if (items.length === 0) return [];
    const staged = items.map((item) => ({ id: newId(), kind: item.kind, recipientServer: item.recipientServer }));
    await this.outbox.stage(
      manager,
      items.map((item, index) => ({
        id: staged[index].id,
        kind: item.kind,
        recipientServer: item.recipientServer,
        messageId: item.kind === 'message' ? item.messageId : null,
        payload: item.kind === 'message' ? null : item.payload,
      })),
    );
    return staged;
  }

  /**
   * Committed rows go out with their destination's job (one per server, however many rows); a destination that got
   * receipts alone is told so (see DeliveryQueue.schedule).
   */
  async dispatch(staged: StagedDelivery[]): Promise<void> {
    const withOtherRows = new Set(staged.filter(({ kind }) => kind !== 'receipts').map((row) => row.recipientServer));
    const receiptsOnly = staged.map((row) => row.recipientServer).filter((server) => !withOtherRows.has(server));
    await Promise.all([this.deliveries.schedule(withOtherRows), this.deliveries.schedule(receiptsOnly, true)]);
  }

  /** Marks the messages fetched and stages their delivery receipts, then schedules them. */
  async messagesFetched(viewer: string, messages: FetchedMessage[]): Promise<void> {
    const senders = new Set(messages.map((message) => serverOf(message.fromUserId)));
    const withoutReceipts = [...senders].filter((server) => !this.takesReceipts(server));
    const staged = await this.outbox.messagesFetched(
      messages.map((message) => message.id),
      withoutReceipts,
      viewer,
      new Date().toISOString(),
    );
    await this.deliveries.schedule(
      staged.map((row) => row.recipientServer),
      true,
    );
  }

  /** The read receipt of one message, in the caller's transaction (none for a server that takes no receipts). */
  stageReadReceipt(
    manager: EntityManager,
    message: { fromUserId: string; toUserId: string; clientMessageId: string; readAt: Date | null },
  ): Promise<StagedDelivery[]> {
    const server = serverOf(message.fromUserId);
    if (!this.takesReceipts(server)) return Promise.resolve([]);
    const receipt: ReceiptItem = {
      type: 'read',
      clientMessageId: message.clientMessageId,
      fromUserId: message.fromUserId,
      toUserId: message.toUserId,
      at: (message.readAt ?? new Date()).toISOString(),
    };
    return this.stage(manager, [{ kind: 'receipts', recipientServer: server, payload: { receipts: [receipt] } }]);
  }

  /** False for a server this process knows to take no receipts (a plain MyLife node); one not known yet may. */
  private takesReceipts(server: string): boolean {
    const known = this.peers.known(server);
    return !known || known.capabilities.includes('receipts');
  }

  /**
   * Rows for operators, newest first, `limit` after the position `before`, and the position of the last row when more
   * follow. Positions keep created_at to the microsecond: the rows one statement stages share it.
   */
  async list(
    filter: { status?: OutboxStatus; server?: string },
    before: OutboxPosition | null,
    limit: number,
  ): Promise<{ items: OutboxEntity[]; next: OutboxPosition | null }> {
    const { entities, raw } = await this.outbox.listPage(filter, before, limit).catch((error) => {
      // A cursor's time that only looks like one (2026-02-30): Postgres refuses it as a data exception.
      if (before && error instanceof QueryFailedError && String(error.driverError?.code).startsWith('22')) {
        throw new BadRequestException('cursor is not a cursor this server issued');
      }
      throw error;
    });
    const items = entities
      .slice(0, limit)
      .map((row, index) => ({ ...row, nextAttemptAt: raw[index].planned_attempt ?? row.nextAttemptAt }));
    const last = items.at(-1);
    const next =
      entities.length > limit && last ? { createdAt: raw[items.length - 1].position_created_at, id: last.id } : null;
    return { items, next };
  }

  /** A failed row starts over with its attempts at 0 and waits afresh: 404 when unknown, 409 unless it failed. */
  async retry(id: string): Promise<OutboxEntity> {
    const row = await this.outbox.transaction(async (manager) => {
      const restarted = await this.outbox.restart(manager, id);
      if (!restarted) {
        throw (await this.outbox.findById(id))
          ? new ConflictException(`outbox row ${id} has not failed; only failed rows can be retried`)
          : new NotFoundException(`no outbox row ${id}`);
      }
      if (restarted.messageId && restarted.fromUserId) {
        await this.syncEvents.append(manager, [
          {
            userId: restarted.fromUserId,
            type: 'message.delivery',
            data: {
              messageId: restarted.messageId,
              deliveryStatus: 'pending',
              deliveryAttempts: restarted.attempts,
              lastDeliveryError: restarted.lastError,
            },
          },
        ]);
      }
      return restarted;
    });
    if (row.fromUserId) await this.syncBus.notify([row.fromUserId]);
    await this.deliveries.schedule([row.recipientServer]);
    return (await this.outbox.findById(id))!;
  }

  /**
   * A message or receipt from `friends` (users of `server`) arrived: messages to them that wait (a peer without
   * federated invites refused them before its operator recorded the friendship) are sent now. Peers with federated
   * invites never make messages wait so: for them this costs nothing.
   */
  async releaseWaitingFor(server: string, friends: string[]): Promise<void> {
    if (friends.length === 0 || this.peers.known(server)?.capabilities.includes('invites')) return;
    if ((await this.outbox.release(server, [...new Set(friends)])) > 0) await this.deliveries.schedule([server]);
  }

  /** Receipts from the recipient's server: `delivered` acks our message rows. Returns the senders to notify. */
  acknowledge(receipts: { clientMessageId: string; fromUserId: string; toUserId: string }[]): Promise<string[]> {
    return this.outbox.acknowledge(receipts);
  }

  /** Every destination with the number of rows waiting for it, by server name. */
  destinations(): Promise<(DestinationEntity & { pending: number })[]> {
    return this.outbox.destinations();
  }

  findById(id: string): Promise<OutboxEntity | null> {
    return this.outbox.findById(id);
  }
}
