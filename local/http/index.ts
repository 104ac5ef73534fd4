/** The local HTTP API: what local mode and the tests import. */
export type { ApiEvent, IncomingApiRequest } from './event.js';
export { toApiGatewayEvent } from './event.js';
export { importRouteHandler } from './handlers.js';
export type { AccessLogEntry, ApiServer, ApiServerOptions, LocalRoute, RouteHandler } from './server.js';
export { GATEWAY_MAX_BODY_BYTES, GATEWAY_TIMEOUT_MS, startApiServer } from './server.js';
