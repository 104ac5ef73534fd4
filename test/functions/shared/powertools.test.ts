import { afterEach, describe, expect, it, vi } from 'vitest';

/** Imports the Powertools singletons afresh, as a new Lambda container would. */
async function freshPowertools() {
  vi.resetModules();
  return import('../../../functions/shared/powertools.js');
}

/** The service named by one log line and one metric. */
async function serviceOf(powertools: Awaited<ReturnType<typeof freshPowertools>>) {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    powertools.logger.info('probe');
  } finally {
    write.mockRestore();
  }
  const log = lines.map((line) => JSON.parse(line) as { message?: string; service?: string });
  powertools.metrics.addMetric('Probe', 'Count', 1);
  const emf = powertools.metrics.serializeMetrics() as unknown as { service?: string };
  powertools.metrics.clearMetrics();
  return { log: log.find((entry) => entry.message === 'probe')?.service, metric: emf.service };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('Powertools service name', () => {
  it('lets POWERTOOLS_SERVICE_NAME (set per function by CDK) name the service of logs and metrics', async () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'slipway-acquire-lock');
    vi.stubEnv('POWERTOOLS_DEV', '');
    expect(await serviceOf(await freshPowertools())).toEqual({
      log: 'slipway-acquire-lock',
      metric: 'slipway-acquire-lock',
    });
  });

  it('names the service slipway when the variable is not set (tests, local mode)', async () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', '');
    vi.stubEnv('POWERTOOLS_DEV', '');
    expect(await serviceOf(await freshPowertools())).toEqual({ log: 'slipway', metric: 'slipway' });
  });
});
