import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startTestNode, TEST_ADMIN_TOKEN, TestNode } from './support/test-node';

/** The plan's policy (docs: web/), one directive an item. */
const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];
const IMMUTABLE = 'public, max-age=31536000, immutable';

type Headers = Record<string, string | string[] | undefined>;

function expectAppHeaders(headers: Headers): void {
  expect(String(headers['content-security-policy']).split(/;\s*/)).toEqual(CSP_DIRECTIVES);
  expect(headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'x-frame-options': 'DENY',
  });
  expect(headers['strict-transport-security']).toBeUndefined();
}

function expectJsonError(response: request.Response, statusCode: number): void {
  expect(response.status).toBe(statusCode);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.body).toEqual({
    statusCode,
    error: expect.any(String),
    message: expect.any(String),
    requestId: expect.any(String),
  });
}

/** A GET whose path reaches the node byte for byte (supertest's URL parsing would resolve `%2e%2e` first). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    httpGet({ hostname, port, path }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    }).on('error', reject);
  });
}

/** A build as vite makes one: index.html, hashed files under assets/, the service worker and the manifest. */
const FIXTURE = {
  'index.html':
    '<!doctype html>\n<html lang="en"><head><script type="module" src="/assets/index-4f2a9c1b.js"></script></head>' +
    '<body><div id="root"></div></body></html>\n',
  'assets/index-4f2a9c1b.js': 'document.getElementById("root").textContent = "MyLife";\n',
  'assets/sql-wasm-9d3e7a21.wasm': Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
  'sw.js': 'self.addEventListener("fetch", () => undefined);\n',
  'manifest.webmanifest': JSON.stringify({ name: 'MyLife', start_url: '/' }),
};

function writeBuild(dir: string): void {
  for (const [file, content] of Object.entries(FIXTURE)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
}

describe('the web app served at / (a build in a folder of its own)', () => {
  let node: TestNode;
  let folder: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'web-app-e2e-'));
    writeFileSync(join(folder, 'secret.txt'), 'not for the web');
    writeBuild(join(folder, 'dist'));
    node = await startTestNode({}, { webAppDir: join(folder, 'dist') });
  });
  afterAll(async () => {
    await node.destroy();
    rmSync(folder, { recursive: true, force: true });
  });

  it('answers / and /index.html with index.html, revalidated on each use, under the strict policy', async () => {
    for (const path of ['/', '/index.html']) {
      const response = await request(node.url).get(path).expect(200);
      expect(response.text).toBe(FIXTURE['index.html']);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers.etag).toEqual(expect.any(String));
      expect(response.headers['last-modified']).toEqual(expect.any(String));
      expectAppHeaders(response.headers);
    }
    const head = await request(node.url).head('/').expect(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(FIXTURE['index.html'])));
    expect(head.text).toBeUndefined();
  });

  it('serves assets/ with their content types (WASM as application/wasm), cached for a year', async () => {
    const script = await request(node.url).get('/assets/index-4f2a9c1b.js').expect(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe(IMMUTABLE);
    expectAppHeaders(script.headers);

    const wasm = await request(node.url)
      .get('/assets/sql-wasm-9d3e7a21.wasm')
      .buffer(true)
      .parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(wasm.headers['content-type']).toBe('application/wasm');
    expect(wasm.headers['cache-control']).toBe(IMMUTABLE);
    expect(wasm.body).toEqual(FIXTURE['assets/sql-wasm-9d3e7a21.wasm']);
  });

  it('revalidates the service worker and the manifest on each use', async () => {
    const worker = await request(node.url).get('/sw.js').expect(200);
    expect(worker.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(worker.headers['cache-control']).toBe('no-cache');
    const manifest = await request(node.url).get('/manifest.webmanifest').expect(200);
    expect(manifest.headers['content-type']).toBe('application/manifest+json; charset=utf-8');
    expect(manifest.headers['cache-control']).toBe('no-cache');
  });

  it('answers a revalidation of an unchanged file with 304, by ETag and by date', async () => {
    const page = await request(node.url).get('/').expect(200);
    const byTag = await request(node.url).get('/').set('If-None-Match', page.headers.etag).expect(304);
    expect(byTag.text).toBe('');
    const asset = await request(node.url).get('/assets/index-4f2a9c1b.js').expect(200);
    await request(node.url)
      .get('/assets/index-4f2a9c1b.js')
      .set('If-Modified-Since', asset.headers['last-modified'])
      .expect(304);
    await request(node.url).get('/').set('If-None-Match', '"another"').expect(200);
  });

  it('answers a file it does not have with the JSON 404, never with index.html', async () => {
    for (const path of ['/assets/missing.js', '/assets/', '/assets', '/chat/alice', '/favicon.ico']) {
      const response = await request(node.url).get(path);
      expectJsonError(response, 404);
    }
  });

  it('serves nothing outside its folder', async () => {
    for (const path of ['/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/../secret.txt']) {
      const response = await rawGet(node.url, path);
      expect([400, 403, 404]).toContain(response.status);
      expect(response.body).not.toContain('not for the web');
    }
  });

  it("leaves the node's routes and errors as they were: the API, methods other than GET and HEAD", async () => {
    const unknown = await request(node.url).get('/api/x');
    expectJsonError(unknown, 404);
    expect(unknown.headers['content-security-policy']).toBeUndefined();
    expectJsonError(await request(node.url).post('/').send({}), 404);
    expectJsonError(await request(node.url).put('/index.html').send({}), 404);
    expectJsonError(await request(node.url).delete('/assets/index-4f2a9c1b.js'), 404);
    expectJsonError(await request(node.url).get('/').set('Content-Type', 'text/plain').send('a body'), 400);
    await request(node.url).get('/health').expect(200);
  });
});

describe('a node whose web app is not built', () => {
  let node: TestNode;
  let folder: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'web-app-e2e-'));
    node = await startTestNode({}, { webAppDir: join(folder, 'dist') });
  });
  afterAll(async () => {
    await node.destroy();
    rmSync(folder, { recursive: true, force: true });
  });

  it('runs, answers / with 503 saying how to build the app, and serves the app once it is built', async () => {
    await request(node.url).get('/health').expect(200);
    for (const path of ['/', '/index.html']) {
      const response = await request(node.url).get(path).expect(503);
      expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.text).toMatch(/web app is not built.*run `npm run build`/);
    }
    expectJsonError(await request(node.url).get('/assets/index-4f2a9c1b.js'), 404);

    writeBuild(join(folder, 'dist'));
    const built = await request(node.url).get('/').expect(200);
    expect(built.text).toBe(FIXTURE['index.html']);
  });
});

describe("the repository's own build (web/dist), beside the node's other pages", () => {
  const dist = join(__dirname, '..', 'web', 'dist');
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(() => node.destroy());

  it('is served at / with every script and stylesheet it names, and no inline script or style', async () => {
    const index = readFileSync(join(dist, 'index.html'), 'utf8'); // absent: `npm run build` builds web/dist
    const page = await request(node.url).get('/').expect(200);
    expect(page.text).toBe(index);
    expectAppHeaders(page.headers);

    expect(index).not.toMatch(/<style/i);
    const scripts = [...index.matchAll(/<script\b([^>]*)>/gi)].map(([, attributes]) => attributes!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const attributes of scripts) expect(attributes).toMatch(/\ssrc="/);
    const named = [...index.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map(([, path]) => path!);
    expect(named.length).toBeGreaterThan(0);
    for (const path of named) {
      const asset = await request(node.url).get(path).expect(200);
      expect(asset.headers['content-type']).toMatch(/^(text\/javascript|text\/css); charset=utf-8$/);
      expect(asset.headers['cache-control']).toBe(IMMUTABLE);
    }
    for (const wasm of readdirSync(join(dist, 'assets')).filter((file) => file.endsWith('.wasm'))) {
      const response = await request(node.url).head(`/assets/${wasm}`).expect(200);
      expect(response.headers['content-type']).toBe('application/wasm');
    }
  });

  it('sends its scripts and WebAssembly gzipped to a browser that accepts it, and whole to one that does not', async () => {
    const assets = readdirSync(join(dist, 'assets')).filter((file) => /\.(js|wasm)$/.test(file));
    expect(assets.some((file) => file.endsWith('.wasm'))).toBe(true);
    for (const file of assets) {
      const raw = readFileSync(join(dist, 'assets', file));
      const gzipped = await request(node.url)
        .get(`/assets/${file}`)
        .set('Accept-Encoding', 'gzip')
        .buffer(true)
        .parse(bytesOf)
        .expect(200);
      expect(gzipped.headers['content-encoding']).toBe('gzip');
      expect(gzipped.body).toEqual(raw); // supertest unzips: the same bytes arrive
      const plain = await request(node.url)
        .get(`/assets/${file}`)
        .set('Accept-Encoding', 'identity')
        .buffer(true)
        .parse(bytesOf)
        .expect(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body).toEqual(raw);
    }
  });

  it('leaves Swagger UI, Bull Board, the health check and federation discovery as they were', async () => {
    const docs = await request(node.url).get('/api/docs').expect(200);
    expect(docs.text).toMatch(/swagger/i);
    expect(docs.headers['content-security-policy']).toBeUndefined();
    await request(node.url).get('/api/docs.json').expect(200);
    const board = await request(node.url)
      .get('/admin/queues')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(200);
    expect(board.headers['content-security-policy']).toBeUndefined();
    await request(node.url).get('/admin/queues').expect(401);
    const health = await request(node.url).get('/health').expect(200);
    expect(health.body.status).toBe('ok');
    await request(node.url).get('/.well-known/mylife-federation').expect(200);
  });
});

describe('MYLIFE_WEB_APP=off', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ MYLIFE_WEB_APP: 'off' });
  });
  afterAll(() => node.destroy());

  it('leaves / to the node: the JSON 404', async () => {
    expectJsonError(await request(node.url).get('/'), 404);
    expectJsonError(await request(node.url).get('/index.html'), 404);
    await request(node.url).get('/health').expect(200);
  });
});

function bytesOf(response: any, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => done(null, Buffer.concat(chunks)));
}
