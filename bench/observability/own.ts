/** The floor plus this service's logger and EMF metrics: one request log line and two metric points. */
import { logger, withInvocation } from '../../shared/logging.ts';
import { metrics } from '../../shared/metrics.ts';
import { handler as floor } from '../floor-handler.ts';

export const handler = (_event: unknown, context: { awsRequestId: string }) =>
  withInvocation('bench', context.awsRequestId, async () => {
    const result = await floor();
    metrics.codeCheck('right');
    metrics.smsSent('sms.two_factor.authenticate', 'DE');
    logger.info('request', { status: result.statusCode, route_key: 'GET /bench' });
    return result;
  });
