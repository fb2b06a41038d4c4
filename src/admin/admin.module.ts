import { BullBoardModule } from '@bull-board/nestjs';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ALL_QUEUES } from '../queue/queues';
import { AdminController } from './admin.controller';
import { FederationAdminController } from './federation-admin.controller';
import { bullBoardAuth } from './bull-board-auth.middleware';

export const BULL_BOARD_ROUTE = '/admin/queues';

@Module({
  imports: [
    AccountsModule,
    BullBoardModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        route: BULL_BOARD_ROUTE,
        adapter: ExpressAdapter,
        middleware: bullBoardAuth(config.adminToken),
        boardOptions: { uiConfig: { boardTitle: `MyLife ${config.federationServer}` } },
      }),
    }),
    BullBoardModule.forFeature(...ALL_QUEUES.map((name) => ({ name, adapter: BullMQAdapter }))),
  ],
  controllers: [AdminController, FederationAdminController],
})
export class AdminModule {}
