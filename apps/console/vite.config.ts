import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

// Dev server: the API, media and health routes go to the control plane (npm run dev starts both).
const api = process.env.CONSOLE_API_ORIGIN ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [solid()],
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', sourcemap: true, target: 'es2022' },
  server: {
    port: Number(process.env.CONSOLE_DEV_PORT ?? 5173),
    strictPort: true,
    proxy: { '/api': api, '/media': api, '/healthz': api, '/readyz': api },
  },
});
