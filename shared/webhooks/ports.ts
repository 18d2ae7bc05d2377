/** A webhook subscription as the use cases see it. */
export interface WebhookRecord {
  id: string;
  eventType: string;
  url: string;
  /** The signing secret, sealed by SecretBox; never leaves the service. */
  sealedSecret: string;
  createdAt: string;
  /**
   * The partner client that created it (the token's `client_id`): only that client lists, reads or deletes it.
   * Absent on subscriptions stored before subscriptions had owners; every client sees those.
   */
  owner?: string | undefined;
}

/** The webhook subscriptions, under a limit on how many there are. */
export interface Webhooks {
  /** Stores the subscription and takes one unit of the limit; at the limit: 409. */
  create(record: WebhookRecord, maxSubscriptions: number): Promise<void>;
  get(id: string): Promise<WebhookRecord | undefined>;
  /** Every subscription, or those for one event type; with `owner`, only those that client may see. */
  list(eventType?: string, owner?: string): Promise<WebhookRecord[]>;
  /** Replaces a sealed secret only if it is still the one read; false when nothing was replaced. */
  replaceSealedSecret(id: string, from: string, to: string): Promise<boolean>;
  /** With `owner`, deletes only a subscription that client may see. */
  delete(id: string, owner?: string): Promise<boolean>;
}

/** Seals subscribers' signing secrets under the webhook key, and opens them. */
export interface SecretSeals {
  seal(plaintext: string, context: string): Promise<string>;
  open(sealed: string, context: string): Promise<string>;
  /** Whether a sealed secret was sealed under an older key version than the current one. */
  isStale(sealed: string): Promise<boolean>;
}
