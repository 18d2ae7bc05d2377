/**
 * `npm run device -- <command>`: a pretend phone for the local server (`npm start`), built on
 * shared/devices/device-client.ts.
 *   bind --person <id> [--name <name>] [--purpose unrestricted|restricted]
 *       new P-256 key, bind it (OTP read from /_local/sms), key saved under .local/devices/<device id>.json
 *   sign --device <id> [--purpose unrestricted|restricted]
 *       start a device challenge, sign it, answer it
 *   sign --device <id> --string <text>
 *       only print the DER hex signature of <text> (e.g. a change request's string_to_sign)
 *   pay --device <id> --authorization <id> [--yes]
 *       read a payment authorization's string_to_sign, show amount and payee, and (after y, or with --yes) sign it
 *       and confirm; prints the confirmation with its receipt
 * A partner token comes from the development issuer (as `npm run token -- --partner`).
 * --url (default http://127.0.0.1:3000) must be a loopback address: this is a local demo, it keeps a private key
 * in a file.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { DEV_ISSUER_KEY_FILE, DevIssuer } from '#shared/auth/dev-issuer.ts';
import { loadAuthScopes } from '#shared/config.ts';
import {
  type Api,
  bind,
  type CryptoKey,
  generateDeviceKey,
  signChallenge,
  signHex,
  signPaymentAuthorization,
} from '#shared/devices/device-client.ts';
import { fail, parseCli, runCli, UsageError } from './cli.ts';

const USAGE = `usage: npm run -s device -- <command> [--url http://127.0.0.1:3000]
A pretend phone for the local server (npm start). Commands:
  bind --person <id> [--name <name>] [--purpose unrestricted|restricted]
      new P-256 key, bound through the SMS OTP (read from /_local/sms); prints device_id, key_id, key_file
  sign --device <id> [--purpose unrestricted|restricted]
      start a device challenge, sign it and answer it
  sign --device <id> --string <text>
      only print the DER hex signature of <text> (a change request's string_to_sign)
  pay --device <id> --authorization <id> [--yes]
      show a payment authorization's amount and payee, and after y (or with --yes) sign and confirm it
--url must be a loopback address (default http://127.0.0.1:3000): the key is kept in .local/devices/.`;

const { positionals, values } = parseCli({
  usage: USAGE,
  allowPositionals: true,
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    person: { type: 'string' },
    device: { type: 'string' },
    name: { type: 'string', default: 'Reference device' },
    purpose: { type: 'string', default: 'unrestricted' },
    string: { type: 'string' },
    authorization: { type: 'string' },
    yes: { type: 'boolean', default: false },
  },
});

const url = URL.parse(values.url);
if (!url || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
  fail(`--url must point at the local server (http://127.0.0.1:PORT), not ${values.url}`);
}
if (values.purpose !== 'unrestricted' && values.purpose !== 'restricted') {
  fail('--purpose must be unrestricted or restricted');
}
const purpose = values.purpose;
// The partner's backend would call the API with its client-credentials token; locally the development issuer mints
// one (the same key file `npm start` and `npm run token` use).
const issuer = await DevIssuer.create({ keyFile: DEV_ISSUER_KEY_FILE, scopes: loadAuthScopes() });
const api: Api = { baseUrl: url.origin, token: await issuer.mint({ kind: 'partner' }) };
const DIR = join('.local', 'devices');
const keyFile = (deviceId: string) => join(DIR, `${deviceId.replace(/[^0-9a-f-]/gi, '')}.json`);

async function loadPrivateKey(deviceId: string): Promise<CryptoKey> {
  if (!existsSync(keyFile(deviceId))) throw new UsageError(`no key saved for device ${deviceId} in ${DIR}`);
  const saved = JSON.parse(readFileSync(keyFile(deviceId), 'utf8'));
  const jwk = saved.keys[purpose];
  if (!jwk) throw new UsageError(`no ${purpose} key saved for device ${deviceId}`);
  return crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
}

const [command] = positionals;
await runCli(async () => {
  if (command === 'bind' && values.person) {
    // Extractable only because this demo keeps the key in a file; a phone keeps it in secure hardware.
    const keys = await generateDeviceKey(true);
    const device = await bind(api, {
      personId: values.person,
      name: values.name,
      keys,
      keyPurpose: purpose,
    });
    mkdirSync(DIR, { recursive: true });
    const jwk = await crypto.subtle.exportKey('jwk', keys.privateKey);
    writeFileSync(keyFile(device.deviceId), JSON.stringify({ ...device, keys: { [purpose]: jwk } }), {
      mode: 0o600,
    });
    console.log(
      JSON.stringify({
        device_id: device.deviceId,
        key_id: device.keyId,
        key_file: keyFile(device.deviceId),
      }),
    );
  } else if (command === 'sign' && values.device && values.string !== undefined) {
    console.log(await signHex(await loadPrivateKey(values.device), values.string));
  } else if (command === 'sign' && values.device) {
    const privateKey = await loadPrivateKey(values.device);
    const challengeId = await signChallenge(api, {
      deviceId: values.device,
      privateKey,
      keyPurpose: purpose,
    });
    console.log(JSON.stringify({ challenge_id: challengeId, status: 'completed' }));
  } else if (command === 'pay' && values.device && values.authorization) {
    const privateKey = await loadPrivateKey(values.device);
    const result = await signPaymentAuthorization(api, {
      authorizationId: values.authorization,
      privateKey,
      approve: async (prompt) => {
        console.log(prompt);
        if (values.yes) return true;
        const prompter = createInterface({ input: process.stdin, output: process.stdout });
        try {
          return /^y(es)?$/i.test((await prompter.question('[y/N] ')).trim());
        } finally {
          prompter.close();
        }
      },
    });
    console.log(
      result.confirmed ? JSON.stringify(result.confirmed, null, 2) : 'declined: nothing was signed',
    );
  } else {
    throw new UsageError(
      'usage: npm run device -- bind --person <id> | sign --device <id> [--string <text>] | pay --device <id> --authorization <id> [--yes]',
    );
  }
});
