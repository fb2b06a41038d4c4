import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Plugin, type ResolvedConfig, transformWithOxc } from 'vite';

const SOURCE = 'service-worker/service-worker.ts';

/**
 * Writes dist/sw.js once the build has written everything else: service-worker/service-worker.ts as JavaScript,
 * given the list of built files to cache and a version that changes whenever one of them does.
 */
export function serviceWorker(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'mylife-service-worker',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    async closeBundle(error?: Error) {
      if (error) return;
      const outDir = path.resolve(config.root, config.build.outDir);
      const files = (await filesUnder(outDir)).filter((file) => !file.endsWith('.map') && file !== 'sw.js').sort();
      if (!files.includes('index.html')) throw new Error(`no index.html in ${outDir}: nothing for the service worker`);
      const hash = createHash('sha256');
      for (const file of files) hash.update(`${file}\0`).update(await readFile(path.join(outDir, file)));
      const sourcePath = path.join(config.root, SOURCE);
      const { code } = await transformWithOxc(await readFile(sourcePath, 'utf8'), sourcePath, { lang: 'ts' });
      const constants =
        `const SHELL_VERSION = ${JSON.stringify(hash.digest('hex').slice(0, 16))};\n` +
        `const SHELL_FILES = ${JSON.stringify(files)};\n`;
      await writeFile(path.join(outDir, 'sw.js'), constants + code);
    },
  };
}

/** Every file below `dir`, as a path relative to it with forward slashes (a URL path). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}
