import { SignJWT, createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../lib/errors.js';

// Bearer JWT authentication. The tenant is a claim of the token (AUTH_TENANT_CLAIM); HS256
// with a shared secret or RS256 through a JWKS URL. A missing, expired or badly signed token
// never reaches a handler.

export interface AuthOptions {
  jwtSecret?: string;
  jwksUrl?: string;
  tenantClaim: string;
  issuer?: string;
  audience?: string;
}

export interface Authenticator {
  /** Returns the tenant id of a valid `Authorization` header value, or throws 401. */
  authenticate(header: string | undefined): Promise<string>;
}

// Tenant ids end up in job keys and settings; keep them to a safe, bounded alphabet.
const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const unauthorized = (detail: string) => new AppError('unauthorized', detail);

export function makeAuthenticator(opts: AuthOptions): Authenticator {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (opts.jwksUrl) {
    key = createRemoteJWKSet(new URL(opts.jwksUrl));
    algorithms = ['RS256'];
  } else if (opts.jwtSecret) {
    key = new TextEncoder().encode(opts.jwtSecret);
    algorithms = ['HS256'];
  } else {
    throw new Error('makeAuthenticator: a JWT secret or a JWKS URL is required');
  }

  return {
    async authenticate(header) {
      if (!header) throw unauthorized('Send Authorization: Bearer <token>');
      const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
      if (!m) throw unauthorized('The Authorization header must be "Bearer <token>"');
      let payload: Record<string, unknown>;
      try {
        const verified = await jwtVerify(m[1], key as Uint8Array, {
          algorithms,
          issuer: opts.issuer,
          audience: opts.audience,
        });
        payload = verified.payload as Record<string, unknown>;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ERR_JWT_EXPIRED') throw unauthorized('The token has expired');
        throw unauthorized('The token is not valid (bad signature, algorithm, issuer or audience)');
      }
      const tenant = payload[opts.tenantClaim];
      if (typeof tenant !== 'string' || !TENANT_ID.test(tenant)) {
        throw unauthorized(`The token has no valid "${opts.tenantClaim}" claim naming the tenant`);
      }
      return tenant;
    },
  };
}

/** Issues an HS256 token (the development token printed at start-up, and tests). */
export async function signToken(
  secret: string,
  claims: Record<string, unknown>,
  opts: { expiresIn?: string | number; issuer?: string; audience?: string } = {},
): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  if (opts.expiresIn !== undefined) jwt = jwt.setExpirationTime(opts.expiresIn);
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt = jwt.setAudience(opts.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
