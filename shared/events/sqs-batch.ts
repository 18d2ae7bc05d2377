import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { errorFields, logger, withInvocation } from '../logging.ts';
import { loggableStack } from '../source-stack.ts';

/**
 * The SQS consumers' loop (fan-out, delivery): each record is its own invocation for logging (correlation id from
 * the record, else the Lambda request id), and a record that throws is reported back alone (ReportBatchItemFailures),
 * so SQS retries just that one and, after its receives, moves it to the dead-letter queue.
 */
export async function eachSqsRecord<T>(
  operation: string,
  event: SQSEvent,
  context: Context,
  parse: (record: SQSRecord) => { value: T; correlationId: string | undefined },
  work: (value: T, correlationId: string) => Promise<void>,
): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    let correlationId = context.awsRequestId;
    try {
      const parsed = parse(record);
      correlationId = parsed.correlationId ?? correlationId;
      await withInvocation(operation, correlationId, () => work(parsed.value, correlationId));
    } catch (error) {
      withInvocation(operation, correlationId, () =>
        logger.error(`${operation} failed`, {
          status: 'failed',
          message_id: record.messageId,
          error: errorFields(error),
          stack: loggableStack(error),
        }),
      );
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
