import { INestApplication, LogLevel, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppModule } from './app.module';
import { configureHttpPipeline } from './common/http-pipeline';
import { ensurePortFree, isAddressInUse, PortInUseError } from './common/port';
import { validationPipe } from './common/http-pipeline';
import { AppConfig } from './config/app-config';
import { ensureServicesReachable } from './config/service-reachability';
import { EmbeddedPostgres } from './database/embedded-postgres';
import { runMigrations } from './database/run-migrations';
import { ReturnNotice } from './federation/return-notice';
import { buildOpenApiDocument, OPENAPI_ROUTE } from './openapi';
import { QueueBackendKind, selectQueueBackend } from './queue/queue-backend';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** How long a stopping node lets requests in flight and event streams run before it cuts every connection. */
const SHUTDOWN_GRACE_MS = 5000;

export interface RunningNode {
  app: INestApplication;
  config: AppConfig;
  url: string;
  queueBackend: QueueBackendKind;
  embeddedPostgres: boolean;
  /** Closes Nest (HTTP, workers, pools) first, then the embedded Postgres if this node started one. */
  stop(): Promise<void>;
}

/** Builds the Nest application for a config whose database is reachable and migrated; does not listen. */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
  });
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  configureHttpPipeline(app);
  app.useGlobalPipes(validationPipe);
  app.enableShutdownHooks();
  SwaggerModule.setup(OPENAPI_ROUTE, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: `${OPENAPI_ROUTE}.json`,
  });
  return app;
}

/**
 * Starts a whole node: the embedded Postgres when no DATABASE_URL is set, the queue backend, migrations, then HTTP.
 */
export async function startNode(given: AppConfig): Promise<RunningNode> {
  const config = { ...given };
  await ensurePortFree(config.host, config.port, 'PORT');
  await ensureServicesReachable(config.databaseUrl, config.redisUrl);
  const embedded = config.databaseUrl ? null : new EmbeddedPostgres(config.dataDir, config.embeddedPostgresPort);
  if (embedded) config.databaseUrl = await embedded.start();
  try {
    const queueBackend = selectQueueBackend(config);
    const applied = await runMigrations(config);
    const app = await createApp(config);
    if (applied.length > 0) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
    await app.listen(config.port, config.host).catch((error: unknown) => {
      throw isAddressInUse(error) ? new PortInUseError(config.port, 'PORT') : error;
    });
    app.get(ReturnNotice).announce();
    const { port } = app.getHttpServer().address() as AddressInfo;
    const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
    return {
      app,
      config,
      url,
      queueBackend,
      embeddedPostgres: embedded !== null,
      stop: async () => {
        await closeHangingUp(app);
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/**
 * Closes Nest, hanging up the HTTP connections that would keep it open: the server's close waits for every
 * connection to end, and a client that polls over keep-alive is never idle at the one moment close() looks, nor for
 * the keep-alive timeout, while an event stream never ends at all. A shutdown used to wait for them for good (only
 * SIGKILL ended it). Idle connections are closed as they appear; whatever is left after the grace is cut.
 */
async function closeHangingUp(app: INestApplication): Promise<void> {
  const server = app.getHttpServer() as Server;
  const idle = setInterval(() => server.closeIdleConnections(), 100);
  const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
  try {
    await app.close();
  } finally {
    clearInterval(idle);
    clearTimeout(cut);
  }
}
