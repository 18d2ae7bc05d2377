/** The floor plus Powertools Metrics: the same two metric points, flushed at the end of the invocation. */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { handler as floor } from '../floor-handler.ts';

const metrics = new Metrics({ namespace: 'PhoneSecurity', serviceName: 'phone-security' });

export const handler = async () => {
  const result = await floor();
  metrics.addDimension('Outcome', 'right');
  metrics.addMetric('CodeChecks', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  metrics.addDimensions({ Template: 'sms.two_factor.authenticate', Country: 'DE' });
  metrics.addMetric('SmsSent', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  return result;
};
