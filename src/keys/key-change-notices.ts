import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { serverOf } from '../common/address';
import { FriendsService } from '../friends/friends.service';
import { SyncBus } from '../sync/sync-bus';
import { NewSyncEvent, SyncEventsWriter } from '../sync/sync-events.writer';
import { KeyChangeDelivery } from './key-change-delivery.port';
import { KeyChange } from './key-material';

/** What to do once the transaction that wrote the notices has committed. */
export type AfterCommit = () => Promise<void>;

/**
 * Tells who must hear of a change of a user's device or identity set: a `keys` sync event to the owner and to each
 * local friend, and a durable `key-change` delivery to the server of each friend elsewhere. Written in the changing
 * transaction, so that no change commits untold.
 */
@Injectable()
export class KeyChangeNotices {
  constructor(
    @Inject(FriendsService) private readonly friends: FriendsService,
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(SyncEventsWriter) private readonly syncEvents: SyncEventsWriter,
    @Inject(SyncBus) private readonly syncBus: SyncBus,
    @Inject(KeyChangeDelivery) private readonly delivery: KeyChangeDelivery,
  ) {}

  /** Changes of the key sets of users of this node. */
  async announce(manager: EntityManager, changes: KeyChange[]): Promise<AfterCommit> {
    const events: NewSyncEvent[] = [];
    const deliveries: { server: string; change: KeyChange }[] = [];
    const unique = distinct(changes);
    const friendsOf = await this.friends.friendsOf(
      unique.map((change) => change.address),
      manager,
    );
    for (const change of unique) {
      const friends = friendsOf.get(change.address)!;
      const local = friends.filter((friend) => this.accounts.isLocal(friend));
      const servers = new Set(friends.filter((friend) => !this.accounts.isLocal(friend)).map(serverOf));
      events.push(...keysEvents([change.address, ...local], change));
      for (const server of servers) deliveries.push({ server, change });
    }
    await this.syncEvents.append(manager, events);
    const dispatch = await this.delivery.stage(manager, deliveries);
    return async () => {
      await this.syncBus.notify(events.map((event) => event.userId));
      await dispatch();
    };
  }

  /** A change of the key set of another server's user, which that server told us of: its friends here hear of it. */
  async relay(manager: EntityManager, change: KeyChange): Promise<AfterCommit> {
    const events = keysEvents(await this.friends.localFriendsOf(change.address, manager), change);
    await this.syncEvents.append(manager, events);
    return () => this.syncBus.notify(events.map((event) => event.userId));
  }
}

function keysEvents(users: string[], change: KeyChange): NewSyncEvent[] {
  return users.map((userId) => ({ userId, type: 'keys', data: { address: change.address, reason: change.reason } }));
}

function distinct(changes: KeyChange[]): KeyChange[] {
  return [...new Map(changes.map((change) => [`${change.address} ${change.reason}`, change])).values()];
}
