import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useMetricSink } from '../../shared/metrics.ts';
import {
  authorizeMobileNumber,
  confirmMobileNumber,
  createMobileNumber,
} from '../../shared/mobile-number/use-cases.ts';
import { TestClock, testRuntime, uniquePerson } from '../support/harness.ts';

/** The metric calls in the use cases, on DynamoDB Local: what a verification emits, outcome by outcome. */
let points: string[];
beforeEach(() => {
  vi.stubEnv('METRICS_DISABLED', 'false');
  points = [];
  useMetricSink((document) => {
    const d = JSON.parse(document) as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }>; Dimensions: string[][] }> };
    };
    const directive = d._aws.CloudWatchMetrics[0]!;
    const name = directive.Metrics[0]!.Name;
    const dims = directive.Dimensions.at(-1)!.filter((k) => k !== 'Service');
    points.push(`${name}${dims.map((k) => ` ${k}=${d[k]}`).join('')}`);
  });
});
afterEach(() => {
  useMetricSink();
  vi.unstubAllEnvs();
});

const code = (text: string) => /\d{6}/.exec(text)![0];

describe('metrics from the verification use cases', () => {
  it('counts the SMS, a wrong code, the right code, and an expired one', async () => {
    const clock = new TestClock();
    const { runtime, outbox } = await testRuntime({ clock });
    const person = uniquePerson();
    const number = '+4915199887766';
    await createMobileNumber(runtime, { personId: person, number });
    await authorizeMobileNumber(runtime, { personId: person, number });
    const otp = code(outbox.entries.at(-1)!.text);
    const wrong = otp === '000000' ? '111111' : '000000';
    await expect(confirmMobileNumber(runtime, { personId: person, number, token: wrong })).rejects.toThrow();
    await confirmMobileNumber(runtime, { personId: person, number, token: otp });
    expect(points).toEqual([
      'SmsSent Template=sms.mobile_number.verify_number Country=DE',
      'CodeChecks Outcome=wrong',
      'CodeChecks Outcome=right',
    ]);

    points.length = 0;
    const other = uniquePerson();
    await createMobileNumber(runtime, { personId: other, number: '+4915199887767' });
    await authorizeMobileNumber(runtime, { personId: other, number: '+4915199887767' });
    clock.advance(runtime.config.otpTtlSeconds + 1);
    await expect(
      confirmMobileNumber(runtime, { personId: other, number: '+4915199887767', token: '123456' }),
    ).rejects.toThrow();
    expect(points).toEqual([
      'SmsSent Template=sms.mobile_number.verify_number Country=DE',
      'CodeChecks Outcome=expired',
    ]);
  });

  it('counts a refusal by country before any SMS', async () => {
    const { runtime, outbox } = await testRuntime({ env: { SMS_COUNTRIES: 'AT' } });
    const person = uniquePerson();
    await createMobileNumber(runtime, { personId: person, number: '+4915199887768' });
    await expect(
      authorizeMobileNumber(runtime, { personId: person, number: '+4915199887768' }),
    ).rejects.toMatchObject({
      code: 'sms_country_not_allowed',
    });
    expect(outbox.entries).toEqual([]);
    expect(points).toEqual(['SmsRefused Reason=country Country=DE']);
  });
});
