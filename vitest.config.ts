import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // DuckDB and the Python reference readers are heavy; two cores serve two files at a time.
    maxWorkers: 2,
    reporters: ['default'],
    // Tests provoke warnings on purpose (corrupt hints, lost races); keep the run's output readable.
    env: { AQUIFER_LOG_LEVEL: process.env['AQUIFER_LOG_LEVEL'] ?? 'error' },
  },
});
