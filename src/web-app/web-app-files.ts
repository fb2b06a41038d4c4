import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder of the node's package.json, found from this file: `src/web-app/` when the sources run (the tests),
 * `dist/src/web-app/` when built, `/app/dist/src/web-app/` in the Docker image.
 */
export function packageRoot(from: string): string {
  for (let folder = from; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json'))) return folder;
    if (dirname(folder) === folder) return from;
  }
}

export const PACKAGE_ROOT = packageRoot(__dirname);

/** Where `npm run build` (vite build of the `web` workspace) puts the web app, and the node serves it from. */
export const DEFAULT_WEB_APP_DIR = join(PACKAGE_ROOT, 'web', 'dist');

/** Whether `dir` holds a built web app (its index.html): checked per request, so a build while the node runs counts. */
export function isWebAppBuilt(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}
