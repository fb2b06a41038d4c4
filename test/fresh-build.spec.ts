import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
  const builtAt = (target: BuildTarget) => statSync(join(target.dir, target.output)).mtimeMs;
  const quietly = (run: () => void) => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      run();
    } finally {
      write.mockRestore();
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

  it("knows where this repository's server and client build from", () => {
    for (const target of Object.values(TARGETS)) {
      for (const path of [target.tsconfig, ...target.sources]) expect(existsSync(join(target.dir, path))).toBe(true);
    }
  });
});
