/**
 * Signs SCA receipts: compact JWS (ES256) over the receipt claims, with the key id in the protected header, and
 * publishes the public keys that verify them (a JWKS). On AWS an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY)
 * signs; locally a key generated at start.
 */
export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

export interface ReceiptSigner {
  /**
   * A compact JWS `header.payload.signature`, header `{"alg":"ES256","typ":"JWT","kid":…}`. The signer adds `iss`,
   * naming the service and the stage (`phone-security:<account>:<region>:<stack>`, with `:sandbox` on a stage that
   * accepts the sandbox number; `phone-security:local` locally), so a verifier can refuse another stage's receipts.
   */
  sign(claims: Record<string, unknown>): Promise<string>;
  /** The keys a verifier needs, for the JWKS route. */
  publicKeys(): Promise<PublicJwk[]>;
}
