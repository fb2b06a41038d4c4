import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { loadConfig } from './config/app-config';

export const OPENAPI_ROUTE = 'api/docs';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('MyLife Node')
    .setDescription(
      'A self-hosted, federated direct-messaging server. Paths and field names follow the MyLife self-host contract v0.5.0.',
    )
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * The document of `openapi.json`, built from the modules' metadata alone (Nest's preview mode instantiates nothing,
 * so no database or queue is needed).
 */
export async function buildOpenApiDocumentOffline(): Promise<OpenAPIObject> {
  const config = { ...loadConfig({}), databaseUrl: 'postgres://unused@127.0.0.1/unused' };
  const app = await NestFactory.create(AppModule.forRoot(config), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
