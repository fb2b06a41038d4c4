import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountsModule } from '../accounts/accounts.module';
import { RemoteAddressSpelling } from '../accounts/remote-address-spelling.port';
import { FriendDelivery } from '../friends/friend-delivery.port';
import { FriendsModule } from '../friends/friends.module';
import { KeyChangeDelivery } from '../keys/key-change-delivery.port';
import { KeysModule } from '../keys/keys.module';
import { RemoteKeyDirectory } from '../keys/remote-key-directory.port';
import { MessageDelivery } from '../messages/message-delivery.port';
import { MessagesModule } from '../messages/messages.module';
import { SigningModule } from '../signing/signing.module';
import { SyncModule } from '../sync/sync.module';
import { DeliveryProcessor } from './delivery.processor';
import { DeliveryQueue } from './delivery-queue';
import { DestinationEntity } from './destination.entity';
import { DispatchService } from './dispatch.service';
import { DispatchKeyGuard } from './dispatch-key.guard';
import { FederatedFriendDelivery } from './federated-friend-delivery';
import { FederatedKeyChangeDelivery } from './federated-key-change-delivery';
import { FederatedKeyDirectory } from './federated-key-directory';
import { FederatedMessageDelivery } from './federated-message-delivery';
import { FederationAuth } from './federation-auth';
import { PeerClocks } from './peer-clock';
import { FederationController } from './federation.controller';
import { FederationSignatureGuard } from './federation-signed.guard';
import { FederationHttpClient } from './http/federation-http.client';
import { InboundService } from './inbound.service';
import { InboxTransactionEntity } from './inbox-transaction.entity';
import { OutboxEntity } from './outbox.entity';
import { OutboxReconciler } from './outbox-reconciler';
import { ReturnNotice } from './return-notice';
import { OutboxRepository } from './outbox.repository';
import { OutboxService } from './outbox.service';
import { PeerDirectory } from './peer-directory';
import { RemoteTargetCheck } from './remote-target-check';

/**
 * Server-to-server delivery. Global so that accounts, friends, messages, sync and keys reach it through the ports they
 * define (RemoteAddressSpelling, FriendDelivery, MessageDelivery, KeyChangeDelivery, RemoteKeyDirectory), without
 * importing federation.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([OutboxEntity, DestinationEntity, InboxTransactionEntity]),
    SigningModule,
    SyncModule,
    AccountsModule,
    FriendsModule,
    MessagesModule,
    KeysModule,
  ],
  controllers: [FederationController],
  providers: [
    FederationHttpClient,
    PeerDirectory,
    RemoteTargetCheck,
    PeerClocks,
    FederationAuth,
    FederationSignatureGuard,
    DispatchKeyGuard,
    OutboxRepository,
    DeliveryQueue,
    OutboxService,
    { provide: MessageDelivery, useClass: FederatedMessageDelivery },
    { provide: FriendDelivery, useClass: FederatedFriendDelivery },
    { provide: KeyChangeDelivery, useClass: FederatedKeyChangeDelivery },
    { provide: RemoteAddressSpelling, useExisting: RemoteTargetCheck },
    DeliveryProcessor,
    DispatchService,
    OutboxReconciler,
    ReturnNotice,
    InboundService,
    { provide: RemoteKeyDirectory, useClass: FederatedKeyDirectory },
  ],
  exports: [
    MessageDelivery,
    FriendDelivery,
    KeyChangeDelivery,
    RemoteAddressSpelling,
    RemoteKeyDirectory,
    OutboxService,
    SigningModule,
  ],
})
export class FederationModule {}
