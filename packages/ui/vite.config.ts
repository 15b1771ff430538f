import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The Runyard server serves dist/ at '/' with an SPA fallback to index.html, so assets are
// addressed from the root and deep links like /runs/<id> load the same bundle.
// In `vite dev`, /api is proxied to a running `runyard dev` (RUNYARD_URL, default port 3000).
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { '/api': process.env.RUNYARD_URL ?? 'http://127.0.0.1:3000' },
  },
});
