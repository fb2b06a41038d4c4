import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { type BuildTarget, ensureFreshBuild, LaunchError, TARGETS } from '../bin/fresh-build.cjs';

/** What `npm start`, `npm run cli` and `npm run mylife` do before they run the built code (bin/fresh-build.cjs). */
describe('the launchers build only when the sources are newer than the build', () => {
  const folders: string[] = [];
  afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

  /** A tiny package; inside the repository's node_modules when it must find TypeScript as the real ones do. */
  function fakePackage(where: string, dependencies: Record<string, string> = {}): BuildTarget {
    mkdirSync(where, { recursive: true });
    const dir = mkdtempSync(join(where, 'fresh-build-'));
    folders.push(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fake', dependencies }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { outDir: 'dist', rootDir: 'src', types: [] }, include: ['src'] }),
    );
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/index.ts'), 'export const answer: number = 42;\n');
    return { dir, tsconfig: 'tsconfig.json', sources: ['src', 'tsconfig.json'], output: 'dist/index.js' };
  }

  /**
   * A fake package built through its npm script `build`, which writes `dist/index.html` holding `contents` (a JavaScript
   * expression). Its tool is TypeScript: installed here, as vite is for the web app.
   */
  function npmScriptPackage(contents: string): BuildTarget {
    const { dir } = fakePackage(resolve(__dirname, '../node_modules/.fresh-build-test'));
    const build = `require('fs').mkdirSync('dist',{recursive:true});require('fs').writeFileSync('dist/index.html',${contents})`;
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'fake', scripts: { build: `node -e "${build}"` } }),
    );
    return { dir, npmScript: 'build', tool: 'typescript', sources: ['src'], output: 'dist/index.html' };
  }

  const builtAt = (target: BuildTarget) => statSync(join(target.dir, target.output)).mtimeMs;
  const quietly = (run: () => void) => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const loglevel = process.env.npm_config_loglevel;
    process.env.npm_config_loglevel = 'silent'; // npm's "> build" lines of the npm-script packages
    try {
      run();
    } finally {
      write.mockRestore();
      if (loglevel === undefined) delete process.env.npm_config_loglevel;
      else process.env.npm_config_loglevel = loglevel;
    }
  };

  it('builds when there is no build, then not again until a source changes', () => {
    const target = fakePackage(resolve(__dirname, '../node_modules/.fresh-build-test'));
    quietly(() => ensureFreshBuild(target, 'fake'));
    const first = builtAt(target);

    ensureFreshBuild(target, 'fake');
    expect(builtAt(target)).toBe(first);

    const later = new Date(first + 10_000);
    utimesSync(join(target.dir, 'src/index.ts'), later, later);
    quietly(() => ensureFreshBuild(target, 'fake'));
    expect(builtAt(target)).toBeGreaterThan(first);
  });

  it('names a dependency that is not installed, in one sentence', () => {
    const target = fakePackage(tmpdir(), { 'better-sqlite3-not-here': '^12.0.0' });
    expect(() => ensureFreshBuild(target, 'fake')).toThrow(LaunchError);
    expect(() => ensureFreshBuild(target, 'fake')).toThrow(
      /^better-sqlite3-not-here is not installed: run `npm ci` in \S+ \(one install for the server, the client and the CLIs\)$/,
    );
  });

  it('says that TypeScript is missing rather than failing to compile', () => {
    const target = fakePackage(tmpdir());
    expect(() => ensureFreshBuild(target, 'fake')).toThrow(/TypeScript is not installed to build it: run `npm ci`/);
  });

  it('builds a package through its npm script, also when the sources of another package it bundles change', () => {
    const web = npmScriptPackage("''");
    const bundled = mkdtempSync(join(web.dir, '..', 'fresh-build-bundled-'));
    folders.push(bundled);
    mkdirSync(join(bundled, 'src'));
    writeFileSync(join(bundled, 'src/lib.ts'), 'export const lib = 1;\n');
    web.sources.push(`../${basename(bundled)}/src`);
    quietly(() => ensureFreshBuild(web, 'fake'));
    const first = builtAt(web);
    ensureFreshBuild(web, 'fake');
    expect(builtAt(web)).toBe(first);

    const later = new Date(first + 10_000);
    utimesSync(join(bundled, 'src/lib.ts'), later, later);
    quietly(() => ensureFreshBuild(web, 'fake'));
    expect(builtAt(web)).toBeGreaterThan(first);
  });

  it('builds an npm-script package for production also when called under NODE_ENV=test (Jest)', () => {
    const web = npmScriptPackage('process.env.NODE_ENV');
    expect(process.env.NODE_ENV).toBe('test');
    quietly(() => ensureFreshBuild(web, 'fake'));
    expect(readFileSync(join(web.dir, web.output), 'utf8')).toBe('production');
    expect(process.env.NODE_ENV).toBe('test');
  });

  it('says that the build tool of an npm-script package is missing, in one sentence', () => {
    const target = { ...fakePackage(tmpdir()), npmScript: 'build', tool: 'vite', tsconfig: undefined };
    expect(() => ensureFreshBuild(target, 'web app')).toThrow(
      /^the web app is not built \(\S+\) and vite is not installed to build it: run `npm ci` in \S+$/,
    );
  });

  it("knows where this repository's server, client and web app build from", () => {
    // vite's public/ (files copied as they are) is optional: the others must be there.
    const optional = join(TARGETS.web.dir, 'public');
    for (const target of Object.values(TARGETS)) {
      for (const path of [target.tsconfig ?? 'package.json', ...target.sources]) {
        const where = join(target.dir, path);
        if (where !== optional) expect([where, existsSync(where)]).toEqual([where, true]);
      }
    }
    expect(TARGETS.web).toMatchObject({ output: 'dist/index.html', needs: ['client'] });
    expect(TARGETS.web.sources).toEqual(
      expect.arrayContaining(['src', 'index.html', 'vite.config.ts', '../client/src']),
    );
  });
});
