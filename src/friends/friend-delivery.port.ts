import { EntityManager } from 'typeorm';

/** What a change of a friendship tells the other party's server: the invite, its answer, or the end of it. */
export interface FriendNotice {
  kind: 'invite' | 'invite-answer' | 'unfriend';
  /** The user of another server who must hear of it. */
  recipient: string;
  payload: Record<string, unknown>;
}

/**
 * How friends reaches other servers, without depending on federation: federation provides it (FederationModule).
 * Notices are durable in the caller's transaction; what `stage` answers only speeds their sending up once it has
 * committed (the outbox reconciler would find them anyway).
 */
export abstract class FriendDelivery {
  /**
   * Refuses an invite that could never reach `recipient` (a user of another server), before anything is stored (400,
   * naming why). Returns the address as its server spells it.
   */
  abstract assertDeliverable(recipient: string): Promise<string>;
  /** Stages `notices` in `manager`'s transaction; answers what to do once that transaction has committed. */
  abstract stage(manager: EntityManager, notices: FriendNotice[]): Promise<() => Promise<void>>;
}
