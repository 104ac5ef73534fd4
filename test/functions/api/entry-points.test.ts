import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../functions/domain/errors.js';
import { ROUTE_FACTORIES } from '../../../functions/handlers/api/route-factories.js';
import { API_ROUTES } from '../../../functions/handlers/api/routes.js';
import { lambdaContext } from '../../support/api-events.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

async function load(handlerPath: string): Promise<Handler> {
  const file = new URL(`../../../functions/handlers/${handlerPath}.ts`, import.meta.url);
  const module = (await import(file.href)) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error(`${handlerPath} exports no handler`);
  return module.handler as Handler;
}

const VARIABLES = ['TABLE_NAME', 'STATE_MACHINE_ARN', 'IDEMPOTENCY_TABLE_NAME'] as const;
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));

afterEach(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe('API Lambda entry points', () => {
  it('has a handler factory for every route of the table, for local mode and tests', () => {
    expect(Object.keys(ROUTE_FACTORIES).sort()).toEqual(API_ROUTES.map((route) => route.id).sort());
  });

  it.each(API_ROUTES.map((route) => [route.id, route] as const))(
    '%s loads without environment variables and fails on invocation naming the first missing one',
    async (_id, route) => {
      for (const name of VARIABLES) delete process.env[name];
      const handler = await load(route.handler);

      const error = await handler({}, lambdaContext(route.id)).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ConfigurationError);
      expect(String(error)).toContain('TABLE_NAME');
    },
  );

  it.each(
    API_ROUTES.filter((route) => route.startsRuns || route.idempotent).map(
      (route) => [route.id, route] as const,
    ),
  )('%s needs the variables of what it does (StartExecution, Idempotency-Key)', async (_id, route) => {
    for (const name of VARIABLES) delete process.env[name];
    process.env.TABLE_NAME = 'slipway-table';
    const handler = await load(route.handler);

    const error = await handler({}, lambdaContext(route.id)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String(error)).toContain(route.startsRuns ? 'STATE_MACHINE_ARN' : 'IDEMPOTENCY_TABLE_NAME');
  });
});
