import { UserEntity } from '../accounts/user.entity';
import { AccessTokenEntity } from '../auth/access-token.entity';
import { RateLimitCounterEntity } from '../common/rate-limit-counter.entity';
import { DestinationEntity } from '../federation/destination.entity';
import { InboxReceiptEntity } from '../federation/inbox-receipt.entity';
import { InboxTransactionEntity } from '../federation/inbox-transaction.entity';
import { OutboxEntity } from '../federation/outbox.entity';
import { FriendInviteEntity } from '../friends/friend-invite.entity';
import { FriendshipEntity } from '../friends/friendship.entity';
import { DeviceKeyEntity, KeyPackageEntity } from '../keys/device-key.entity';
import { KeyDirectoryCacheEntity } from '../keys/key-directory-cache.entity';
import { ConversationSummaryEntity } from '../messages/conversation-summary.entity';
import { MessageEntity } from '../messages/message.entity';
import { ServerKeyEntity } from '../signing/server-key.entity';
import { SyncEventEntity, SyncHeadEntity } from '../sync/sync-event.entity';

/** Every TypeORM entity of the node; the data source for migrations and the app module both read this list. */
export const ENTITIES = [
  UserEntity,
  AccessTokenEntity,
  FriendInviteEntity,
  FriendshipEntity,
  MessageEntity,
  ConversationSummaryEntity,
  SyncEventEntity,
  SyncHeadEntity,
  ServerKeyEntity,
  OutboxEntity,
  DestinationEntity,
  InboxReceiptEntity,
  InboxTransactionEntity,
  RateLimitCounterEntity,
  DeviceKeyEntity,
  KeyPackageEntity,
  KeyDirectoryCacheEntity,
];
