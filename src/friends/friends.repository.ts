import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { pairKey } from '../common/address';
import { FriendInviteEntity, InviteStatus } from './friend-invite.entity';
import { FriendshipEntity } from './friendship.entity';

/**
 * The SQL of the friends feature: invites and friendships. Methods that take a `manager` run in the caller's
 * transaction (see {@link FriendsRepository.pairTransaction}); without one, on their own.
 */
@Injectable()
export class FriendsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * A transaction that first takes the pair's lock: every change to a pair (invite, accept, unfriend) does, so that
   * crossing invites or an unfriend racing an accept resolve one after the other.
   */
  pairTransaction<T>(a: string, b: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [pairKey(a, b)]);
      return work(manager);
    });
  }

  invite(id: string, manager: EntityManager = this.dataSource.manager): Promise<FriendInviteEntity | null> {
    return manager.getRepository(FriendInviteEntity).findOneBy({ id });
  }

  pendingInvite(manager: EntityManager, fromUserId: string, toUserId: string): Promise<FriendInviteEntity | null> {
    return manager.getRepository(FriendInviteEntity).findOneBy({ fromUserId, toUserId, status: 'pending' });
  }

  /** Stores a pending invite and answers it as stored. */
  async insertPendingInvite(
    manager: EntityManager,
    invite: Pick<FriendInviteEntity, 'id' | 'fromUserId' | 'toUserId' | 'message'>,
  ): Promise<FriendInviteEntity> {
    const invites = manager.getRepository(FriendInviteEntity);
    await invites.insert(invites.create({ ...invite, status: 'pending' }));
    return invites.findOneByOrFail({ id: invite.id });
  }

  async setInviteStatus(manager: EntityManager, id: string, status: InviteStatus): Promise<void> {
    await manager.getRepository(FriendInviteEntity).update({ id }, { status, respondedAt: () => 'now()' });
  }

  /** The invites `field` names `actor` in, newest first. */
  invitesOf(
    field: 'fromUserId' | 'toUserId',
    actor: string,
    statuses: InviteStatus[] | undefined,
    limit: number,
  ): Promise<FriendInviteEntity[]> {
    return this.dataSource.getRepository(FriendInviteEntity).find({
      where: { [field]: actor, ...(statuses ? { status: In(statuses) } : {}) },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }

  /** `rows` of `actor`'s friendships, ordered by the friend's address, after the address `after`. */
  friendships(actor: string, after: string | undefined, rows: number): Promise<FriendshipEntity[]> {
    const query = this.dataSource
      .getRepository(FriendshipEntity)
      .createQueryBuilder('friendship')
      .where('friendship.userId = :actor', { actor })
      .orderBy('friendship.friendUserId', 'ASC')
      .limit(rows);
    if (after) query.andWhere('friendship.friendUserId > :after', { after });
    return query.getMany();
  }

  friendship(manager: EntityManager, user: string, other: string): Promise<FriendshipEntity | null> {
    return manager.getRepository(FriendshipEntity).findOneBy({ userId: user, friendUserId: other });
  }

  async isFriend(user: string, other: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      'SELECT 1 FROM friendships WHERE user_id = $1 AND friend_user_id = $2',
      [user, other],
    );
    return rows.length > 0;
  }

  /** Every (user, friend) pair of `users`, in one query. */
  friendsOf(
    users: string[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ user_id: string; friend_user_id: string }[]> {
    return manager.query('SELECT user_id, friend_user_id FROM friendships WHERE user_id = ANY ($1::varchar[])', [
      users,
    ]);
  }

  /** The users whose friend `address` is. */
  async usersBefriending(address: string, manager: EntityManager = this.dataSource.manager): Promise<string[]> {
    const rows: { user_id: string }[] = await manager.query(
      'SELECT user_id FROM friendships WHERE friend_user_id = $1',
      [address],
    );
    return rows.map((row) => row.user_id);
  }

  /** Records friendships (each side a row of its own user's); one that exists already is left as it is. */
  async addFriendships(
    manager: EntityManager,
    friendships: Pick<FriendshipEntity, 'userId' | 'friendUserId' | 'sourceInviteId'>[],
  ): Promise<void> {
    await manager.createQueryBuilder().insert().into(FriendshipEntity).values(friendships).orIgnore().execute();
  }

  /** Removes these (user, friend) rows; answers how many there were. */
  async removeFriendships(
    manager: EntityManager,
    friendships: Pick<FriendshipEntity, 'userId' | 'friendUserId'>[],
  ): Promise<number> {
    const removed = await manager.delete(FriendshipEntity, friendships);
    return removed.affected ?? 0;
  }
}
