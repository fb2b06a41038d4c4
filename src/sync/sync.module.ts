import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { queueBackendKind } from '../queue/queue-backend';
import { PostgresSyncBus, RedisSyncBus, SyncBus } from './sync-bus';
import { SyncEventsWriter } from './sync-events.writer';
import { SyncStream } from './sync-stream';
import { SyncController } from './sync.controller';
import { SyncRepository } from './sync.repository';
import { SyncService } from './sync.service';

@Module({
  imports: [AuthModule],
  controllers: [SyncController],
  providers: [
    SyncService,
    SyncRepository,
    SyncStream,
    SyncEventsWriter,
    {
      provide: SyncBus,
      inject: [APP_CONFIG],
      // The same backend as the queue: Redis pub/sub with Redis, LISTEN/NOTIFY on the node's database without it.
      useFactory: (config: AppConfig) =>
        queueBackendKind(config) === 'redis' ? new RedisSyncBus(config) : new PostgresSyncBus(config),
    },
  ],
  exports: [SyncService, SyncEventsWriter, SyncBus],
})
export class SyncModule {}
