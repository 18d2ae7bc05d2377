import type { SmsSender } from '../sms/sms-port.ts';

/**
 * The AWS adapters a deployed function loads only when its route uses them. A function that imports
 * `shared/aws/sns.ts` or `shared/aws/secrets-manager.ts` installs the adapter here; every other function neither
 * bundles nor initialises that SDK client (each client adds tens of KB and milliseconds to a cold start). Which
 * function imports which module follows the route table's grants, and a unit test holds the two together.
 * Local runs and tests need neither: they send SMS to an in-memory outbox and take secrets from configuration.
 */
export interface AwsAdapters {
  smsSender?: (region: string, senderId: string | undefined) => SmsSender;
  readSecret?: (arn: string, region: string) => Promise<string>;
}

export const awsAdapters: AwsAdapters = {};

export function missingAdapter(name: string, module: string): Error {
  return new Error(`This function does not load the ${name} adapter; its handler must import ${module}`);
}
