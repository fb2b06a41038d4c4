import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountsModule } from '../accounts/accounts.module';
import { RemoteDelivery } from '../common/remote-delivery.port';
import { FriendsModule } from '../friends/friends.module';
import { KeysModule } from '../keys/keys.module';
import { RemoteKeyDirectory } from '../keys/remote-key-directory.port';
import { MessagesModule } from '../messages/messages.module';
import { SigningModule } from '../signing/signing.module';
import { SyncModule } from '../sync/sync.module';
import { DeliveryProcessor } from './delivery.processor';
import { DeliveryQueue } from './delivery-queue';
import { DestinationEntity } from './destination.entity';
import { DispatchService } from './dispatch.service';
import { DispatchKeyGuard } from './dispatch-key.guard';
import { FederatedKeyDirectory } from './federated-key-directory';
import { FederationAuth } from './federation-auth';
import { FederationController } from './federation.controller';
import { FederationSignatureGuard } from './federation-signed.guard';
import { FederationHttpClient } from './http/federation-http.client';
import { InboundService } from './inbound.service';
import { OutboxEntity } from './outbox.entity';
import { OutboxReconciler } from './outbox-reconciler';
import { OutboxRepository } from './outbox.repository';
import { OutboxService } from './outbox.service';
import { PeerDirectory } from './peer-directory';
import { RemoteTargetCheck } from './remote-target-check';

/**
 * Server-to-server delivery. Global so that friends, messages, sync and keys reach it through the ports they define
 * (RemoteDelivery, RemoteKeyDirectory), without importing federation.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([OutboxEntity, DestinationEntity]),
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
    FederationAuth,
    FederationSignatureGuard,
    DispatchKeyGuard,
    OutboxRepository,
    DeliveryQueue,
    OutboxService,
    { provide: RemoteDelivery, useExisting: OutboxService },
    DeliveryProcessor,
    DispatchService,
    OutboxReconciler,
    InboundService,
    { provide: RemoteKeyDirectory, useClass: FederatedKeyDirectory },
  ],
  exports: [RemoteDelivery, RemoteKeyDirectory, OutboxService, SigningModule],
})
export class FederationModule {}
