// The passkey reference client: what a bank's web app does with the partner API (here straight from the page, with a
// development token; a bank calls the API from its backend). Binds a passkey, approves a payment with Secure Payment
// Confirmation (or a plain WebAuthn assertion), and verifies the signed receipt against the service's key set.
const $ = (id) => document.getElementById(id);
const state = { registration: undefined, device: undefined, payment: undefined };
let partnerToken;

const status = (text, failed = false) => {
  $('status').textContent = text;
  $('status').dataset.state = failed ? 'error' : 'ok';
};

async function token() {
  if (partnerToken && partnerToken.expires > Date.now() + 60_000) return partnerToken.value;
  const response = await fetch('/_local/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'partner' }),
  });
  const body = await response.json();
  partnerToken = { value: body.token, expires: new Date(body.expires_at).getTime() };
  return partnerToken.value;
}

/** A partner API call; answers the body, or throws the API's error detail. */
async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${await token()}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = new Error(json?.errors?.[0]?.detail ?? `${method} ${path} answered ${response.status}`);
    error.code = json?.errors?.[0]?.code;
    throw error;
  }
  return json;
}

const bytes = (base64url) => {
  const text = atob(base64url.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
};

const person = () => $('person').value.trim();
const number = () => $('number').value.trim();

/** Runs one step, showing what it did or why it failed. */
const step = (run) => async (event) => {
  event?.preventDefault();
  try {
    status(await run());
  } catch (error) {
    status(`${error.code ? `${error.code}: ` : ''}${error.message}`, true);
  }
};

$('number-form').addEventListener(
  'submit',
  step(async () => {
    try {
      await api('POST', `/v1/persons/${encodeURIComponent(person())}/mobile_number`, { number: number() });
    } catch (error) {
      if (error.code !== 'mobile_number_exists') throw error;
    }
    await api('POST', `/v1/persons/${encodeURIComponent(person())}/mobile_number/authorize`, {
      number: number(),
    });
    return 'Code sent: see the SMS tab of the local console.';
  }),
);

$('number-confirm').addEventListener(
  'submit',
  step(async () => {
    await api('POST', `/v1/persons/${encodeURIComponent(person())}/mobile_number/confirm`, {
      number: number(),
      token: $('number-code').value.trim(),
    });
    return 'Number verified.';
  }),
);

$('passkey-form').addEventListener(
  'submit',
  step(async () => {
    state.registration = await api('POST', '/v1/mfa/passkeys/registrations', {
      person_id: person(),
      name: $('passkey-name').value.trim(),
    });
    return 'Code sent: enrolling a passkey starts with an SMS code (strong customer authentication).';
  }),
);

$('passkey-confirm').addEventListener(
  'submit',
  step(async () => {
    if (!state.registration) throw new Error('Send the code first.');
    const path = `/v1/mfa/passkeys/registrations/${state.registration.id}`;
    const optionsJSON = await api('POST', `${path}/options`, { tan: $('passkey-code').value.trim() });
    const credential = await SimpleWebAuthnBrowser.startRegistration({ optionsJSON });
    state.device = await api('PUT', path, { credential });
    $('passkey-device').textContent = JSON.stringify(state.device, null, 2);
    $('approve-spc').disabled = $('approve-webauthn').disabled = !state.payment;
    return `Passkey bound as device ${state.device.id}.`;
  }),
);

$('payment-form').addEventListener(
  'submit',
  step(async () => {
    if (!state.device) throw new Error('Bind a passkey first.');
    state.payment = await api('POST', `/v1/persons/${encodeURIComponent(person())}/payment_authorizations`, {
      amount: { value: Number($('amount').value), currency: $('currency').value.trim().toUpperCase() },
      payee: { name: $('payee-name').value.trim(), iban: $('payee-iban').value.replace(/\s+/g, '') },
      method: 'device_signing',
      device_id: state.device.id,
    });
    $('approve-spc').disabled = $('approve-webauthn').disabled = false;
    return `Payment ${state.payment.id} awaits approval.`;
  }),
);

/** Secure Payment Confirmation: the browser shows amount and payee, and signs them into the assertion. */
async function spcAssertion(spc) {
  const request = new PaymentRequest(
    [
      {
        supportedMethods: 'secure-payment-confirmation',
        data: {
          credentialIds: [bytes(spc.credential_id)],
          challenge: bytes(spc.challenge),
          rpId: location.hostname,
          payeeName: spc.payee_name,
          instrument: {
            displayName: 'Passkey',
            icon: new URL('/console/favicon.svg', location.href).href,
            iconMustBeShown: false,
          },
          timeout: 60_000,
        },
      },
    ],
    { total: { label: 'Total', amount: spc.total } },
  );
  const response = await request.show();
  await response.complete('success');
  return response.details.toJSON();
}

function webauthnAssertion(spc) {
  return SimpleWebAuthnBrowser.startAuthentication({
    optionsJSON: {
      challenge: spc.challenge,
      rpId: location.hostname,
      allowCredentials: [{ id: spc.credential_id, type: 'public-key' }],
      userVerification: 'required',
      timeout: 60_000,
    },
  });
}

/** Checks the receipt (compact JWS, ES256) against the service's published key set, as an auditor would. */
async function verifyReceipt(receipt) {
  const [header, payload, signature] = receipt.split('.');
  const { kid } = JSON.parse(new TextDecoder().decode(bytes(header)));
  const { keys } = await api('GET', '/v1/payment_authorizations/keys');
  const jwk = keys.find((key) => key.kid === kid);
  if (!jwk) return { verified: false, claims: undefined };
  const key = await crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'verify',
  ]);
  const verified = await crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    key,
    bytes(signature),
    new TextEncoder().encode(`${header}.${payload}`),
  );
  return { verified, claims: JSON.parse(new TextDecoder().decode(bytes(payload))) };
}

const approve = (assertion) =>
  step(async () => {
    if (!state.payment) throw new Error('Open a payment first.');
    const webauthn = await assertion(state.payment.webauthn);
    const confirmed = await api('POST', `/v1/payment_authorizations/${state.payment.id}/confirm`, {
      webauthn,
    });
    const receipt = await verifyReceipt(confirmed.receipt);
    $('payment-result').textContent = JSON.stringify(
      { status: confirmed.status, receipt_verified: receipt.verified, claims: receipt.claims },
      null,
      2,
    );
    state.payment = undefined;
    $('approve-spc').disabled = $('approve-webauthn').disabled = true;
    return receipt.verified
      ? 'Payment approved; the receipt verifies.'
      : 'Payment approved, but the receipt does not verify.';
  });

$('approve-spc').addEventListener('click', approve(spcAssertion));
$('approve-webauthn').addEventListener('click', approve(webauthnAssertion));

if (typeof SimpleWebAuthnBrowser === 'undefined')
  status('@simplewebauthn/browser is not installed (npm ci).', true);
if (/^\d|^\[/.test(location.hostname))
  status('Open this page on http://localhost: WebAuthn refuses IP addresses.', true);
