import { EVENT_TYPES } from '../events/catalog.ts';
import type { RouteSchemas } from '../validation.ts';
import * as z from '../zod.ts';

export const createWebhookBody = z.object({
  event_type: z.enum(EVENT_TYPES),
  url: z.string().check(z.minLength(1), z.maxLength(2048)),
});

export const webhookPath = z.object({
  id: z.string().check(z.regex(/^[A-Za-z0-9]{1,64}$/, 'must be a webhook id')),
});

export interface WebhookView {
  id: string;
  event_type: string;
  url: string;
}

/**
 * Only the create response carries the secret; it is never shown again. `standard_webhooks_secret` is the same key
 * in the Standard Webhooks serialization (`whsec_` + base64), for receivers that verify `webhook-signature`.
 */
export interface CreatedWebhookView extends WebhookView {
  secret: string;
  standard_webhooks_secret: string;
}

/** Request schemas by operation (the route table's `operation`): what each route validates and OpenAPI documents. */
export const WEBHOOK_REQUESTS = {
  'create-webhook': { body: createWebhookBody },
  'get-webhook': { params: webhookPath },
  'delete-webhook': { params: webhookPath },
} satisfies Record<string, RouteSchemas>;
