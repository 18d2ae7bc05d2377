/** The floor plus the Powertools Logger: one request log line with the same fields. */
import { Logger } from '@aws-lambda-powertools/logger';
import { handler as floor } from '../floor-handler.ts';

const logger = new Logger({ serviceName: 'phone-security' });

export const handler = async (_event: unknown, context: { awsRequestId: string }) => {
  logger.addContext(context as never);
  const result = await floor();
  logger.info('request', {
    status: result.statusCode,
    operation: 'bench',
    correlation_id: context.awsRequestId,
  });
  return result;
};
