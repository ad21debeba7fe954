import { defineConfig } from 'vitest/config';

/** `npm run bench:workload`: the workload generator's reachable rate, a measurement run by hand. */
export default defineConfig({
  test: {
    include: ['bench/workload/*.measure.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
