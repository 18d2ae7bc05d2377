import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A software passkey authenticator for server-side tests: it builds registration and assertion responses the way a
 * platform authenticator and browser would (attestation `none`, ES256), and can be told to misbehave (another origin
 * or RP ID, no user verification, a counter of our choosing, SPC client data) so that every refusal can be shown.
 * The browser tests use Chromium's own virtual authenticator instead.
 */

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

const b64url = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

export interface Ceremony {
  origin?: string;
  rpId?: string;
  userVerified?: boolean;
}

export interface AssertionOptions extends Ceremony {
  /** The counter to report (default: one more than the last). */
  counter?: number;
  /** SPC: client data of type `payment.get` with this payment member. */
  payment?: Record<string, unknown>;
}

export class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly privateKey: KeyObject;
  private readonly publicJwk: { x: string; y: string };
  counter = 0;

  constructor(
    private readonly defaults: { origin: string; rpId: string },
    private readonly synced = true,
  ) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    const jwk = pair.publicKey.export({ format: 'jwk' });
    this.publicJwk = { x: jwk.x!, y: jwk.y! };
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  private flags(userVerified: boolean, attested: boolean) {
    return (
      FLAG_UP |
      (userVerified ? FLAG_UV : 0) |
      (this.synced ? FLAG_BE | FLAG_BS : 0) |
      (attested ? FLAG_AT : 0)
    );
  }

  private clientData(type: string, challenge: string, origin: string, extra: Record<string, unknown> = {}) {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false, ...extra }));
  }

  /** A registration response to WebAuthn creation options (as `PublicKeyCredential.toJSON()` gives it). */
  register(options: { challenge: string }, ceremony: Ceremony = {}) {
    const rpId = ceremony.rpId ?? this.defaults.rpId;
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(this.publicJwk.x, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(this.publicJwk.y, 'base64url'))],
      ]),
    );
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([this.flags(ceremony.userVerified ?? true, true)]),
      counter,
      Buffer.alloc(16),
      idLength,
      this.credentialId,
      Buffer.from(cose),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', new Uint8Array(authData)],
      ]) as never,
    );
    const clientDataJSON = this.clientData(
      'webauthn.create',
      options.challenge,
      ceremony.origin ?? this.defaults.origin,
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal', 'hybrid'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    };
  }

  /** An assertion over `challenge` (base64url), as `navigator.credentials.get` (or SPC) would answer. */
  assert(challenge: string, options: AssertionOptions = {}) {
    const rpId = options.rpId ?? this.defaults.rpId;
    this.counter = options.counter ?? this.counter + 1;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([this.flags(options.userVerified ?? true, false)]),
      counter,
    ]);
    const clientDataJSON = options.payment
      ? this.clientData('payment.get', challenge, options.origin ?? this.defaults.origin, {
          payment: options.payment,
        })
      : this.clientData('webauthn.get', challenge, options.origin ?? this.defaults.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    };
  }
}
