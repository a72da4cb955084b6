import { defineConfig } from 'vitest/config';

// The end-to-end suite owns the host's single audit daemon and a private libvirtd: one file at a time.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 900_000,
  },
});
