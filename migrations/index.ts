import { Foundation1764216000000 } from './1764216000000-Foundation';
import { FriendsMessagesSync1764220000000 } from './1764220000000-FriendsMessagesSync';
import { Federation1764230000000 } from './1764230000000-Federation';
import { SyncHeads1764240000000 } from './1764240000000-SyncHeads';
import { PendingOutboxIndex1764250000000 } from './1764250000000-PendingOutboxIndex';
import { PeerLimits1764263000000 } from './1764263000000-PeerLimits';
import { DestinationPacing1764264000000 } from './1764264000000-DestinationPacing';
import { RateLimitCounters1764265000000 } from './1764265000000-RateLimitCounters';
import { OutboxWaits1764266000000 } from './1764266000000-OutboxWaits';
import { KeyDirectory1764267000000 } from './1764267000000-KeyDirectory';
import { FriendshipsByFriend1764267500000 } from './1764267500000-FriendshipsByFriend';
import { DestinationJobs1764268000000 } from './1764268000000-DestinationJobs';

/** Every migration, oldest first. Listed by hand so that the same list works from TypeScript (tests) and from dist/. */
export const MIGRATIONS = [
  Foundation1764216000000,
  FriendsMessagesSync1764220000000,
  Federation1764230000000,
  SyncHeads1764240000000,
  PendingOutboxIndex1764250000000,
  PeerLimits1764263000000,
  DestinationPacing1764264000000,
  RateLimitCounters1764265000000,
  OutboxWaits1764266000000,
  KeyDirectory1764267000000,
  FriendshipsByFriend1764267500000,
  DestinationJobs1764268000000,
];
