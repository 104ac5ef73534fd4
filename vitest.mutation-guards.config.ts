import { defineConfig } from 'vitest/config';

/** The tests of the guarded writes, what `npx stryker run stryker.guards.config.json` runs per mutant. */
export default defineConfig({
  test: {
    include: [
      'test/functions/domain/transitions.test.ts',
      'test/functions/domain/transition-tables.test.ts',
      'test/functions/adapters/repository.test.ts',
      'test/functions/adapters/store-faults.test.ts',
      'test/functions/adapters/lock.test.ts',
      'test/functions/adapters/lock-paths.test.ts',
      'test/functions/adapters/abandon-run.test.ts',
      'test/functions/adapters/run-endings.test.ts',
      'test/functions/adapters/verify-run-start.test.ts',
      'test/functions/adapters/start-run.test.ts',
      'test/functions/adapters/record-phase.test.ts',
      'test/functions/adapters/run-reads.test.ts',
      'test/functions/handlers/workflow-handlers.test.ts',
      'test/functions/handlers/execution-ended.test.ts',
    ],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
