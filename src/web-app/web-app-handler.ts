import compression from 'compression';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { relative, sep } from 'node:path';
import { isWebAppBuilt } from './web-app-files';

/** Paths the app never owns: the API (and Swagger UI), Bull Board, the health check, federation discovery. */
const NOT_THE_APP = /^\/(api|admin|health|\.well-known)(\/|$)/i;

/** Files under assets/ carry a content hash in their names (vite): they never change, so they are cached for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The app's headers. No inline script or style anywhere (React's `style={{}}` props go through CSSOM, which CSP
 * allows); 'wasm-unsafe-eval' lets sql.js compile its WebAssembly. No HSTS: whether the node is reached over HTTPS
 * is the reverse proxy's business, and helmet's includeSubDomains would reach the operator's other hosts.
 */
const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      connectSrc: ["'self'"],
      workerSrc: ["'self'"],
      manifestSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
  xContentTypeOptions: true,
  strictTransportSecurity: false,
});

/**
 * A home node is often reached without a reverse proxy in front: the app's ~1 MB of JS and WASM goes gzipped (about
 * a third). Only here, never on the API's event stream, which compression would hold back.
 */
const compress = compression();

export const WEB_APP_NOT_BUILT =
  'The MyLife web app is not built on this node: run `npm run build` in the node’s folder, then reload this page.\n';

/**
 * Serves the built web app in `dir` at `/`, for GET and HEAD outside the paths of {@link NOT_THE_APP}: its files with
 * their content types, ETag and Last-Modified (a revalidation is a 304); `assets/*` cached for a year, everything
 * else (index.html, sw.js, the manifest) revalidated on each use. Whatever is not a file of the app goes on to the
 * node's routes, so an unknown path stays the node's JSON 404 (`/assets/missing.js` too: no index.html fallback,
 * the app's routes live in the URL's hash). While `dir` holds no build, `/` answers 503 saying how to build it.
 */
export function webAppHandler(dir: string): RequestHandler {
  const files = express.static(dir, {
    index: ['index.html'],
    redirect: false,
    cacheControl: false,
    setHeaders: (response: Response, path: string) => {
      const immutable = relative(dir, path).startsWith(`assets${sep}`);
      response.setHeader('Cache-Control', immutable ? IMMUTABLE : 'no-cache');
    },
  });
  return (request: Request, response: Response, next: NextFunction) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || NOT_THE_APP.test(request.path)) return next();
    securityHeaders(request, response, (headersError?: unknown) => {
      if (headersError) return next(headersError);
      compress(request, response, () =>
        files(request, response, (error?: unknown) => {
          if (error) return next(error);
          if ((request.path === '/' || request.path === '/index.html') && !isWebAppBuilt(dir)) {
            return void response
              .status(503)
              .type('text/plain')
              .setHeader('Cache-Control', 'no-store')
              .send(WEB_APP_NOT_BUILT);
          }
          next();
        }),
      );
    });
  };
}
