import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, launchChromium } from '../support/browser.ts';
import { type Fixture, startService } from '../support/fixture.ts';
import { startReceiver } from '../support/receiver.ts';

/**
 * The local console in a real browser (Debian's Chromium, driven by playwright-core): a flow through the API shows its
 * SMS, its event and its webhook deliveries on the open page without a reload, and the OTP copied from the page
 * confirms the number. `UPDATE_SCREENSHOTS=1` also writes the screenshots in docs/.
 */
const skipReason = browserSkipReason();

/** The page is no wider than the window: nothing makes it scroll sideways. */
async function fitsWidth(page: import('playwright-core').Page, where: string) {
  const widths = await page.evaluate<{ page: number; body: number; window: number }>(
    '({ page: document.documentElement.scrollWidth, body: document.body.scrollWidth, window: window.innerWidth })',
  );
  expect({ where, page: widths.page, body: widths.body }).toEqual({
    where,
    page: widths.window,
    body: widths.window,
  });
}
const shots = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs' : '.tmp';

describe.skipIf(skipReason)(
  `local console in Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let fixture: Fixture;
    let chromium: Awaited<ReturnType<typeof launchChromium>>;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    const offLoopback: string[] = [];
    const problems: string[] = [];
    const transferred = new Map<string, number>();

    beforeAll(async () => {
      fixture = await startService({
        env: { WEBHOOK_RETRY_BASE_SECONDS: '1', EVENT_RELAY_POLL_MS: '50' },
      });
      // The verification POST succeeds; the first delivery gets a 500, so the page shows a retry; the second a 200.
      receiver = await startReceiver((_request, index) => (index === 1 ? 500 : 200));
      chromium = await launchChromium({ viewport: { width: 1280, height: 800 } });
      const { context } = chromium;
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fixture.url });
      // Every request that is not to this machine's loopback is refused and remembered: the test asserts there are none.
      await context.route('**/*', (route) => {
        const { hostname, protocol } = new URL(route.request().url());
        if (protocol === 'http:' && hostname === '127.0.0.1') return route.continue();
        offLoopback.push(route.request().url());
        return route.abort('blockedbyclient');
      });
      context.on('weberror', (error) => problems.push(`page error: ${error.error().message}`));
    }, 120_000);

    afterAll(async () => {
      await chromium?.close();
      await receiver?.close();
      await fixture?.close();
    });

    it('shows SMS, events and deliveries live, copies the OTP that confirms, mints tokens and renders the API', async () => {
      const api = fixture.partner();
      const page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('requestfinished', async (request) => {
        const sizes = await request.sizes().catch(() => undefined);
        if (sizes) transferred.set(new URL(request.url()).pathname, sizes.responseBodySize);
      });

      await page.goto(`${fixture.url}/`);
      await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('live');
      await page.evaluate('window.notReloaded = true');
      const pageWeight = [...transferred.values()].reduce((sum, size) => sum + size, 0);

      // The flow, through the API only: a webhook subscription, then two persons get a verification SMS.
      const anna = `anna-${randomBytes(3).toString('hex')}`;
      const ben = `ben-${randomBytes(3).toString('hex')}`;
      const annaNumber = '+4915123456789';
      const benNumber = '+33612345678';
      const subscription = await api.post('/v1/webhooks', {
        event_type: 'PERSON_MOBILE_NUMBER_CREATED',
        url: `${receiver.url}/hooks`,
      });
      expect(subscription.status).toBe(201);
      expect((await api.put(`/v1/persons/${anna}/language_settings`, { language: 'de' })).status).toBe(200);
      expect((await api.post(`/v1/persons/${anna}/mobile_number`, { number: annaNumber })).status).toBe(201);
      expect(
        (await api.post(`/v1/persons/${anna}/mobile_number/authorize`, { number: annaNumber })).status,
      ).toBe(201);
      expect((await api.post(`/v1/persons/${ben}/mobile_number`, { number: benNumber })).status).toBe(201);
      expect(
        (await api.post(`/v1/persons/${ben}/mobile_number/authorize`, { number: benNumber })).status,
      ).toBe(201);

      // The SMS appear, newest first, with recipient, person, language, template and time; the code is marked.
      const items = page.locator('#sms-list > li');
      await expect.poll(() => items.count()).toBe(2);
      await expect.poll(() => items.nth(0).getAttribute('data-person')).toBe(ben);
      const annaSms = page.locator(`#sms-list > li[data-person="${anna}"]`);
      const head = await annaSms.locator('.sms-head').innerText();
      for (const text of [annaNumber, anna, 'de', 'sms.mobile_number.verify_number'])
        expect(head).toContain(text);
      expect(await annaSms.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
      const sentOtp = await fixture.lastSms(annaNumber);
      expect(await annaSms.locator('mark.code').innerText()).toBe(sentOtp);
      expect(await annaSms.locator('.sms-text').innerText()).toContain(
        'Bitte verifizieren Sie Ihre Handynummer',
      );

      // One click copies the code; what the clipboard holds confirms the number.
      await annaSms.getByRole('button', { name: /^Copy code/ }).click();
      const copied = await page.evaluate<string>('navigator.clipboard.readText()');
      expect(copied).toBe(sentOtp);
      const confirmed = await api.post(`/v1/persons/${anna}/mobile_number/confirm`, {
        number: annaNumber,
        token: copied,
      });
      expect(confirmed).toMatchObject({ status: 201, body: { number: annaNumber, verified: true } });
      // Removing the verified number opens a change request; authorizing it texts a TAN (in German, too).
      const removal = await api.delete(`/v1/persons/${anna}/mobile_number`, { number: annaNumber });
      expect(removal.status).toBe(202);
      const authorized = await api.post(`/v1/change_requests/${removal.body.id}/authorize`, {
        delivery_method: 'mobile_number',
        person_id: anna,
      });
      expect(authorized.status).toBe(201);
      await expect.poll(() => items.count()).toBe(3);
      const tanSms = items.nth(0);
      expect(await tanSms.locator('.sms-head').innerText()).toContain('sms.mobile_number.confirm_deletion');
      expect(await tanSms.locator('mark.code').innerText()).toBe(await fixture.lastSms(annaNumber));

      // Filters: by person, then by number as typed with spaces.
      await page.getByLabel('Person', { exact: true }).fill(ben);
      await expect.poll(() => items.count()).toBe(1);
      expect(await items.nth(0).getAttribute('data-to')).toBe(benNumber);
      expect(await page.locator('#sms-shown').innerText()).toBe('1 of 3 shown');
      await page.getByLabel('Person', { exact: true }).fill('');
      await page.getByLabel('Number', { exact: true }).fill('+49 151 2345');
      await expect.poll(() => items.count()).toBe(2);
      expect(await items.nth(1).getAttribute('data-person')).toBe(anna);
      expect(await page.locator('#sms-shown').innerText()).toBe('2 of 3 shown');
      await page.getByLabel('Number', { exact: true }).fill('');
      await expect.poll(() => items.count()).toBe(3);

      // Events, reached by keyboard: the relay published one PERSON_MOBILE_NUMBER_CREATED per number.
      await page.getByRole('tab', { name: /^SMS/ }).focus();
      await page.keyboard.press('ArrowRight');
      expect(await page.getByRole('tab', { name: /^Events/ }).getAttribute('aria-selected')).toBe('true');
      const eventRows = page.locator('#events-body > tr');
      // Besides these, the flow's verifications and change request have events of their own.
      const created = eventRows.filter({ hasText: 'PERSON_MOBILE_NUMBER_CREATED' });
      await expect.poll(() => created.count()).toBe(2);
      const annaEvent = created.filter({ hasText: anna });
      expect(await annaEvent.count()).toBe(1);
      const eventId = (await annaEvent.getAttribute('data-event-id'))!;
      expect(JSON.parse(await annaEvent.locator('pre').innerText())).toMatchObject({ person_id: anna });

      // Deliveries: that event's first attempt got the 500 and a retry time; the second was delivered, signed.
      await page.keyboard.press('ArrowRight');
      expect(await page.getByRole('tab', { name: /^Webhook deliveries/ }).getAttribute('aria-selected')).toBe(
        'true',
      );
      await expect
        .poll(() => receiver.deliveries().filter((r) => r.body.includes(eventId)).length, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(2);
      const row = (attempt: number) =>
        page.locator(`#deliveries-body > tr[data-event-id="${eventId}"][data-attempt="${attempt}"]`);
      await expect.poll(() => row(2).count()).toBe(1);
      const first = row(1);
      expect(await first.locator('.status-code').innerText()).toBe('500');
      expect(await first.innerText()).toContain('Retry scheduled');
      expect(await first.locator('.next-retry').innerText()).toContain('in 1 s');
      expect(await first.innerText()).toContain(subscription.body.id);
      const second = row(2);
      expect(await second.locator('.status-code').innerText()).toBe('200');
      expect(await second.innerText()).toContain('Delivered');
      await second.locator('summary').click();
      const signature = await second.locator('dt:text-is("Solaris-Webhook-Signature") + dd').innerText();
      const received = receiver.deliveries().filter((r) => r.body.includes(eventId));
      expect(signature).toBe(received.at(-1)!.headers['solaris-webhook-signature']);
      expect(await second.locator('dt:text-is("Solaris-Webhook-Attempt") + dd').innerText()).toBe('2');
      if (shots) {
        mkdirSync(shots, { recursive: true });
        await page.screenshot({ path: `${shots}/console-deliveries.png` });
      }

      // The failed attempt's details in the side panel: headers, the body sent, the answer; retry now sends it again.
      await first.getByRole('button', { name: 'Details of attempt 1' }).click();
      const panel = page.locator('#delivery-panel');
      expect(await panel.isVisible()).toBe(true);
      expect(await panel.locator('#panel-answer').innerText()).toContain('HTTP 500');
      expect(JSON.parse(await panel.locator('#panel-body-sent').innerText()).metadata.id).toBe(eventId);
      expect(await panel.locator('dt:text-is("Solaris-Webhook-Attempt") + dd').innerText()).toBe('1');
      await fitsWidth(page, 'the delivery panel');
      await panel.getByRole('button', { name: 'Retry now' }).click();
      await expect.poll(() => row(3).count(), { timeout: 10_000 }).toBe(1);
      await page.keyboard.press('Escape');
      expect(await panel.isVisible()).toBe(false);

      // Search narrows every list to what contains the words typed.
      await page.locator('#search').fill(eventId);
      await expect
        .poll(() =>
          page.locator('#deliveries-body > tr').evaluateAll((rows) => rows.map((r) => r.dataset.eventId)),
        )
        .toEqual([eventId, eventId, eventId]);
      await page.locator('#search').fill('');

      // No sideways scrolling, on a phone or a laptop, on any tab with data on it.
      for (const width of [390, 1280]) {
        await page.setViewportSize({ width, height: 800 });
        for (const tab of [/^SMS/, /^Events/, /^Webhook deliveries/]) {
          await page.getByRole('tab', { name: tab }).click();
          await fitsWidth(page, `${tab} at ${width} px`);
        }
      }
      await page.setViewportSize({ width: 1280, height: 800 });

      // Tokens: a user token for a person id, copied, is accepted by the end-user API; a partner token by /v1.
      await page.getByRole('tab', { name: 'Tokens' }).click();
      await page.getByRole('radio', { name: /User/ }).check();
      await page.getByLabel('Person id').fill(anna);
      await page.getByRole('button', { name: 'Mint token' }).click();
      await expect.poll(() => page.locator('#token-output').inputValue()).toMatch(/^ey/);
      // By keyboard this time: the button takes focus and Space presses it.
      await page.getByRole('button', { name: 'Copy token' }).focus();
      await page.keyboard.press('Space');
      const userToken = await page.evaluate<string>('navigator.clipboard.readText()');
      const mine = await fixture.withToken(userToken).get('/auth/v1/users/me/phone');
      expect(mine.status).toBe(200);
      expect(JSON.stringify(mine.body)).toContain(annaNumber);

      await page.getByRole('radio', { name: /Partner/ }).check();
      await page.getByRole('button', { name: 'Mint token' }).click();
      await expect.poll(() => page.locator('#token-meta').innerText()).toContain('partner');
      const partnerToken = await page.locator('#token-output').inputValue();
      const asPartner = fixture.withToken(partnerToken);
      expect((await asPartner.get(`/v1/persons/${anna}/mobile_number`)).body).toMatchObject({
        verified: true,
      });

      // API reference: Swagger UI from node_modules renders /openapi.json and sends the minted token.
      await page.getByRole('button', { name: 'Use in API reference' }).click();
      expect(await page.getByRole('tab', { name: 'API reference' }).getAttribute('aria-selected')).toBe(
        'true',
      );
      const confirmOperation = page.locator('.opblock-summary-path', {
        hasText: '/v1/persons/{person_id}/mobile_number/confirm',
      });
      await confirmOperation.first().waitFor({ timeout: 20_000 });
      expect(await page.locator('.opblock').count()).toBeGreaterThan(30);
      const getNumber = page.locator('.opblock-get').filter({
        has: page.locator('.opblock-summary-path', {
          hasText: /^\/v1\/persons\/\{person_id\}\/mobile_number$/,
        }),
      });
      await getNumber.locator('.opblock-summary').click();
      await getNumber.getByRole('button', { name: 'Try it out' }).click();
      await getNumber.locator('input[placeholder="person_id"]').fill(anna);
      await getNumber.getByRole('button', { name: 'Execute' }).click();
      await expect
        .poll(() => getNumber.locator('.live-responses-table tbody .response-col_status').first().innerText())
        .toBe('200');
      const apiWeight = [...transferred.entries()]
        .filter(([path]) => path.includes('/vendor/') || path === '/openapi.json')
        .reduce((sum, [, size]) => sum + size, 0);

      await page.setViewportSize({ width: 390, height: 800 });
      await fitsWidth(page, 'the API reference at 390 px');
      await page.screenshot({ path: `.tmp/console-api-390.png` });
      await page.setViewportSize({ width: 1280, height: 800 });

      // Back to the inbox for the docs' picture; the page was never reloaded, and nothing left 127.0.0.1.
      await page.getByRole('tab', { name: /^SMS/ }).click();
      await page.screenshot({ path: `${shots}/console.png` });
      await page.setViewportSize({ width: 390, height: 800 });
      await page.screenshot({ path: `.tmp/console-390.png`, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 800 });

      // Clear all empties the lists and the outbox behind them.
      await page.getByRole('button', { name: 'Clear all' }).click();
      await expect.poll(() => page.locator('#count-sms').innerText()).toBe('0');
      expect(await fixture.outbox()).toEqual([]);
      expect(await page.evaluate('window.notReloaded')).toBe(true);
      expect(offLoopback).toEqual([]);
      expect(problems).toEqual([]);
      console.log(
        `console page weight: ${(pageWeight / 1024).toFixed(1)} KiB transferred; API reference adds ${(apiWeight / 1024).toFixed(1)} KiB`,
      );
    }, 90_000);
  },
);
