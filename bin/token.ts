/**
 * `npm run token -- --partner`, `npm run token -- --operator` or `npm run token -- --user <person_id>`: prints a bearer token that the local server
 * (`npm start`) accepts. Both use the development issuer's key in .local/dev-issuer-key.json, created by whichever
 * runs first. DEVELOPMENT ONLY: the deployed stack trusts Cognito (or the configured issuer), never this key.
 *   --expires-in SECONDS   lifetime (default 3600)
 */
import { DEV_ISSUER_KEY_FILE, DevIssuer } from '#shared/auth/dev-issuer.ts';
import { loadAuthScopes } from '#shared/config.ts';
import { fail, parseCli } from './cli.ts';

const USAGE = `usage: npm run -s token -- --partner | --operator | --user <person_id> [--expires-in SECONDS]
Prints a bearer token that the local server (npm start) accepts, from the development issuer.
  --partner              partner API token (scope phone-security/partner), for /v1/...
  --operator             operator API token (scope phone-security/operator), for /v1/operator/...
  --user <person_id>     end-user API token for that person (scope phone-security/user), for /auth/v1/...
  --expires-in SECONDS   lifetime, 1 to 86400 (default 3600)`;

const { values } = parseCli({
  usage: USAGE,
  options: {
    partner: { type: 'boolean', default: false },
    operator: { type: 'boolean', default: false },
    user: { type: 'string' },
    'expires-in': { type: 'string', default: '3600' },
  },
});

if ([values.partner, values.operator, values.user !== undefined].filter(Boolean).length !== 1) {
  fail('name exactly one of --partner, --operator or --user <person_id> (--help for usage)');
}
const expiresIn = Number(values['expires-in']);
if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 86_400) {
  fail('--expires-in must be a whole number of seconds between 1 and 86400');
}

const issuer = await DevIssuer.create({ keyFile: DEV_ISSUER_KEY_FILE, scopes: loadAuthScopes() });
const token = await issuer.mint(
  values.user !== undefined
    ? { kind: 'user', personId: values.user }
    : values.operator
      ? { kind: 'operator' }
      : { kind: 'partner' },
  { expiresIn },
);
console.log(token);
