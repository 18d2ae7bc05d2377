import { createServer, type Server } from 'node:http';
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchChromium } from '../support/browser.ts';
import { uniqueGermanNumber } from '../support/devices.ts';
import { type Fixture, startService, uniquePerson } from '../support/fixture.ts';

/**
 * The passkey reference client (/console/passkeys.html) in Debian's Chromium with the DevTools Protocol's virtual
 * authenticator (CTAP2, internal transport, user verification) and Secure Payment Confirmation auto-accepted
 * (`Page.setSPCTransactionMode`). Chromium ships SPC on Linux switched off: the Blink feature answers "payment method
 * not supported", and without the browser-side feature the browser kills the renderer for a bad Mojo message
 * ("If the SPC feature is disabled, secure_payment_confirmation must be null"). Both are switched on here.
 */
const SPC_SWITCHES = [
  '--enable-blink-features=SecurePaymentConfirmation',
  '--enable-features=SecurePaymentConfirmation,SecurePaymentConfirmationBrowser',
];
const skipReason = browserSkipReason();

/** What the tests ask the page to do with the authenticator: a WebAuthn assertion, and an SPC one. */
const PAGE_HELPERS = `
  const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  window.testAssertion = async ({ challenge, credential, userVerification }) =>
    (await navigator.credentials.get({
      publicKey: {
        challenge: bytes(challenge),
        rpId: 'localhost',
        allowCredentials: [{ id: bytes(credential), type: 'public-key' }],
        userVerification,
      },
    })).toJSON();
  window.testSpc = async ({ spc, value }) => {
    const request = new PaymentRequest(
      [{
        supportedMethods: 'secure-payment-confirmation',
        data: {
          credentialIds: [bytes(spc.credential_id)],
          challenge: bytes(spc.challenge),
          rpId: 'localhost',
          payeeName: spc.payee_name,
          instrument: { displayName: 'Passkey', icon: location.origin + '/console/favicon.svg', iconMustBeShown: false },
        },
      }],
      { total: { label: 'Total', amount: { currency: 'EUR', value } } },
    );
    const response = await request.show();
    await response.complete('success');
    return response.details.toJSON();
  };
`;
const errorCode = (response: { body: { errors: Array<{ code: string }> } }) => response.body.errors[0]!.code;

describe.skipIf(skipReason)(
  `passkey reference client in Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let f: Fixture;
    let chromium: Awaited<ReturnType<typeof launchChromium>>;
    let page: Page;
    let cdp: CDPSession;
    let authenticatorId: string;
    let elsewhere: Server;
    const offLoopback: string[] = [];
    const problems: string[] = [];
    let person: string;
    let deviceId: string;
    let credentialId: string;

    const origin = () => `http://localhost:${f.port}`;

    beforeAll(async () => {
      f = await startService({ env: { EVENT_RELAY_POLL_MS: '50' } });
      // Another origin on this machine, for an assertion the service must refuse (its origin is not allowed).
      elsewhere = createServer((_request, response) => {
        response
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!doctype html><title>elsewhere</title>');
      });
      await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
      chromium = await launchChromium({ viewport: { width: 1100, height: 900 }, args: SPC_SWITCHES });
      const { context } = chromium;
      await context.route('**/*', (route) => {
        const { hostname, protocol } = new URL(route.request().url());
        if (protocol === 'http:' && (hostname === 'localhost' || hostname === '127.0.0.1')) {
          return route.continue();
        }
        offLoopback.push(route.request().url());
        return route.abort('blockedbyclient');
      });
      context.on('weberror', (error) => problems.push(`page error: ${error.error().message}`));
      await context.addInitScript({ content: PAGE_HELPERS });
      page = context.pages()[0] ?? (await context.newPage());
      cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      }));
      await cdp.send('Page.setSPCTransactionMode', { mode: 'autoAccept' });
    }, 120_000);

    afterAll(async () => {
      await chromium?.close();
      await new Promise((resolve) => elsewhere?.close(resolve));
      await f?.close();
    });

    const statusIs = async (text: string) => {
      try {
        await page.locator('#status').filter({ hasText: text }).waitFor({ timeout: 20_000 });
      } catch (error) {
        throw new Error(`status "${await page.textContent('#status')}" never said "${text}"`, {
          cause: error,
        });
      }
    };

    /** An assertion from the virtual authenticator, made by the page (as `navigator.credentials.get` answers). */
    const assertion = (challenge: string, credential: string, userVerification = 'required') =>
      // biome-ignore lint/suspicious/noExplicitAny: the page answers PublicKeyCredential.toJSON()
      page.evaluate<any>(
        `window.testAssertion(${JSON.stringify({ challenge, credential, userVerification })})`,
      );

    const deviceChallenge = async () => {
      const started = await f.partner().post('/v1/mfa/challenges/devices', { device_id: deviceId });
      expect(started.status).toBe(201);
      return started.body as { id: string; string_to_sign: string; webauthn: { challenge: string } };
    };
    const answer = (id: string, webauthn: unknown) =>
      f.partner().put(`/v1/mfa/challenges/devices/${id}`, { webauthn });

    it('binds a passkey and approves payments with SPC and WebAuthn; the receipts verify', async () => {
      person = uniquePerson();
      const number = uniqueGermanNumber();
      await page.goto(`${origin()}/console/passkeys.html`);
      await page.fill('#person', person);
      await page.fill('#number', number);
      await page.click('#number-form button');
      await statusIs('Code sent');
      await page.fill('#number-code', await f.lastSms(number));
      await page.click('#number-confirm button');
      await statusIs('Number verified.');

      await page.click('#passkey-form button');
      await statusIs('Code sent');
      await page.fill('#passkey-code', await f.lastSms(number));
      await page.click('#passkey-confirm button');
      await statusIs('Passkey bound');
      const device = JSON.parse((await page.textContent('#passkey-device'))!);
      expect(device).toMatchObject({ status: 'active', person_id: person, device_type: 'passkey' });
      expect(device.passkey.transports).toContain('internal');
      expect(device.passkey.aaguid).toMatch(/^[0-9a-f-]{36}$/);
      deviceId = device.id;
      credentialId = device.passkey.credential_id;
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      expect(credentials.map((c) => Buffer.from(c.credentialId, 'base64').toString('base64url'))).toContain(
        credentialId,
      );

      for (const [button, spc] of [
        ['#approve-spc', true],
        ['#approve-webauthn', false],
      ] as const) {
        await page.click('#payment-form button');
        await statusIs('awaits approval');
        await page.click(button);
        await statusIs('Payment approved; the receipt verifies.');
        const result = JSON.parse((await page.textContent('#payment-result'))!);
        expect(result).toMatchObject({
          status: 'COMPLETED',
          receipt_verified: true,
          claims: {
            method: 'passkey',
            credential_id: credentialId,
            spc,
            device_id: deviceId,
            amount: 1250,
            currency: 'EUR',
            payee: { name: 'Müller Bäckerei GmbH', iban: 'DE89370400440532013000' },
          },
        });
        const stored = await f.partner().get(`/v1/payment_authorizations/${result.claims.jti}`);
        expect(stored.body.status).toBe('COMPLETED');
      }
      expect(problems).toEqual([]);
    }, 120_000);

    it('refuses a replayed assertion, one for another challenge, and one without user verification', async () => {
      const first = await deviceChallenge();
      const signed = await assertion(first.webauthn.challenge, credentialId);
      expect((await answer(first.id, signed)).status).toBe(204);
      const replayed = await answer(first.id, signed);
      expect([replayed.status, errorCode(replayed)]).toEqual([403, 'challenge_used']);

      const other = await deviceChallenge();
      const target = await deviceChallenge();
      const crossed = await answer(target.id, await assertion(other.webauthn.challenge, credentialId));
      expect([crossed.status, errorCode(crossed)]).toEqual([403, 'invalid_signature']);

      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
      try {
        const unverified = await assertion(target.webauthn.challenge, credentialId, 'discouraged');
        const refused = await answer(target.id, unverified);
        expect([refused.status, errorCode(refused)]).toEqual([403, 'invalid_signature']);
      } finally {
        await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
      }
      expect((await answer(target.id, await assertion(target.webauthn.challenge, credentialId))).status).toBe(
        204,
      );
    }, 60_000);

    it('refuses an SPC assertion that showed another amount, and one for another payment', async () => {
      const open = async () =>
        (
          await f.partner().post(`/v1/persons/${person}/payment_authorizations`, {
            amount: { value: 990, currency: 'EUR' },
            payee: { name: 'Corner Shop', iban: 'DE89370400440532013000' },
            method: 'device_signing',
            device_id: deviceId,
          })
        ).body;
      const payment = await open();
      const spcWith = (
        spc: { challenge: string; credential_id: string; payee_name: string },
        value: string,
      ) => page.evaluate(`window.testSpc(${JSON.stringify({ spc, value })})`);
      await page.click('h1'); // a user activation for PaymentRequest.show()
      const inflated = await spcWith(payment.webauthn, '99.00');
      const refused = await f.partner().post(`/v1/payment_authorizations/${payment.id}/confirm`, {
        webauthn: inflated,
      });
      expect([refused.status, errorCode(refused)]).toEqual([403, 'invalid_signature']);
      const another = await open();
      await page.click('h1');
      const forFirst = await spcWith(payment.webauthn, '9.90');
      const crossed = await f.partner().post(`/v1/payment_authorizations/${another.id}/confirm`, {
        webauthn: forFirst,
      });
      expect([crossed.status, errorCode(crossed)]).toEqual([403, 'invalid_signature']);
      const right = await f.partner().post(`/v1/payment_authorizations/${payment.id}/confirm`, {
        webauthn: forFirst,
      });
      expect([right.status, right.body.status]).toEqual([201, 'COMPLETED']);
    }, 60_000);

    it("refuses another person's passkey, a counter that went backwards, and an assertion from another origin", async () => {
      // A second person's passkey in the same authenticator.
      const stranger = await f.createVerifiedNumber(uniqueGermanNumber());
      const started = await f.partner().post('/v1/mfa/passkeys/registrations', {
        person_id: stranger.person,
        name: 'Stranger',
      });
      const path = `/v1/mfa/passkeys/registrations/${started.body.id}`;
      const options = await f.partner().post(`${path}/options`, { tan: await f.lastSms(stranger.number) });
      const registration = await page.evaluate(
        `SimpleWebAuthnBrowser.startRegistration({ optionsJSON: ${JSON.stringify(options.body)} })`,
      );
      const strangerDevice = await f.partner().put(path, { credential: registration });
      expect(strangerDevice.status).toBe(201);
      const challenge = await deviceChallenge();
      const foreign = await answer(
        challenge.id,
        await assertion(challenge.webauthn.challenge, strangerDevice.body.passkey.credential_id),
      );
      expect([foreign.status, errorCode(foreign)]).toEqual([403, 'invalid_signature']);

      // A clone: the same private key, its counter back at 0.
      const { credential } = await cdp.send('WebAuthn.getCredential', {
        authenticatorId,
        credentialId: Buffer.from(credentialId, 'base64url').toString('base64'),
      });
      expect(credential.signCount).toBeGreaterThan(1);
      await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: credential.credentialId });
      await cdp.send('WebAuthn.addCredential', {
        authenticatorId,
        credential: { ...credential, signCount: 0 },
      });
      const cloned = await answer(challenge.id, await assertion(challenge.webauthn.challenge, credentialId));
      expect([cloned.status, errorCode(cloned)]).toEqual([403, 'invalid_signature']);
      await f.event('PASSKEY_COUNTER_REGRESSED', (data) => data.device_id === deviceId);
      await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: credential.credentialId });
      await cdp.send('WebAuthn.addCredential', {
        authenticatorId,
        credential: { ...credential, signCount: 1000 },
      });

      // The same passkey, asked from another origin of this machine: the browser signs, the service refuses.
      const fresh = await deviceChallenge();
      const port = (elsewhere.address() as { port: number }).port;
      await page.goto(`http://localhost:${port}/`);
      const fromElsewhere = await assertion(fresh.webauthn.challenge, credentialId);
      expect(
        JSON.parse(Buffer.from(fromElsewhere.response.clientDataJSON, 'base64url').toString()).origin,
      ).toBe(`http://localhost:${port}`);
      const refused = await answer(fresh.id, fromElsewhere);
      expect([refused.status, errorCode(refused)]).toEqual([403, 'invalid_signature']);
      // The browser itself refuses an RP ID that is not the page's domain (the service refuses one too: e2e tests).
      const otherRp = await page.evaluate(
        `navigator.credentials.get({ publicKey: { challenge: new Uint8Array(32), rpId: 'evil.example' } })
          .then(() => 'signed', (error) => error.name)`,
      );
      expect(otherRp).toBe('SecurityError');
      await page.goto(`${origin()}/console/passkeys.html`);
      expect((await answer(fresh.id, await assertion(fresh.webauthn.challenge, credentialId))).status).toBe(
        204,
      );
      expect(offLoopback).toEqual([]);
    }, 90_000);
  },
);
