import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../shared/idempotency/idempotency.ts';

const event = (change: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 =>
  ({
    rawPath: '/v1/persons/p1/mobile_number',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    body: '{"number":"+4915123456789"}',
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST' } },
    ...change,
  }) as APIGatewayProxyEventV2;

describe('the Idempotency-Key fingerprint', () => {
  it('is the same for the same request, whatever the header spelling', () => {
    expect(fingerprintOf(event())).toBe(fingerprintOf(event()));
    expect(fingerprintOf(event({ headers: { 'Content-Type': 'application/json' } }))).toBe(
      fingerprintOf(event()),
    );
  });

  it.each([
    ['the method', { requestContext: { http: { method: 'PUT' } } }],
    ['the path', { rawPath: '/v1/persons/p2/mobile_number' }],
    ['the query string', { rawQueryString: 'person_id=p2' }],
    ['the content type', { headers: { 'content-type': 'text/plain' } }],
    ['a missing content type', { headers: {} }],
    ['the body', { body: '{"number":"+4915123456780"}' }],
  ] as const)('differs when only %s differs', (_, change) => {
    expect(fingerprintOf(event(change as Partial<APIGatewayProxyEventV2>))).not.toBe(fingerprintOf(event()));
  });

  it('cannot be made equal by moving text between the parts', () => {
    const a = event({ rawPath: '/v1/x', rawQueryString: 'a' });
    const b = event({ rawPath: '/v1/x\na', rawQueryString: '' });
    expect(fingerprintOf(a)).not.toBe(fingerprintOf(b));
  });
});
