/** Local dev tokens and their signing key: what local mode, `npm run token` and the tests import. */
export { DEFAULT_DATA_DIR, localDataDir } from './data-dir.js';
export type { DevSecret, DevSecretOptions } from './dev-secret.js';
export { DEV_SECRET_ENV, DEV_SECRET_FILE, DevSecretError, resolveDevSecret } from './dev-secret.js';
export type { JwtClaims, LocalTokenRequest, TokenVerifier } from './tokens.js';
export {
  DEFAULT_TTL_SECONDS,
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  localTokenVerifier,
  signLocalToken,
  TokenRejectedError,
} from './tokens.js';
