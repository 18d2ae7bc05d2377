import type { Context, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eachSqsRecord } from '../../shared/events/sqs-batch.ts';
import { currentInvocation } from '../../shared/logging.ts';

afterEach(() => vi.restoreAllMocks());

const sqsEvent = (bodies: string[]): SQSEvent =>
  ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body })) }) as SQSEvent;

describe('SQS consumer loop', () => {
  it('reports only the records that failed, and runs each under its own correlation id', async () => {
    const seen: Array<string | undefined> = [];
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const answer = await eachSqsRecord(
      'consumer',
      sqsEvent(['{"id":"a"}', 'not json', '{"id":"c","fail":true}', '{"id":"d"}']),
      { awsRequestId: 'lambda-1' } as Context,
      (record) => {
        const value = JSON.parse(record.body) as { id: string; fail?: boolean };
        return { value, correlationId: value.id };
      },
      async (value) => {
        seen.push(currentInvocation()?.correlationId);
        if (value.fail) throw new Error('receiver exploded');
      },
    );
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
    expect(seen).toEqual(['a', 'c', 'd']);
  });
});
