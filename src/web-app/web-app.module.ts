import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { webAppHandler } from './web-app-handler';

/**
 * The web app (web/, built into web/dist) served by the node at `/` unless MYLIFE_WEB_APP=off. Mounted when modules
 * initialise, as @nestjs/serve-static does: after the controllers' routes, before Nest's 404 and error handlers, so
 * that every route of the node wins over a file and what is not a file still gets the node's JSON errors.
 * Not @nestjs/serve-static itself: it answers every unknown GET with index.html (a missing `/assets/*.js` or `/api/x`
 * would be a page), sends its own 404 shape, and has no place for headers of the app's responses only.
 */
@Module({})
export class WebAppModule implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    if (this.config.webAppDir === null) return;
    this.adapterHost.httpAdapter.use(webAppHandler(this.config.webAppDir));
  }
}
