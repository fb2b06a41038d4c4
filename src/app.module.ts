import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AccountsModule } from './accounts/accounts.module';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { FederationModule } from './federation/federation.module';
import { FriendsModule } from './friends/friends.module';
import { HealthModule } from './health/health.module';
import { KeysModule } from './keys/keys.module';
import { MessagesModule } from './messages/messages.module';
import { QueueModule } from './queue/queue.module';
import { SyncModule } from './sync/sync.module';
import { WebAppModule } from './web-app/web-app.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CommonModule,
        DatabaseModule,
        QueueModule,
        AccountsModule,
        AuthModule,
        AdminModule,
        HealthModule,
        FriendsModule,
        MessagesModule,
        SyncModule,
        KeysModule,
        FederationModule,
        WebAppModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
    };
  }
}
