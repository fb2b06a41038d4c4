import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { queueConnection } from './queue-backend';
import { ALL_QUEUES } from './queues';

const registeredQueues = BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name })));

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
  exports: [registeredQueues],
})
export class QueueModule {}
