/** The floor plus Powertools Logger and Metrics together (they share @aws-lambda-powertools/commons). */
import { handler as logged } from './powertools-logger.ts';
import { handler as measured } from './powertools-metrics.ts';

export const handler = async (event: unknown, context: { awsRequestId: string }) => {
  await measured();
  return logged(event, context);
};
