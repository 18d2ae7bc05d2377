import { randomBytes } from 'node:crypto';
import type { Uses } from '../deps.ts';
import { badRequest, notFound } from '../errors.ts';
import type { WebhookRecord } from './dynamo-webhook-store.ts';
import { standardWebhooksSecret } from './signature.ts';
import { type ResolvedTarget, resolveWebhookTarget, UnsafeWebhookUrl } from './url-guard.ts';
import type { CreatedWebhookView, WebhookView } from './webhook.schema.ts';

export type WebhookDeps = Uses<'clock' | 'webhooks' | 'webhookSecrets' | 'webhookHttp', 'webhooks'>;

/** Solaris-style resource id: 32 hex characters and a type suffix. */
const newWebhookId = () => `${randomBytes(16).toString('hex')}whk`;

/** The header (and value) of the verification POST, spelled as Solaris documents it. */
export const VERIFICATION_HEADER = 'SOLARIS-WEBHOOK-EVENT-TYPE';
export const VERIFICATION_EVENT = 'WEBHOOK-SUBSCRIPTION';

const toView = (record: WebhookRecord): WebhookView => ({
  id: record.id,
  event_type: record.eventType,
  url: record.url,
});

/** Resolves and checks a subscriber URL under this deployment's policy; refusals are 400s naming the field. */
export async function checkedTarget(rt: WebhookDeps, url: string): Promise<ResolvedTarget> {
  try {
    return await resolveWebhookTarget(
      url,
      { allowLocalHttp: rt.config.webhooks.allowLocalHttp },
      rt.webhookHttp.resolve,
    );
  } catch (error) {
    if (error instanceof UnsafeWebhookUrl) {
      throw badRequest(`url ${error.message}.`, { field: 'url', message: error.message });
    }
    if (error instanceof Error && 'code' in error) {
      throw badRequest('url host could not be resolved.', { field: 'url', message: 'host does not resolve' });
    }
    throw error;
  }
}

/**
 * Create a webhook subscription.
 * 1. Check the URL (https, public address only; see url-guard) and resolve it to a checked address.
 * 2. POST an empty body with `SOLARIS-WEBHOOK-EVENT-TYPE: WEBHOOK-SUBSCRIPTION` to that address (short timeout,
 *    no redirects); anything but a 2xx: 400, nothing stored.
 * 3. Generate the signing secret and seal it, bound to the new subscription's id.
 * 4. Store the subscription within the subscription limit (409 at the limit).
 * 5. Answer 201 with the secret (and its Standard Webhooks form): the only time it is ever shown.
 */
export async function createWebhook(
  rt: WebhookDeps,
  input: { eventType: string; url: string; owner: string },
): Promise<CreatedWebhookView> {
  const target = await checkedTarget(rt, input.url);
  const reply = await rt.webhookHttp.post({
    target,
    headers: { [VERIFICATION_HEADER]: VERIFICATION_EVENT, 'User-Agent': 'phone-security-webhooks/1' },
    body: '',
    timeoutMs: rt.config.webhooks.verifyTimeoutMs,
  });
  if (!('status' in reply) || reply.status < 200 || reply.status > 299) {
    const why = 'status' in reply ? `answered ${reply.status}` : 'could not be reached';
    throw badRequest(`url ${why} to the verification request; it must answer 2xx.`, {
      field: 'url',
      message: 'verification failed',
    });
  }
  const id = newWebhookId();
  const secret = randomBytes(32).toString('hex');
  const record: WebhookRecord = {
    id,
    eventType: input.eventType,
    url: input.url,
    sealedSecret: await rt.webhookSecrets.seal(secret, id),
    createdAt: rt.clock.now().toISOString(),
    owner: input.owner,
  };
  await rt.webhooks.create(record, rt.config.webhooks.maxSubscriptions);
  return { ...toView(record), secret, standard_webhooks_secret: standardWebhooksSecret(secret) };
}

/** The subscriptions the calling client may see: its own (and any stored before subscriptions had owners). */
export async function listWebhooks(rt: WebhookDeps, owner: string): Promise<WebhookView[]> {
  return (await rt.webhooks.list(undefined, owner)).map(toView);
}

/** One subscription; another client's answers 404 as if it did not exist, so ids of others reveal nothing. */
export async function getWebhook(rt: WebhookDeps, id: string, owner: string): Promise<WebhookView> {
  const record = await rt.webhooks.get(id);
  if (!record || (record.owner !== undefined && record.owner !== owner)) {
    throw notFound('No webhook subscription with this id.');
  }
  return toView(record);
}

/**
 * Delete a subscription of the calling client (another client's answers 404): no further deliveries start for it
 * (one already in flight may still arrive).
 */
export async function deleteWebhook(rt: WebhookDeps, id: string, owner: string): Promise<void> {
  if (!(await rt.webhooks.delete(id, owner))) throw notFound('No webhook subscription with this id.');
}
