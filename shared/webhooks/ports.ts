/** A webhook subscription as the use cases see it. */
export interface WebhookRecord {
  id: string;
  eventType: string;
  url: string;
  /** The signing secret, sealed by SecretBox; never leaves the service. */
  sealedSecret: string;
  createdAt: string;
}

/** The webhook subscriptions, under a limit on how many there are. */
export interface Webhooks {
  /** Stores the subscription and takes one unit of the limit; at the limit: 409. */
  create(record: WebhookRecord, maxSubscriptions: number): Promise<void>;
  get(id: string): Promise<WebhookRecord | undefined>;
  list(eventType?: string): Promise<WebhookRecord[]>;
  /** Replaces a sealed secret only if it is still the one read; false when nothing was replaced. */
  replaceSealedSecret(id: string, from: string, to: string): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}

/** Seals subscribers' signing secrets under the webhook key, and opens them. */
export interface SecretSeals {
  seal(plaintext: string, context: string): Promise<string>;
  open(sealed: string, context: string): Promise<string>;
  /** Whether a sealed secret was sealed under an older key version than the current one. */
  isStale(sealed: string): Promise<boolean>;
}
