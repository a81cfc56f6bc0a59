import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const server = process.env.CHUNFENG_DEV_SERVER ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2020' },
  server: {
    port: 5173,
    proxy: {
      '/socket.io': { target: server, ws: true },
      '/api': server,
      '/healthz': server,
    },
  },
});
