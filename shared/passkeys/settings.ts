/**
 * The relying party passkeys are bound to: its RP ID (a registrable domain; WebAuthn refuses IP addresses) and the
 * origins whose client data is accepted. Read once per cold start; a malformed value fails it, naming the variable.
 *
 * - `WEBAUTHN_RP_ID`: the bank's domain, e.g. `bank.example` (`localhost` in local mode).
 * - `WEBAUTHN_RP_NAME`: what the authenticator shows as the service's name (default: the RP ID).
 * - `WEBAUTHN_ORIGINS`: comma-separated. Web origins (`https://…`, or `http://localhost:<port>` for local runs), and
 *   Android app origins `android:apk-key-hash:<base64url SHA-256 of the signing certificate>`. An iOS app's passkeys
 *   carry the https origin of its associated domain, so it needs no entry of its own.
 *
 * Unset `WEBAUTHN_RP_ID` leaves passkeys off: their routes answer 409 `passkeys_not_configured`.
 */
export interface PasskeySettings {
  rpId: string;
  rpName: string;
  origins: readonly string[];
}

const RP_ID = /^(?=.{1,253}$)(localhost|([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})$/;
const WEB_ORIGIN = /^https:\/\/[a-z0-9.-]+(:\d{1,5})?$/;
const LOCAL_ORIGIN = /^http:\/\/localhost(:\d{1,5})?$/;
const ANDROID_ORIGIN = /^android:apk-key-hash:[A-Za-z0-9_-]{43}$/;

export const isAcceptableOrigin = (origin: string) =>
  WEB_ORIGIN.test(origin) || LOCAL_ORIGIN.test(origin) || ANDROID_ORIGIN.test(origin);

/** The passkey settings, or undefined when passkeys are off; throws naming every malformed variable. */
export function passkeySection(env: NodeJS.ProcessEnv = process.env): PasskeySettings | undefined {
  const rpId = env.WEBAUTHN_RP_ID?.trim();
  if (!rpId) return undefined;
  const problems: string[] = [];
  if (!RP_ID.test(rpId)) problems.push('WEBAUTHN_RP_ID: must be a domain name (not an IP address)');
  const origins = (env.WEBAUTHN_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (origins.length === 0) problems.push('WEBAUTHN_ORIGINS: is required when WEBAUTHN_RP_ID is set');
  for (const origin of origins) {
    if (!isAcceptableOrigin(origin)) {
      problems.push(
        `WEBAUTHN_ORIGINS: ${origin} is not an https origin, http://localhost, or android:apk-key-hash:<hash>`,
      );
    } else if (/^https?:/.test(origin)) {
      // A web origin must lie within the RP ID's domain, or no browser would ever produce it for this RP.
      const host = new URL(origin).hostname;
      if (host !== rpId && !host.endsWith(`.${rpId}`)) {
        problems.push(`WEBAUTHN_ORIGINS: ${origin} is not within the RP ID ${rpId}`);
      }
    }
  }
  const rpName = env.WEBAUTHN_RP_NAME?.trim() || rpId;
  if (rpName.length > 64) problems.push('WEBAUTHN_RP_NAME: must be at most 64 characters');
  if (problems.length > 0) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return { rpId, rpName, origins };
}
