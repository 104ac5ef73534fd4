/**
 * Loads a route's function the way the CDK app bundles it: the `handler` export of
 * `functions/handlers/<route.handler>.ts`. Local mode serves these very modules, so the code a
 * request runs here is the code a deployed function runs.
 */
import type { ApiRoute } from '../../functions/handlers/api/routes.js';
import type { RouteHandler } from './server.js';

const HANDLERS_DIR = new URL('../../functions/handlers/', import.meta.url);

export async function importRouteHandler(route: Pick<ApiRoute, 'id' | 'handler'>): Promise<RouteHandler> {
  const file = new URL(`${route.handler}.ts`, HANDLERS_DIR);
  const loaded: unknown = await import(file.href);
  const handler =
    loaded !== null && typeof loaded === 'object' && 'handler' in loaded ? loaded.handler : undefined;
  if (typeof handler !== 'function') {
    throw new Error(`route ${route.id}: ${file.pathname} has no exported handler function`);
  }
  return (event, context) => Promise.resolve(handler(event, context));
}
