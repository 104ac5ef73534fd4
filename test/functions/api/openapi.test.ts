import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTE_CONTRACTS } from '../../../functions/domain/api/contracts.js';
import { ERROR_CODES } from '../../../functions/domain/api/error-codes.js';
import { HOOK_CONTRACTS } from '../../../functions/domain/api/hook-contracts.js';
import { buildOpenApiDocument, renderOpenApiDocument } from '../../../functions/domain/api/openapi.js';
import { API_ROUTES, CLUSTER_HOOK_ROUTES, HOOK_ROUTES } from '../../../functions/handlers/api/routes.js';

const WEBHOOKS = [...HOOK_ROUTES, ...CLUSTER_HOOK_ROUTES];

type Operation = {
  operationId: string;
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
};

describe('OpenAPI document', () => {
  it('is the committed docs/openapi.json (run `npm run openapi` after changing a route or schema)', () => {
    // Compared as JSON values: the committed file is Biome-formatted, the generated one is not.
    const committed: unknown = JSON.parse(
      readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(renderOpenApiDocument()));
  });

  it('describes every route of the route table with its path parameters, and nothing else', () => {
    const document = buildOpenApiDocument() as unknown as {
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
    };
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations.map((o) => o.operation.operationId).sort()).toEqual(
      [...API_ROUTES, ...WEBHOOKS].map((r) => r.id).sort(),
    );
    for (const route of API_ROUTES) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, route.id).toBeDefined();
      const pathNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = (operation?.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(declared, route.id).toEqual(pathNames);
      const headers = (operation?.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
      expect(headers, route.id).toEqual(route.idempotent ? ['Idempotency-Key'] : []);
      expect(operation?.requestBody !== undefined, route.id).toBe(
        route.method === 'PUT' || route.method === 'POST',
      );
      expect(Object.keys(operation?.responses ?? {}), route.id).toEqual(
        expect.arrayContaining(['400', '401', '403', '500']),
      );
    }
  });

  it('describes every webhook route with its own security (no JWT), its body and its answers', () => {
    const document = buildOpenApiDocument() as unknown as {
      paths: Record<string, Record<string, Operation & { security?: unknown }>>;
      components: {
        securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }>;
      };
    };
    expect(Object.keys(HOOK_CONTRACTS).sort()).toEqual(WEBHOOKS.map((route) => route.id).sort());
    const schemes = document.components.securitySchemes;
    expect(schemes.githubSignature).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-Hub-Signature-256',
    });
    expect(schemes.gitlabToken).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Gitlab-Token' });
    expect(schemes.clusterToken).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Slipway-Token' });
    expect(schemes.clusterBasic).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(schemes.clusterBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const security: Record<string, unknown> = {
      'github-hook': [{ githubSignature: [] }],
      'gitlab-hook': [{ gitlabToken: [] }],
      'argocd-hook': [{ clusterToken: [] }, { clusterBasic: [] }],
      'cluster-argocd-hook': [{ clusterToken: [] }, { clusterBasic: [] }],
      'alertmanager-hook': [{ clusterBearer: [] }],
      'cluster-alertmanager-hook': [{ clusterBearer: [] }],
    };
    for (const route of WEBHOOKS) {
      const operation = document.paths[route.path]?.post;
      expect(operation?.operationId, route.path).toBe(route.id);
      expect(operation?.security, route.id).toEqual(security[route.id]);
      expect(operation?.requestBody, route.id).toBeDefined();
      const declared = (operation?.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(declared, route.id).toEqual([...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]));
      const statuses = Object.keys(operation?.responses ?? {});
      expect(statuses, route.id).toEqual(expect.arrayContaining(['202', '400', '401', '500']));
      // Only a cluster's hooks refuse an event about another environment (403).
      expect(statuses.includes('403'), route.id).toBe(
        route.path.includes('argocd') || route.path.includes('alertmanager'),
      );
    }
  });

  it("answers 429 on every route and webhook with API Gateway's own {message} body, not the error shape", () => {
    const document = buildOpenApiDocument() as unknown as {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    };
    for (const route of [...API_ROUTES, ...WEBHOOKS]) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation?.responses['429'], route.id).toMatchObject({
        content: { 'application/json': { schema: { $ref: '#/components/schemas/GatewayMessage' } } },
      });
    }
    const gateway = document.components.schemas.GatewayMessage;
    expect(Object.keys(gateway?.properties ?? {})).toEqual(['message']);
    expect(gateway?.required).toEqual(['message']);
  });

  it('has a contract for every route and a route for every contract', () => {
    expect(Object.keys(ROUTE_CONTRACTS).sort()).toEqual(API_ROUTES.map((r) => r.id).sort());
  });

  it('declares the bearer JWT scheme and the error shape with every error code', () => {
    const document = buildOpenApiDocument() as unknown as {
      security: unknown;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    expect(document.security).toEqual([{ bearerJwt: [] }]);
    expect(document.components.securitySchemes.bearerJwt).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    const error = document.components.schemas.Error as {
      properties: { error: { properties: { code: { enum: string[] } } } };
    };
    expect(error.properties.error.properties.code.enum).toEqual(ERROR_CODES);
  });
});
