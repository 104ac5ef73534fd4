import { defineConfig } from 'vitest/config';

/** The tests that exercise the domain and the state layer: what `npm run mutation` runs per mutant. */
export default defineConfig({
  test: {
    include: [
      'test/functions/domain/**/*.test.ts',
      'test/domain/**/*.test.ts',
      'test/functions/adapters/repository.test.ts',
      'test/functions/adapters/store-faults.test.ts',
      'test/functions/handlers/workflow-handlers.test.ts',
      'test/functions/handlers/execution-ended.test.ts',
      'test/workflow/**/*.test.ts',
    ],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
