import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Global, Inject, Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { queueConnection } from './queue-backend';
import { ALL_QUEUES } from './queues';

const registeredQueues = BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name })));

/**
 * A queue whose connection fails (Redis restarting) emits `error`; without a listener BullMQ prints each one as a raw
 * dump with its stack, several a second. One warning line each instead (workers log theirs in their processors).
 */
@Injectable()
class QueueErrorLog implements OnModuleInit {
  private readonly logger = new Logger('Queue');

  constructor(@Inject(ModuleRef) private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    for (const name of ALL_QUEUES) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      queue.on('error', (error: Error) => this.logger.warn(`${name}: ${error.message}`));
    }
  }
}

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        connection: queueConnection(config) as never,
        prefix: config.queuePrefix,
      }),
    }),
    registeredQueues,
  ],
  providers: [QueueErrorLog],
  exports: [registeredQueues],
})
export class QueueModule {}
