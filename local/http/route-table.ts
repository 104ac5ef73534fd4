/**
 * Matches a request against the route table the way an HTTP API does: the method and every path
 * segment must match, `{name}` matches one non-empty segment, nothing else (no trailing slash,
 * no prefix). Path parameters are URL-decoded, as API Gateway HTTP APIs deliver them.
 */

export interface RoutePattern<T> {
  /** `METHOD /path/{param}`, API Gateway's route key. */
  readonly routeKey: string;
  readonly target: T;
}

export interface RouteMatch<T> {
  readonly routeKey: string;
  readonly target: T;
  readonly pathParameters: Record<string, string>;
}

interface Compiled<T> {
  readonly method: string;
  readonly segments: readonly ({ param: string } | { literal: string })[];
  readonly pattern: RoutePattern<T>;
}

export class RouteTable<T> {
  private readonly compiled: readonly Compiled<T>[];

  constructor(patterns: readonly RoutePattern<T>[]) {
    const seen = new Set<string>();
    this.compiled = patterns.map((pattern) => {
      if (seen.has(pattern.routeKey)) throw new Error(`duplicate route ${pattern.routeKey}`);
      seen.add(pattern.routeKey);
      const [method, path, ...rest] = pattern.routeKey.split(' ');
      if (!method || !path?.startsWith('/') || rest.length > 0) {
        throw new Error(`route key "${pattern.routeKey}" is not "METHOD /path"`);
      }
      const segments = path
        .slice(1)
        .split('/')
        .map((segment) => {
          const param = /^\{([A-Za-z0-9_]+)\}$/.exec(segment)?.[1];
          return param ? { param } : { literal: segment };
        });
      return { method, segments, pattern };
    });
  }

  /** `rawPath` is the path as sent (still percent-encoded); a malformed escape matches nothing. */
  match(method: string, rawPath: string): RouteMatch<T> | undefined {
    const segments = rawPath.slice(1).split('/');
    for (const route of this.compiled) {
      if (route.method !== method || route.segments.length !== segments.length) continue;
      const pathParameters: Record<string, string> = {};
      const matched = route.segments.every((expected, index) => {
        const actual = segments[index] ?? '';
        if ('literal' in expected) return safeDecode(actual) === expected.literal;
        const value = safeDecode(actual);
        if (value === undefined || value === '') return false;
        pathParameters[expected.param] = value;
        return true;
      });
      if (matched) return { routeKey: route.pattern.routeKey, target: route.pattern.target, pathParameters };
    }
    return undefined;
  }
}

export function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
