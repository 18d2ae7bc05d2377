import { webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { Claims } from './caller.ts';

/**
 * The development issuer: local mode's stand-in for Cognito (or any OIDC provider). DEVELOPMENT ONLY: anyone who can
 * read its key file can mint tokens for any person. It never exists in the deployed stack.
 *
 * RS256 only: it is what API Gateway's JWT authorizer accepts, and pinning one asymmetric algorithm on both sides
 * rules out `alg: none` and the HS256-with-the-public-key confusion.
 */
export const DEV_ISSUER = 'urn:phone-security:dev-issuer';
export const DEV_AUDIENCE = 'phone-security-local';
export const ALGORITHM = 'RS256';
/** Where `npm start` and `npm run token` keep the development issuer's private key. */
export const DEV_ISSUER_KEY_FILE = '.local/dev-issuer-key.json';
/** Tokens live an hour, like Cognito's default access tokens. */
export const DEFAULT_TOKEN_SECONDS = 3600;

export interface Scopes {
  partnerScope: string;
  userScope: string;
  operatorScope: string;
}

export type TokenRequest =
  | { kind: 'partner'; clientId?: string }
  | { kind: 'user'; personId: string }
  | { kind: 'operator'; clientId?: string }
  | { kind: 'custom'; subject?: string; scope?: string };

export interface MintOptions {
  /** Seconds from now; negative mints an already expired token. */
  expiresIn?: number;
  /** Seconds from now before which the token is not valid. */
  notBefore?: number;
  audience?: string;
  issuer?: string;
  /** Extra or replaced claims. */
  claims?: JWTPayload;
}

const clientIdOf = (request: TokenRequest) =>
  request.kind === 'partner'
    ? (request.clientId ?? 'local-partner')
    : request.kind === 'operator'
      ? (request.clientId ?? 'local-operator')
      : undefined;

export class DevIssuer {
  private constructor(
    private readonly privateKey: webcrypto.CryptoKey,
    private readonly publicJwk: JWK,
    private readonly scopes: Scopes,
    private readonly now: () => Date,
  ) {}

  /** A fresh key pair for this process (tests), or the one kept in `keyFile`, created there on first use. */
  static async create(options: { keyFile?: string; scopes: Scopes; now?: () => Date }): Promise<DevIssuer> {
    const privateJwk = options.keyFile ? await loadOrCreateKey(options.keyFile) : await newPrivateJwk();
    const privateKey = (await importJWK(privateJwk, ALGORITHM)) as webcrypto.CryptoKey;
    const { kty, n, e, kid } = privateJwk;
    const publicJwk: JWK = { kty, n, e, kid, alg: ALGORITHM, use: 'sig' } as JWK;
    return new DevIssuer(privateKey, publicJwk, options.scopes, options.now ?? (() => new Date()));
  }

  get issuer() {
    return DEV_ISSUER;
  }

  get audience() {
    return DEV_AUDIENCE;
  }

  /** The public key set, served at `/.well-known/jwks.json`. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /**
   * A signed access token. Partner tokens look like Cognito client-credentials tokens (subject and `client_id` are
   * the client, scope the partner scope); user tokens carry the person id as subject and the user scope.
   */
  async mint(request: TokenRequest, options: MintOptions = {}): Promise<string> {
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    const clientId = clientIdOf(request);
    const subject =
      request.kind === 'partner' || request.kind === 'operator'
        ? clientId
        : request.kind === 'user'
          ? request.personId
          : request.subject;
    const scope =
      request.kind === 'partner'
        ? this.scopes.partnerScope
        : request.kind === 'user'
          ? this.scopes.userScope
          : request.kind === 'operator'
            ? this.scopes.operatorScope
            : request.scope;
    const payload: JWTPayload = {
      ...(scope !== undefined ? { scope } : {}),
      ...(clientId ? { client_id: clientId } : {}),
      token_use: 'access',
      ...options.claims,
    };
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: ALGORITHM, kid: this.publicJwk.kid!, typ: 'JWT' })
      .setIssuer(options.issuer ?? DEV_ISSUER)
      .setAudience(options.audience ?? DEV_AUDIENCE)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + (options.expiresIn ?? DEFAULT_TOKEN_SECONDS))
      .setJti(webcrypto.randomUUID());
    if (subject !== undefined) jwt.setSubject(subject);
    if (options.notBefore !== undefined) jwt.setNotBefore(nowSeconds + options.notBefore);
    return jwt.sign(this.privateKey);
  }
}

async function newPrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  jwk.kid = await calculateJwkThumbprint(jwk);
  jwk.alg = ALGORITHM;
  return jwk;
}

/** Several processes (the server and `npm run token`) may race to create the key: the first writer wins. */
async function loadOrCreateKey(file: string): Promise<JWK> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true });
  const jwk = await newPrivateJwk();
  try {
    await writeFile(file, JSON.stringify(jwk), { mode: 0o600, flag: 'wx' });
    return jwk;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(await readFile(file, 'utf8')) as JWK;
  }
}

export type Verdict = { ok: true; claims: Claims } | { ok: false; tokenPresented: boolean; reason: string };

/** Claims as API Gateway passes them to a Lambda: strings, arrays as `[a b]`, objects as JSON. */
function flatten(payload: JWTPayload): Claims {
  const claims: Claims = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'string') claims[name] = value;
    else if (Array.isArray(value)) claims[name] = `[${value.join(' ')}]`;
    else if (typeof value === 'object') claims[name] = JSON.stringify(value);
    else claims[name] = String(value);
  }
  return claims;
}

/**
 * The local gateway's JWT authorizer, doing what API Gateway's does for an HTTP API route:
 * 1. Take the token from the Authorization header (with or without the `Bearer` prefix).
 * 2. Check the algorithm (RS256 only) and the signature with the key the `kid` names in the issuer's key set.
 * 3. Check `iss`, `aud` (or `client_id` when there is no `aud`), `exp` (required), `nbf` and `iat`.
 * Scopes are left to the handler pipeline, which answers 403 in the route's own error shape.
 */
export class LocalJwtAuthorizer {
  private readonly keySet: ReturnType<typeof createLocalJWKSet>;

  constructor(
    jwks: { keys: JWK[] },
    private readonly issuer: string,
    private readonly audiences: readonly string[],
    private readonly now: () => Date,
  ) {
    this.keySet = createLocalJWKSet(jwks);
  }

  async verify(authorization: string | undefined): Promise<Verdict> {
    const token = authorization?.trim().replace(/^Bearer\s+/i, '');
    if (!token) return { ok: false, tokenPresented: false, reason: 'A bearer token is required.' };
    try {
      const currentDate = this.now();
      const { payload } = await jwtVerify(token, this.keySet, {
        algorithms: [ALGORITHM],
        issuer: this.issuer,
        requiredClaims: ['exp'],
        currentDate,
      });
      const audiences =
        payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined;
      const accepted =
        audiences.length > 0
          ? audiences.some((aud) => this.audiences.includes(aud))
          : clientId !== undefined && this.audiences.includes(clientId);
      if (!accepted)
        return { ok: false, tokenPresented: true, reason: 'The token is not meant for this API.' };
      if (payload.iat !== undefined && payload.iat > Math.floor(currentDate.getTime() / 1000)) {
        return { ok: false, tokenPresented: true, reason: 'The token was issued in the future.' };
      }
      return { ok: true, claims: flatten(payload) };
    } catch {
      // The reason stays in the server: telling a caller which check failed helps only an attacker.
      return { ok: false, tokenPresented: true, reason: 'The token is invalid or expired.' };
    }
  }
}
