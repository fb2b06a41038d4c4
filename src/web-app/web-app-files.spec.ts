import { join, resolve } from 'node:path';
import { DEFAULT_WEB_APP_DIR, packageRoot } from './web-app-files';

describe("where the node finds the web app's build", () => {
  const root = resolve(__dirname, '../..');

  it('is web/dist of the package, from the sources and from the build (dist/src/web-app, as in the image)', () => {
    expect(DEFAULT_WEB_APP_DIR).toBe(join(root, 'web', 'dist'));
    expect(packageRoot(join(root, 'dist', 'src', 'web-app'))).toBe(root);
    expect(packageRoot(join(root, 'src', 'web-app'))).toBe(root);
  });
});
