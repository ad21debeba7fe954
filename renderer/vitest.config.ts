import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// The renderer's unit tests (transport, stores, the demo lab): plain Node, no DOM.
// `npm run test:renderer`; the root vitest.config.ts covers app/ and main/.
export default defineConfig({
  root: resolve(__dirname, '..'),
  resolve: { alias: { '@api': resolve(__dirname, '../app/api') } },
  test: { include: ['renderer/**/*.test.ts'] },
});
