import type { Clock } from '../../shared/deps.ts';
import type { LocalService } from '../../shared/local/local-service.ts';
import type { OutboxEntry } from '../../shared/sms/outbox-sms-sender.ts';
import type { WebhookHttp } from '../../shared/webhooks/webhook-http.ts';
import { client, latestOtp, publishedEvent, startTestService, uniquePerson } from './harness.ts';

/** What `GET /_local/person?id=` tells of one person: the stored mobile number, its pending code's attempts, today's charged checks. */
export interface PersonRecords {
  mobileNumber: Record<string, unknown> | null;
  pendingOtpAttempts: number | null;
  codeChecksCharged: number;
}

/**
 * The shared e2e fixture: the local service on the run's DynamoDB Local, observed only as a client would, through the
 * HTTP API and the local-only `/_local/*` routes (never by reading the table).
 */
export async function startService(
  options: { clock?: Clock; env?: Record<string, string>; webhookHttp?: WebhookHttp } = {},
) {
  const service: LocalService = await startTestService(options);
  const url = service.url;
  const partner = () => client(url);
  const mobileNumberPath = (person: string, suffix = '') => `/v1/persons/${person}/mobile_number${suffix}`;
  return {
    service,
    url,
    /** A client with a fresh partner token on every call. */
    partner,
    /** A client with a fresh end-user token for `personId` on every call. */
    user: (personId: string) => client(url, { auth: { user: personId } }),
    /** A client with a fresh operator (customer support) token on every call. */
    operator: () => client(url, { auth: 'operator' }),
    /** A client that sends no token. */
    anonymous: () => client(url, { auth: 'none' }),
    /** The OTP in the newest SMS to `number`, from the local outbox. */
    lastSms: (number: string) => latestOtp(url, number),
    /** Every SMS in the local outbox, oldest first. */
    outbox: async () => (await (await fetch(`${url}/_local/sms`)).json()) as OutboxEntry[],
    /** The first published event of `type` whose data matches (waits for the local relay). */
    // biome-ignore lint/suspicious/noExplicitAny: event data is inspected field by field
    event: (type: string, match: (data: any) => boolean = () => true) => publishedEvent(url, type, match),
    /** Everything the local event relay has published so far. */
    events: async () =>
      (await (await fetch(`${url}/_local/events`)).json()) as Array<{
        event: { metadata: { type: string }; data: unknown };
      }>,
    /** What the service holds for one person, from the local-only inspection route. */
    person: async (personId: string) =>
      (await (
        await fetch(`${url}/_local/person?id=${encodeURIComponent(personId)}`)
      ).json()) as PersonRecords,
    /** A person with `number` created, authorized and confirmed through the partner API, as an app would. */
    createVerifiedNumber: async (number: string, person = uniquePerson()) => {
      const api = partner();
      const steps = [
        await api.post(mobileNumberPath(person), { number }),
        await api.post(mobileNumberPath(person, '/authorize'), { number }),
        await api.post(mobileNumberPath(person, '/confirm'), { number, token: await latestOtp(url, number) }),
      ];
      const failed = steps.find((step) => step.status !== 201);
      if (failed) throw new Error(`verifying ${number} failed with ${failed.status}`);
      return { person, number, id: steps[0]!.body.id as string };
    },
    close: () => service.close(),
  };
}

export type Fixture = Awaited<ReturnType<typeof startService>>;
