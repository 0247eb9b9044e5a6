/**
 * Test tokens standing in for Microsoft Entra access tokens on a harness cluster.
 *
 * Format: `v1.<base64url(JSON claims)>.<base64url(HMAC-SHA256("v1.<payload>", key))>`.
 * tests/e2e/standin/token-checker.sh verifies exactly this, so keep the two in step.
 * Claims mirror the parts of a real token Azure uses: `oid` (the caller's object id), `groups`
 * (object ids of the caller's groups), `tid` (tenant) and `exp` (seconds since the epoch).
 */
import { createHmac, timingSafeEqual } from "crypto";

export interface TokenClaims {
  oid: string;
  tid: string;
  exp: number;
  groups?: string[];
}

/**
 * pam_exec hands the checker at most PAM_MAX_RESP_SIZE (512) bytes of password including the
 * terminating NUL; a longer token would be cut and fail as a bad signature, so refuse it early.
 */
export const MAX_TOKEN_LENGTH = 511;

const VERSION = "v1";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function sign(key: Buffer, signedPart: string): string {
  return createHmac("sha256", key).update(signedPart).digest("base64url");
}

export function makeToken(key: Buffer, claims: TokenClaims): string {
  for (const id of [claims.oid, claims.tid, ...(claims.groups ?? [])]) {
    if (!UUID.test(id)) throw new Error(`makeToken: ${JSON.stringify(id)} is not an object id (UUID)`);
  }
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const token = `${VERSION}.${payload}.${sign(key, `${VERSION}.${payload}`)}`;
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new Error(`makeToken: token is ${token.length} characters, PAM passes at most ${MAX_TOKEN_LENGTH}; use fewer groups`);
  }
  return token;
}

/** Returns the claims of a well-signed, unexpired token; throws otherwise. */
export function verifyToken(key: Buffer, token: string, nowSeconds = Date.now() / 1000): TokenClaims {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== VERSION) throw new Error("verifyToken: not a v1 token");
  const [, payload, signature] = parts;
  const expected = Buffer.from(sign(key, `${VERSION}.${payload}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Error("verifyToken: bad signature");
  }
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as TokenClaims;
  if (typeof claims.exp !== "number" || claims.exp <= nowSeconds) throw new Error("verifyToken: token expired");
  return claims;
}
