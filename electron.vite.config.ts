import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

// Main, preload and renderer are built separately from this one file, as in
// electron-vite's template. The built-in engine is a second main-process entry so
// it ships inside the app and runs as a child process (out/main/engine.js).
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'main/index.ts'),
          engine: resolve(__dirname, 'app/engine/main.ts'),
          // The web host: the same lab served to a browser (`npm run web`); never imports electron.
          web: resolve(__dirname, 'main/web.ts'),
          // The built-in redis-cli work-alike, run in terminals where no redis-cli is installed.
          cli: resolve(__dirname, 'app/cli/main.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { preload: resolve(__dirname, 'main/preload.ts') } },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    // The renderer imports app/api for its types only (tsconfig.web.json has the same alias).
    resolve: { alias: { '@api': resolve(__dirname, 'app/api') } },
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
    plugins: [vue()],
  },
});
