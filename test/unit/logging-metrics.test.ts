import examples from 'libphonenumber-js/examples.mobile.json' with { type: 'json' };
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callingCodeTable } from '../../shared/mobile-number/phone-metadata-source.ts';
import { CALLING_CODES } from '../../shared/sms/calling-codes.ts';
import { countryOf, parseSmsCountries } from '../../shared/sms/sms-countries.ts';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

/** The logger module as a function sees it under the given environment (it reads the log format at load). */
async function loadLogging(env: Record<string, string>) {
  vi.resetModules();
  vi.stubEnv('LOG_SILENT', 'false');
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return import('../../shared/logging.ts');
}

describe('logger', () => {
  it('under the Lambda JSON format passes one object per call, warnings to console.warn (level WARN)', async () => {
    const { logger, withInvocation } = await loadLogging({ AWS_LAMBDA_LOG_FORMAT: 'JSON' });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    withInvocation('do-thing', 'corr-1', () => {
      logger.warn('notice not sent', { status: 'not_sent', to: '+4915123456789' });
      logger.info('request', { status: 201 });
    });
    logger.error('outside', { status: 'failed' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]).toHaveLength(1);
    expect(warn.mock.calls[0]![0]).toEqual({
      level: 'warn',
      msg: 'notice not sent',
      correlation_id: 'corr-1',
      operation: 'do-thing',
      latency_ms: expect.any(Number),
      cold_start: true,
      status: 'not_sent',
      to: '+49151******89',
    });
    expect(info.mock.calls[0]![0]).toMatchObject({ status: 201, cold_start: true, correlation_id: 'corr-1' });
    expect(error.mock.calls[0]![0]).toMatchObject({
      status: 'failed',
      correlation_id: null,
      operation: null,
    });
  });

  it('elsewhere writes one JSON string line per entry, with a time', async () => {
    const { logger, withInvocation } = await loadLogging({ AWS_LAMBDA_LOG_FORMAT: '' });
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    withInvocation('op', 'c', () => logger.info('x', { status: 200 }));
    withInvocation('op', 'd', () => logger.info('x', { status: 200 }));
    const [first, second] = info.mock.calls.map(([line]) => line as string);
    expect(first).not.toContain('\n');
    expect(JSON.parse(first!)).toMatchObject({
      level: 'info',
      msg: 'x',
      status: 200,
      cold_start: true,
      time: expect.any(String),
    });
    expect(JSON.parse(second!)).toMatchObject({ correlation_id: 'd', cold_start: false });
  });

  it('masks phone numbers in every string and in phone fields, nested and in errors', async () => {
    const { maskPhoneNumber, redact } = await loadLogging({});
    expect(maskPhoneNumber('+4915123456789')).toBe('+49151******89');
    expect(maskPhoneNumber('+15550101')).toBe('+15****01');
    expect(maskPhoneNumber('+33612345678')).toBe('+33612****78');
    expect(
      redact({
        number: '4915123456789',
        nested: { text: 'SNS refused +4915123456789 and +33612345678.', list: ['+4917012345678'] },
        error: new Error('Invalid parameter: PhoneNumber +4915123456789'),
        request_id: '12345678901234567890',
        latency_ms: 1234567890,
      }),
    ).toEqual({
      number: '49151******89',
      nested: { text: 'SNS refused +49151******89 and +33612****78.', list: ['+49170******78'] },
      error: { name: 'Error', message: 'Invalid parameter: PhoneNumber +49151******89' },
      request_id: '12345678901234567890',
      latency_ms: 1234567890,
    });
  });

  it('respects LOG_LEVEL', async () => {
    const { logger } = await loadLogging({ LOG_LEVEL: 'warn', AWS_LAMBDA_LOG_FORMAT: 'JSON' });
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    logger.info('dropped', { status: 1 });
    logger.warn('kept', { status: 2 });
    expect(info).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('EMF metrics', () => {
  async function collect(work: (m: typeof import('../../shared/metrics.ts')) => void) {
    vi.resetModules();
    vi.stubEnv('METRICS_DISABLED', 'false');
    vi.stubEnv('METRICS_SERVICE', 'Stage1');
    const m = await import('../../shared/metrics.ts');
    const documents: Array<Record<string, unknown>> = [];
    m.useMetricSink((text) => documents.push(JSON.parse(text)));
    work(m);
    m.useMetricSink();
    return documents;
  }

  it('writes documents that follow the embedded metric format specification', async () => {
    const [document] = await collect((m) => m.metrics.smsSent('sms.two_factor.authenticate', 'DE'));
    const root = document as {
      _aws: { Timestamp: number; CloudWatchMetrics: Array<Record<string, unknown>> };
    };
    expect(Number.isInteger(root._aws.Timestamp)).toBe(true);
    const [directive] = root._aws.CloudWatchMetrics;
    expect(directive).toEqual({
      Namespace: 'PhoneSecurity',
      Dimensions: [['Service'], ['Service', 'Template', 'Country']],
      Metrics: [{ Name: 'SmsSent', Unit: 'Count' }],
    });
    // Every dimension and metric named in the directive is a top-level member with a value of the right type.
    for (const key of ['Service', 'Template', 'Country']) expect(typeof document![key]).toBe('string');
    expect(document).toMatchObject({
      Service: 'Stage1',
      Template: 'sms.two_factor.authenticate',
      Country: 'DE',
      SmsSent: 1,
    });
  });

  it('has one metric per business signal, with the dimensions the dashboard and alarms use', async () => {
    const documents = await collect(({ metrics }) => {
      metrics.smsRefused('country', 'JM');
      metrics.smsRefused('quota', 'DE');
      metrics.smsProviderFailure('DE');
      for (const outcome of ['right', 'wrong', 'expired', 'burnt'] as const) metrics.codeCheck(outcome);
      metrics.codeCheckBudgetHit();
      metrics.deviceBound();
      metrics.signature(true);
      metrics.signature(false);
      metrics.changeRequest('completed');
      metrics.webhookDelivery('delivered', 123);
      metrics.relayLag(4567);
    });
    const summary = documents.map((d) => {
      const directive = (
        d._aws as {
          CloudWatchMetrics: Array<{
            Metrics: Array<{ Name: string; Unit: string }>;
            Dimensions: string[][];
          }>;
        }
      ).CloudWatchMetrics[0]!;
      const name = directive.Metrics[0]!.Name;
      const dims = directive.Dimensions.at(-1)!.filter((k) => k !== 'Service');
      return `${name}${dims.map((k) => ` ${k}=${d[k]}`).join('')} ${d[name]} ${directive.Metrics[0]!.Unit}`;
    });
    expect(summary).toEqual([
      'SmsRefused Reason=country Country=JM 1 Count',
      'SmsRefused Reason=quota Country=DE 1 Count',
      'SmsProviderFailures Country=DE 1 Count',
      'CodeChecks Outcome=right 1 Count',
      'CodeChecks Outcome=wrong 1 Count',
      'CodeChecks Outcome=expired 1 Count',
      'CodeChecks Outcome=burnt 1 Count',
      'CodeCheckBudgetHits 1 Count',
      'DeviceBindings 1 Count',
      'Signatures Outcome=right 1 Count',
      'Signatures Outcome=wrong 1 Count',
      'ChangeRequests Outcome=completed 1 Count',
      'WebhookDeliveries Outcome=delivered 1 Count',
      'WebhookDeliveryLatency Outcome=delivered 123 Milliseconds',
      'RelayLag 4567 Milliseconds',
    ]);
  });

  it('goes to standard output by default and is silent with METRICS_DISABLED', async () => {
    vi.resetModules();
    vi.stubEnv('METRICS_DISABLED', 'false');
    const { metrics } = await import('../../shared/metrics.ts');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    metrics.deviceBound();
    vi.stubEnv('METRICS_DISABLED', 'true');
    metrics.deviceBound();
    expect(write).toHaveBeenCalledTimes(1);
    expect(String(write.mock.calls[0]![0])).toMatch(/^\{"_aws":.*\}\n$/);
  });
});

describe('SMS destination countries', () => {
  it('the calling-code table is the one the installed libphonenumber-js generates (npm run phone-metadata)', () => {
    expect(CALLING_CODES).toEqual(callingCodeTable());
  });

  it("tells the country of every country's example mobile number like libphonenumber-js, but for shared codes without leading digits", () => {
    const mainOf = new Map(
      Object.values(CALLING_CODES).flatMap((list) => list.map(([c]) => [c, list[0]![0]] as const)),
    );
    const noLeadingDigits = new Set(
      Object.values(CALLING_CODES).flatMap((list) =>
        list
          .slice(1)
          .filter((e) => e.length === 1)
          .map(([c]) => c),
      ),
    );
    let compared = 0;
    for (const [country, national] of Object.entries(examples)) {
      const parsed = parsePhoneNumberFromString(national, country as never);
      if (!parsed?.country) continue;
      compared++;
      const expected = noLeadingDigits.has(parsed.country) ? mainOf.get(parsed.country) : parsed.country;
      expect(`${parsed.number} ${countryOf(parsed.number)}`).toBe(`${parsed.number} ${expected}`);
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('parses allow-lists and refuses unknown codes', () => {
    expect(parseSmsCountries('de, AT,fr')).toEqual(new Set(['DE', 'AT', 'FR']));
    expect(parseSmsCountries('*')).toBe('all');
    expect(() => parseSmsCountries('DE,XX')).toThrow(/XX/);
    expect(() => parseSmsCountries('')).toThrow();
  });
});
