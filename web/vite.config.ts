import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { serviceWorker } from './build/service-worker-plugin.ts';

// The node serves dist/ itself (src/web-app); `npm run dev -w web` (and `vite preview`) proxy the API to a node on
// :8787, or to MYLIFE_NODE (`MYLIFE_NODE=http://localhost:18801 npm run dev -w web`).
const node = process.env.MYLIFE_NODE ?? 'http://localhost:8787';

export default defineConfig({
  plugins: [react(), serviceWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed names under assets/ are cached for a year by the node; index.html is revalidated.
    assetsDir: 'assets',
    // No source maps in what the node serves: 1.5 MB that only a debugger reads; `npm run dev -w web` has them.
    sourcemap: false,
    // One script, as before end-to-end encryption: ts-mls imports the code of cipher suites other than ours on demand
    // (most of it not installed); split, that made chunks of a few bytes (served unzipped) that the service worker's
    // offline copy would not hold.
    rolldownOptions: { output: { codeSplitting: false } },
  },
  server: {
    proxy: { '/api': node },
  },
  preview: {
    proxy: { '/api': node },
  },
});
