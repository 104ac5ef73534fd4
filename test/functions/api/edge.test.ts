import { describe, expect, it } from 'vitest';
import { toApiError } from '../../../functions/domain/api/domain-errors.js';
import { ApiError } from '../../../functions/domain/api/error-codes.js';
import {
  EnvironmentLockedError,
  TransitionRefusedError,
  ValidationError,
} from '../../../functions/domain/errors.js';
import { API_ROUTES } from '../../../functions/handlers/api/routes.js';
import { parseHttpEvent, readJsonBody } from '../../../functions/shared/http/event.js';
import { apiEvent, routeById } from '../../support/api-events.js';

const PUT_ENV = routeById(API_ROUTES, 'put-environment');
const DELETE_ENV = routeById(API_ROUTES, 'delete-environment');
const path = { org: 'acme', env: 'prod' };

function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseHttpEvent', () => {
  it('reads method, raw path, lower-case headers, path and query parameters and the claims', () => {
    const event = apiEvent(PUT_ENV, {
      path,
      headers: { 'Idempotency-Key': 'k1' },
      body: { a: 1 },
      identity: { sub: 'u1', role: 'viewer', orgs: ['acme'] },
    });
    const request = parseHttpEvent(event);
    expect(request.method).toBe('PUT');
    expect(request.path).toBe('/v1/orgs/acme/environments/prod');
    expect(request.headers['idempotency-key']).toBe('k1');
    expect(request.pathParameters).toEqual(path);
    expect(request.claims).toMatchObject({ sub: 'u1', role: 'viewer', orgs: '[acme]' });
    expect(request.body?.toString()).toBe('{"a":1}');
  });

  it('decodes a base64 body', () => {
    const request = parseHttpEvent(apiEvent(PUT_ENV, { path, body: { tier: 'dev' }, base64: true }));
    expect(JSON.parse(request.body?.toString() ?? '')).toEqual({ tier: 'dev' });
  });

  it('refuses something that is not an HTTP API event, naming the field', () => {
    const error = refusal(() => parseHttpEvent({ rawPath: '/v1/orgs' }));
    expect(error.code).toBe('validation.failed');
    expect(error.message).toContain('event.requestContext');
  });
});

describe('readJsonBody', () => {
  it('parses a JSON body with application/json (charset utf-8 allowed)', () => {
    const event = apiEvent(PUT_ENV, {
      path,
      body: '{"x":[1,2]}',
      headers: { 'content-type': 'application/json; charset=UTF-8' },
    });
    expect(readJsonBody(parseHttpEvent(event), true)).toEqual({ x: [1, 2] });
  });

  it.each([
    ['text/plain', 'unsupported-media-type', 415],
    ['application/x-www-form-urlencoded', 'unsupported-media-type', 415],
    ['application/json; charset=latin1', 'unsupported-media-type', 415],
  ])('refuses Content-Type %s', (contentType, code, status) => {
    const event = apiEvent(PUT_ENV, { path, body: '{}', headers: { 'content-type': contentType } });
    const error = refusal(() => readJsonBody(parseHttpEvent(event), true));
    expect([error.code, error.status]).toEqual([code, status]);
    expect(error.message).toContain('Content-Type');
  });

  it('refuses a body over 64 KiB with 413 before looking at it', () => {
    const event = apiEvent(PUT_ENV, { path, body: `"${'a'.repeat(64 * 1024)}"` });
    const error = refusal(() => readJsonBody(parseHttpEvent(event), true));
    expect([error.code, error.status]).toEqual(['payload.too-large', 413]);
  });

  it('accepts exactly 64 KiB', () => {
    const event = apiEvent(PUT_ENV, { path, body: `"${'a'.repeat(64 * 1024 - 2)}"` });
    expect(readJsonBody(parseHttpEvent(event), true)).toHaveLength(64 * 1024 - 2);
  });

  it('refuses malformed JSON, invalid UTF-8 and an empty body with 400 naming body', () => {
    for (const body of ['{"tier":', Buffer.from([0x7b, 0xff, 0x7d]), '']) {
      const event = apiEvent(PUT_ENV, { path, body, headers: { 'content-type': 'application/json' } });
      const error = refusal(() => readJsonBody(parseHttpEvent(event), true));
      expect(error.code).toBe('validation.failed');
      expect(error.details).toEqual([expect.objectContaining({ field: 'body' })]);
    }
  });

  it('refuses a body on a route that takes none', () => {
    const error = refusal(() =>
      readJsonBody(parseHttpEvent(apiEvent(DELETE_ENV, { path, body: '{}' })), false),
    );
    expect(error.details).toEqual([expect.objectContaining({ field: 'body' })]);
  });
});

describe('toApiError', () => {
  it('maps the state layer refusals by name', () => {
    expect(toApiError(new EnvironmentLockedError('busy', 'acme.prod.000001.aaaaaaaa'))).toMatchObject({
      code: 'conflict.busy',
      details: { activeRunId: 'acme.prod.000001.aaaaaaaa' },
    });
    expect(toApiError(new TransitionRefusedError('no'))?.code).toBe('conflict.state');
    expect(
      toApiError(new ValidationError('bad cursor', ['cursor: is not a cursor of this list'])),
    ).toMatchObject({
      code: 'validation.failed',
      details: [{ field: 'cursor', message: 'cursor: is not a cursor of this list' }],
    });
  });

  it('leaves anything else to be a 500', () => {
    expect(toApiError(new Error('boom'))).toBeUndefined();
    expect(toApiError('boom')).toBeUndefined();
  });
});
