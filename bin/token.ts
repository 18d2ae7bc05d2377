/**
 * `npm run token -- --partner`, `npm run token -- --operator` or `npm run token -- --user <person_id>`: prints a bearer token that the local server
 * (`npm start`) accepts. Both use the development issuer's key in .local/dev-issuer-key.json, created by whichever
 * runs first. DEVELOPMENT ONLY: the deployed stack trusts Cognito (or the configured issuer), never this key.
 *   --expires-in SECONDS   lifetime (default 3600)
 */
import { parseArgs } from 'node:util';
import { DEV_ISSUER_KEY_FILE, DevIssuer } from '#shared/auth/dev-issuer.ts';
import { loadAuthScopes } from '#shared/config.ts';

const { values } = parseArgs({
  options: {
    partner: { type: 'boolean', default: false },
    operator: { type: 'boolean', default: false },
    user: { type: 'string' },
    'expires-in': { type: 'string', default: '3600' },
  },
});

if ([values.partner, values.operator, values.user !== undefined].filter(Boolean).length !== 1) {
  console.error('usage: npm run token -- --partner | --operator | --user <person_id> [--expires-in SECONDS]');
  process.exit(2);
}
const expiresIn = Number(values['expires-in']);
if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 86_400) {
  console.error('--expires-in must be a whole number of seconds between 1 and 86400');
  process.exit(2);
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
