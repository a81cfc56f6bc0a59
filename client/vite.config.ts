import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const server = process.env.CHUNFENG_DEV_SERVER ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // Which chunks and styles each lazily loaded page needs at once: scripts/bundle-size.mjs reads it to
    // hold the job zone's first load to the viewer page's budget.
    manifest: true,
    target: 'es2020',
    rolldownOptions: {
      output: {
        // zod compiles schemas with `new Function` where it may, and finds out by trying once when the
        // first schema is built. The server's CSP has no 'unsafe-eval', so that try is refused and
        // reported as a violation. zod reads its settings from this global when it loads, and each
        // chunk sets it first (schemas are built as the shared chunk loads, before any app code runs).
        intro: 'globalThis.__zod_globalConfig ??= {}; globalThis.__zod_globalConfig.jitless = true;',
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/socket.io': { target: server, ws: true },
      '/api': server,
      '/healthz': server,
    },
  },
});
