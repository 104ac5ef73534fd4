/**
 * Local dev tokens: HS256 JWTs with the claims the deployed API's JWT authorizer passes on
 * (`sub`, `role`, `orgs`), issued by `slipway-local` for the audience `slipway`. The verifier
 * checks what API Gateway's JWT authorizer checks — signature, issuer, audience, expiry — and
 * nothing about roles: authorization is the domain's job, behind the gateway.
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Role } from '../../functions/domain/authorization.js';

export const LOCAL_ISSUER = 'slipway-local';
export const LOCAL_AUDIENCE = 'slipway';
export const DEFAULT_TTL_SECONDS = 12 * 60 * 60;

export interface LocalTokenRequest {
  readonly subject: string;
  readonly role: Role;
  readonly organizations: readonly string[];
  /** Lifetime in seconds; defaults to 12 h. */
  readonly ttlSeconds?: number;
  /** Issue time (tests); defaults to now. */
  readonly now?: Date;
}

export class TokenRejectedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TokenRejectedError';
  }
}

/** Verified JWT claims, exactly as signed (arrays still arrays: the adapter flattens them). */
export type JwtClaims = Record<string, unknown>;

/** What the HTTP server calls for each bearer token; resolves the claims or rejects. */
export type TokenVerifier = (token: string) => Promise<JwtClaims>;

export async function signLocalToken(key: Uint8Array, request: LocalTokenRequest): Promise<string> {
  const ttl = request.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new RangeError(`ttl must be a positive number of seconds`);
  const issuedAt = Math.floor((request.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ role: request.role, orgs: [...request.organizations] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.subject)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttl)
    .sign(key);
}

export interface VerifierOptions {
  /** The clock (tests); defaults to now. */
  readonly now?: () => Date;
}

export function localTokenVerifier(key: Uint8Array, options: VerifierOptions = {}): TokenVerifier {
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        issuer: LOCAL_ISSUER,
        audience: LOCAL_AUDIENCE,
        requiredClaims: ['sub', 'exp'],
        ...(options.now ? { currentDate: options.now() } : {}),
      });
      return { ...payload };
    } catch (error) {
      const reason = error instanceof errors.JOSEError ? error.code : 'ERR_INVALID_TOKEN';
      throw new TokenRejectedError(`token rejected: ${reason}`, { cause: error });
    }
  };
}
