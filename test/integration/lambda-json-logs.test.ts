import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiEvent, ClaimSource } from '../../bench/events.ts';
import { buildFunction } from '../../bench/function-build.ts';
import { FUNCTION_ENTRY_FILE } from '../../lib/service-function.ts';
import { DEV_ISSUER } from '../../shared/auth/dev-issuer.ts';
import { createDocumentClient, ensureTable } from '../../shared/storage/dynamo.ts';
import { uniquePerson, uniqueTable } from '../support/harness.ts';
import { type LogLine, runLikeLambda } from '../support/lambda-runtime.ts';

const FUNCTIONS = ['create-mobile-number', 'authorize-mobile-number'] as const;

type Line = LogLine;
let dir: string;
let lines: Line[];
let statuses: number[];
const person = uniquePerson();
const otherPerson = uniquePerson();
const german = '+4915123456789';
const french = '+33612345678';
const requestIds = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lambda-json-'));
  for (const name of FUNCTIONS) await buildFunction(`functions/${name}.ts`, join(dir, name));
  const tableName = uniqueTable();
  const endpoint = inject('dynamoEndpoint');
  const db = createDocumentClient({ region: 'us-east-1', endpoint });
  await ensureTable(db, tableName);
  db.destroy();
  const claims = await ClaimSource.create();
  const partner = await claims.caller('partner');
  const call = (method: 'POST', url: string, body: unknown, requestId: string) => {
    const { event } = apiEvent({ method, url, body, caller: partner });
    event.headers['x-request-id'] = requestId;
    return event;
  };
  const bundle = (name: string) => join(dir, name, FUNCTION_ENTRY_FILE);
  const invocations = [
    {
      bundle: bundle('create-mobile-number'),
      event: call('POST', `/v1/persons/${person}/mobile_number`, { number: german }, requestIds[0]!),
    },
    {
      bundle: bundle('authorize-mobile-number'),
      event: call(
        'POST',
        `/v1/persons/${person}/mobile_number/authorize`,
        { number: german },
        requestIds[1]!,
      ),
    },
    {
      bundle: bundle('create-mobile-number'),
      event: call('POST', `/v1/persons/${otherPerson}/mobile_number`, { number: french }, requestIds[2]!),
    },
    {
      bundle: bundle('authorize-mobile-number'),
      event: call(
        'POST',
        `/v1/persons/${otherPerson}/mobile_number/authorize`,
        { number: french },
        requestIds[3]!,
      ),
    },
  ].map((invocation, i) => ({ ...invocation, requestId: `lambda-${i}` }));
  ({ lines, statuses } = await runLikeLambda(dir, invocations, {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: endpoint,
    OTP_PEPPER: 'test-pepper-test-pepper-test-pepper-0123',
    SMS_ADAPTER: 'outbox',
    SMS_COUNTRIES: 'DE,AT',
    AUTH_ISSUER: DEV_ISSUER,
    METRICS_SERVICE: 'LogTest',
  }));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logLines = () => lines.filter((line) => !('_aws' in line));
const emf = () => lines.filter((line) => '_aws' in line);

describe('function logs under the Lambda JSON log format', () => {
  it('answers as expected: two registrations, one SMS, one refusal by country', () => {
    expect(statuses).toEqual([201, 201, 201, 422]);
  });

  it('writes every line as one JSON object whose message is an object with the query fields', () => {
    expect(logLines().length).toBeGreaterThanOrEqual(4);
    for (const line of logLines()) {
      expect(line).toMatchObject({
        level: expect.stringMatching(/^(INFO|WARN|ERROR)$/),
        requestId: expect.any(String),
      });
      expect(typeof line.message).toBe('object');
      expect(line.message).toMatchObject({
        correlation_id: expect.any(String),
        operation: expect.stringMatching(/^(create|authorize)-mobile-number$/),
        status: expect.anything(),
        latency_ms: expect.any(Number),
        cold_start: expect.any(Boolean),
      });
    }
  });

  it('carries the caller X-Request-Id as correlation id, the HTTP status, and cold start only on the first call', () => {
    const requests = logLines().filter((line) => line.message.msg === 'request');
    expect(requests.map((line) => line.message.correlation_id)).toEqual(requestIds);
    expect(requests.map((line) => line.message.status)).toEqual([201, 201, 201, 422]);
    expect(requests.map((line) => line.message.cold_start)).toEqual([true, true, false, false]);
    expect(requests[3]!.message).toMatchObject({
      error_code: 'sms_country_not_allowed',
      route_key: 'POST /v1/persons/{person_id}/mobile_number/authorize',
    });
    expect(requests.map((line) => line.requestId)).toEqual(['lambda-0', 'lambda-1', 'lambda-2', 'lambda-3']);
  });

  it('never writes a phone number in the clear', () => {
    const everything = lines.map((line) => JSON.stringify(line)).join('\n');
    expect(everything).not.toContain('4915123456789');
    expect(everything).not.toContain('33612345678');
  });
});

describe('EMF metrics written by the bundles', () => {
  it('counts the sent SMS by template and country, and the refusal by reason and country', () => {
    const points = emf();
    for (const point of points) {
      // Raw documents on stdout, not wrapped in a log record: CloudWatch extracts metrics only from these.
      expect(point).not.toHaveProperty('message');
      expect(point._aws.CloudWatchMetrics[0].Namespace).toBe('PhoneSecurity');
      expect(point.Service).toBe('LogTest');
    }
    const sent = points.find((p) => p.SmsSent === 1)!;
    expect(sent).toMatchObject({
      Template: 'sms.mobile_number.verify_number',
      Country: 'DE',
      correlation_id: requestIds[1],
    });
    expect(sent._aws.CloudWatchMetrics[0].Dimensions).toEqual([
      ['Service'],
      ['Service', 'Template', 'Country'],
    ]);
    const refused = points.find((p) => p.SmsRefused === 1)!;
    expect(refused).toMatchObject({ Reason: 'country', Country: 'FR', correlation_id: requestIds[3] });
  });
});
