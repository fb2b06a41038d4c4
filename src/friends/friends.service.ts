import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { EntityManager } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { serverOf } from '../common/address';
import { decodeCursor } from '../common/cursor';
import { newId } from '../common/ids';
import { cursorPage, rowsForPage } from '../common/pagination';
import { SyncBus } from '../sync/sync-bus';
import { NewSyncEvent, SyncEventsWriter } from '../sync/sync-events.writer';
import { FriendDelivery, FriendNotice } from './friend-delivery.port';
import { FriendInviteEntity, InviteStatus } from './friend-invite.entity';
import { FriendshipEntity } from './friendship.entity';
import { FriendsRepository } from './friends.repository';
import { toInviteResponse } from './friends.responses';

export type InviteDirection = 'incoming' | 'outgoing' | 'both';
type Stage = (notices: FriendNotice[]) => Promise<void>;

const FRIENDSHIP_MEMORY_MS = 2000;

/** What travels to the other server for an invite or an answer: the API's fields less `updatedAt`, the same id. */
function toInvitePayload(invite: FriendInviteEntity): Record<string, unknown> {
  const { updatedAt, ...payload } = toInviteResponse(invite);
  return payload;
}

/** The refusal of anything that needs an accepted friendship, told to the one who asked about `named`. */
export function notFriends(named: string): ForbiddenException {
  return new ForbiddenException(`you and ${named} are not friends: an accepted friend invite is needed first`);
}

type InviteAnswer = 'accept' | 'decline' | 'revoke';

const ANSWERS: Record<InviteAnswer, { status: InviteStatus; actorField: 'toUserId' | 'fromUserId' }> = {
  accept: { status: 'accepted', actorField: 'toUserId' },
  decline: { status: 'declined', actorField: 'toUserId' },
  revoke: { status: 'revoked', actorField: 'fromUserId' },
};

export interface InviteResult {
  invite: FriendInviteEntity;
  /** False when an existing invite answered the request (a repeat, or the other side's invite accepted). */
  created: boolean;
}

@Injectable()
export class FriendsService {
  private readonly recentFriends = new LRUCache<string, true>({ max: 10_000, ttl: FRIENDSHIP_MEMORY_MS });

  constructor(
    @Inject(FriendsRepository) private readonly repository: FriendsRepository,
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(SyncEventsWriter) private readonly syncEvents: SyncEventsWriter,
    @Inject(SyncBus) private readonly syncBus: SyncBus,
    @Inject(FriendDelivery) private readonly delivery: FriendDelivery,
  ) {}

  /**
   * Invites `to`. A pending invite from the actor to the same person is returned as it is; a pending invite from
   * that person to the actor is accepted instead, which makes them friends.
   */
  async invite(actor: string, toInput: string, message: string | null, requestedId?: string): Promise<InviteResult> {
    const named = await this.accounts.resolveAddress(toInput, 'toUserId');
    const to = this.accounts.isLocal(named) ? named : await this.delivery.assertDeliverable(named);
    if (to === actor) throw new BadRequestException('you cannot invite yourself');
    return this.inPairTransaction(actor, to, async (manager, stage) => {
      if (await this.repository.friendship(manager, actor, to))
        throw new ConflictException(`you and ${to} are already friends`);
      if (requestedId) {
        const earlier = await this.repository.invite(requestedId, manager);
        if (earlier && earlier.fromUserId === actor && earlier.toUserId === to)
          return { invite: earlier, created: false };
        if (earlier) throw new ConflictException(`invite id ${requestedId} is already used`);
      }
      const mine = await this.repository.pendingInvite(manager, actor, to);
      if (mine) return { invite: mine, created: false };
      const theirs = await this.repository.pendingInvite(manager, to, actor);
      if (theirs) return { invite: await this.answerInTransaction(manager, stage, theirs, 'accept'), created: false };
      const saved = await this.repository.insertPendingInvite(manager, {
        id: requestedId ?? newId(),
        fromUserId: actor,
        toUserId: to,
        message,
      });
      await this.syncEvents.append(manager, this.inviteEvents(saved));
      await stage(this.toRemote(to, 'invite', toInvitePayload(saved)));
      return { invite: saved, created: true };
    });
  }

  /** Accepts, declines (the invitee) or revokes (the inviter) a pending invite; 404 for any other invite. */
  async answer(actor: string, inviteId: string, answer: InviteAnswer): Promise<FriendInviteEntity> {
    const invite = await this.repository.invite(inviteId);
    if (!invite || invite[ANSWERS[answer].actorField] !== actor) throw this.noPendingInvite(inviteId, answer);
    // A repeated answer (a client retrying after a lost response) gets the invite as it is.
    if (invite.status === ANSWERS[answer].status) return invite;
    return this.inPairTransaction(invite.fromUserId, invite.toUserId, async (manager, stage) => {
      const current = await this.repository.invite(inviteId, manager);
      if (current?.status === ANSWERS[answer].status) return current;
      if (current?.status !== 'pending') throw this.noPendingInvite(inviteId, answer);
      return this.answerInTransaction(manager, stage, current, answer);
    });
  }

  async listInvites(actor: string, direction: InviteDirection, statuses: InviteStatus[] | undefined, limit: number) {
    const list = (field: 'fromUserId' | 'toUserId') => this.repository.invitesOf(field, actor, statuses, limit);
    const [incoming, outgoing] = await Promise.all([
      direction === 'outgoing' ? [] : list('toUserId'),
      direction === 'incoming' ? [] : list('fromUserId'),
    ]);
    return { incoming, outgoing };
  }

  /** The actor's friends ordered by address, a page of `limit` after the position of `cursor`. */
  async listFriends(
    actor: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ items: FriendshipEntity[]; nextCursor: string | null }> {
    const after = cursor ? decodeCursor(cursor, ['string'])[0] : undefined;
    const rows = await this.repository.friendships(actor, after, rowsForPage(limit));
    return cursorPage(rows, limit, (last) => [last.friendUserId]);
  }

  /**
   * Every friend, of any server, of each of `users` (users of this node), in one query. Inside a transaction pass its
   * `manager` (see AccountsService.displayNames).
   */
  async friendsOf(users: string[], manager?: EntityManager): Promise<Map<string, string[]>> {
    const friends = new Map(users.map((user): [string, string[]] => [user, []]));
    if (users.length === 0) return friends;
    for (const row of await this.repository.friendsOf([...friends.keys()], manager))
      friends.get(row.user_id)!.push(row.friend_user_id);
    return friends;
  }

  /** The users of this node who are friends of `address` (of any server). */
  localFriendsOf(address: string, manager?: EntityManager): Promise<string[]> {
    return this.repository.usersBefriending(address, manager);
  }

  /** Ends a friendship in both directions; messages are refused both ways afterwards. */
  async unfriend(actor: string, friendInput: string): Promise<void> {
    const friend = await this.accounts.resolveAddress(friendInput, 'friendUserId');
    await this.inPairTransaction(actor, friend, async (manager, stage) => {
      const removed = await this.repository.removeFriendships(manager, [
        { userId: actor, friendUserId: friend },
        { userId: friend, friendUserId: actor },
      ]);
      if (!removed) throw new NotFoundException(`you and ${friend} are not friends`);
      this.forgetFriendship(actor, friend);
      await this.syncEvents.append(manager, this.friendshipEvents(actor, friend, 'removed', null));
      await stage(this.toRemote(friend, 'unfriend', { userId: actor, friendUserId: friend }));
    });
  }

  /**
   * An invite from another server's user to one of ours, with the id it has there. Repeats are harmless. When the
   * two are already friends, or ours invited theirs too (crossing invites), it is accepted at once and the answer
   * travels back; their node does the same with ours, so both end as friends.
   */
  async receiveRemoteInvite(invite: { id: string; fromUserId: string; toUserId: string; message: string | null }) {
    return this.inPairTransaction(invite.fromUserId, invite.toUserId, async (manager, stage) => {
      const existing = await this.repository.invite(invite.id, manager);
      if (existing) {
        if (existing.fromUserId !== invite.fromUserId || existing.toUserId !== invite.toUserId) {
          throw new ConflictException(`invite id ${invite.id} is already used`);
        }
        return existing;
      }
      const pendingFromSender = await this.repository.pendingInvite(manager, invite.fromUserId, invite.toUserId);
      if (pendingFromSender) await this.repository.setInviteStatus(manager, pendingFromSender.id, 'revoked');
      let saved = await this.repository.insertPendingInvite(manager, invite);
      await this.syncEvents.append(manager, this.inviteEvents(saved));
      const crossing = await this.repository.pendingInvite(manager, invite.toUserId, invite.fromUserId);
      if (crossing || (await this.repository.friendship(manager, invite.toUserId, invite.fromUserId))) {
        saved = await this.answerInTransaction(manager, stage, saved, 'accept');
      }
      return saved;
    });
  }

  /**
   * The other server's answer to an invite both nodes know by id: accept or decline from the invitee, revoke from the
   * inviter (`answeredBy` is the server that sent it). Answers to an invite no longer pending change nothing.
   */
  async applyRemoteAnswer(
    answer: { id: string; fromUserId: string; toUserId: string; status: InviteStatus },
    answeredBy: string,
  ) {
    const invite = await this.repository.invite(answer.id);
    const answerer = answer.status === 'revoked' ? invite?.fromUserId : invite?.toUserId;
    if (
      !invite ||
      invite.fromUserId !== answer.fromUserId ||
      invite.toUserId !== answer.toUserId ||
      serverOf(answerer!) !== answeredBy
    ) {
      throw new NotFoundException(
        `no invite ${answer.id} between ${answer.fromUserId} and ${answer.toUserId} that ${answeredBy} may answer`,
      );
    }
    const action: InviteAnswer =
      answer.status === 'accepted' ? 'accept' : answer.status === 'declined' ? 'decline' : 'revoke';
    return this.inPairTransaction(invite.fromUserId, invite.toUserId, async (manager, stage) => {
      const current = (await this.repository.invite(answer.id, manager))!;
      if (current.status !== 'pending') return current;
      return this.answerInTransaction(manager, stage, current, action, { fromRemote: true });
    });
  }

  /** The other server's user ended a friendship with one of ours. */
  async applyRemoteUnfriend(remoteUser: string, localUser: string): Promise<void> {
    await this.inPairTransaction(remoteUser, localUser, async (manager) => {
      const removed = await this.repository.removeFriendships(manager, [
        { userId: localUser, friendUserId: remoteUser },
      ]);
      this.forgetFriendship(localUser, remoteUser);
      if (removed > 0)
        await this.syncEvents.append(manager, this.friendshipEvents(remoteUser, localUser, 'removed', null));
    });
  }

  /**
   * For the AcceptedFriendshipGuard, asked on every send, thread and read. A yes is remembered briefly: sends check the
   * friendship again in their own statement, and an unfriend forgets the pair at once in this process (another
   * process may still show the thread for up to FRIENDSHIP_MEMORY_MS).
   */
  async areFriends(user: string, other: string): Promise<boolean> {
    if (this.recentFriends.has(`${user} ${other}`)) return true;
    const friends = await this.repository.isFriend(user, other);
    if (friends) this.recentFriends.set(`${user} ${other}`, true);
    return friends;
  }

  /** 403 ({@link notFriends}) unless `user`, of this node, and `other` are accepted friends. */
  async assertFriends(user: string, other: string, named = other): Promise<void> {
    if (!(await this.areFriends(user, other))) throw notFriends(named);
  }

  private forgetFriendship(a: string, b: string): void {
    this.recentFriends.delete(`${a} ${b}`);
    this.recentFriends.delete(`${b} ${a}`);
  }

  private async answerInTransaction(
    manager: EntityManager,
    stage: Stage,
    invite: FriendInviteEntity,
    answer: InviteAnswer,
    { fromRemote = false } = {},
  ) {
    await this.repository.setInviteStatus(manager, invite.id, ANSWERS[answer].status);
    const answered = (await this.repository.invite(invite.id, manager))!;
    const events = this.inviteEvents(answered);
    if (answer === 'accept') {
      const { fromUserId: a, toUserId: b } = answered;
      await this.repository.addFriendships(
        manager,
        [a, b]
          .filter((user) => this.accounts.isLocal(user))
          .map((user) => ({ userId: user, friendUserId: user === a ? b : a, sourceInviteId: answered.id })),
      );
      const names = await this.accounts.displayNames([a, b], manager);
      events.push(...this.friendshipEvents(a, b, 'accepted', answered.id, names));
    }
    await this.syncEvents.append(manager, events);
    if (!fromRemote) {
      const otherParty = answer === 'revoke' ? answered.toUserId : answered.fromUserId;
      await stage(this.toRemote(otherParty, 'invite-answer', toInvitePayload(answered)));
    }
    return answered;
  }

  // Every change to a pair runs in the pair's transaction (FriendsRepository.pairTransaction).
  // What a pair's transaction staged for another server is dispatched, and its local users notified, after commit.
  private async inPairTransaction<T>(
    a: string,
    b: string,
    work: (manager: EntityManager, stage: Stage) => Promise<T>,
  ): Promise<T> {
    const dispatches: (() => Promise<void>)[] = [];
    const result = await this.repository.pairTransaction(a, b, async (manager) => {
      const stage: Stage = async (notices) => {
        if (notices.length > 0) dispatches.push(await this.delivery.stage(manager, notices));
      };
      return work(manager, stage);
    });
    await this.syncBus.notify([a, b].filter((user) => this.accounts.isLocal(user)));
    for (const dispatch of dispatches) await dispatch();
    return result;
  }

  /** A notice to `user`'s server when that user lives elsewhere; nothing otherwise. */
  private toRemote(user: string, kind: FriendNotice['kind'], payload: Record<string, unknown>): FriendNotice[] {
    return this.accounts.isLocal(user) ? [] : [{ kind, recipient: user, payload }];
  }

  private inviteEvents(invite: FriendInviteEntity): NewSyncEvent[] {
    const data = { ...toInviteResponse(invite) };
    return [invite.fromUserId, invite.toUserId]
      .filter((user) => this.accounts.isLocal(user))
      .map((userId) => ({ userId, type: 'invite', data }));
  }

  /**
   * An accepted friendship carries the friend's display name (null for another server's user, whose name this node
   * does not know), so that a client shows it without asking `GET /api/friends`; a removed one has none.
   */
  private friendshipEvents(
    a: string,
    b: string,
    status: 'accepted' | 'removed',
    sourceInviteId: string | null,
    displayNames?: Map<string, string>,
  ): NewSyncEvent[] {
    return [a, b]
      .filter((user) => this.accounts.isLocal(user))
      .map((userId) => {
        const friendUserId = userId === a ? b : a;
        const named = displayNames ? { displayName: displayNames.get(friendUserId) ?? null } : {};
        return { userId, type: 'friendship', data: { userId, friendUserId, status, sourceInviteId, ...named } };
      });
  }

  private noPendingInvite(inviteId: string, answer: InviteAnswer): NotFoundException {
    const who = answer === 'revoke' ? 'sent by you' : 'addressed to you';
    return new NotFoundException(`no pending invite ${inviteId} ${who}`);
  }
}
