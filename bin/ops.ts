/**
 * `npm run ops -- <command>`: operator recovery with the AWS SDK, against the account and region of the shell's
 * credentials (AWS_PROFILE / AWS_REGION as the SDK reads them). The stack's outputs give every name:
 *
 *   npm run ops -- redrive --from <dead-letter queue URL> --to <queue URL> --kind fan-out|delivery [--max N] [--dry-run]
 *   npm run ops -- replay --table <table> --bus <event bus> --from <ISO time> --to <ISO time> [--type T ...] [--dry-run]
 *   npm run ops -- redrive-relay --queue <relay failure queue URL> --table <table> --bus <event bus>
 *
 * Every command prints one JSON line with what it did. docs/operations.md says when to use which.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  type QueueKind,
  queueDepth,
  redriveQueue,
  redriveRelayFailures,
  replayOutbox,
} from '#shared/aws/recovery.ts';
import { EventBridgeEventBus } from '#shared/events/eventbridge-event-bus.ts';
import { createDocumentClient } from '#shared/storage/dynamo.ts';
import { fail, parseCli, runCli } from './cli.ts';

const USAGE = `usage: npm run ops -- <command>   (AWS credentials and region from the shell, as the AWS SDK reads them)
  redrive --from <dead-letter queue URL> --to <queue URL> --kind fan-out|delivery [--max N] [--dry-run]
      move messages from a dead-letter queue back to its queue
  replay --table <table> --bus <event bus> --from <ISO time> --to <ISO time> [--type T ...] [--dry-run]
      publish the outbox's events of a time range to the bus again
  redrive-relay --queue <relay failure queue URL> --table <table> --bus <event bus>
      replay the time ranges the stream relay failed to publish
Each prints one JSON line with what it did; docs/operations.md says when to use which.`;

const { positionals, values } = parseCli({
  usage: USAGE,
  allowPositionals: true,
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    kind: { type: 'string' },
    max: { type: 'string' },
    queue: { type: 'string' },
    table: { type: 'string' },
    bus: { type: 'string' },
    type: { type: 'string', multiple: true },
    'dry-run': { type: 'boolean', default: false },
  },
});

function need(name: keyof typeof values): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') fail(`--${name} is required (--help for usage)`);
  return value;
}
function time(name: 'from' | 'to'): Date {
  const parsed = new Date(need(name));
  if (Number.isNaN(parsed.getTime())) fail(`--${name} must be an ISO 8601 time, e.g. 2026-12-01T10:00:00Z`);
  return parsed;
}

const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
const sqs = () => new SQSClient(region ? { region } : {});
const bus = () => new EventBridgeEventBus(new EventBridgeClient(region ? { region } : {}), need('bus'));
const db = () =>
  createDocumentClient({ region: region ?? 'us-east-1', endpoint: process.env.DYNAMODB_ENDPOINT });

const [command] = positionals;
let result: unknown;
if (values.max !== undefined && !(Number.isInteger(Number(values.max)) && Number(values.max) > 0)) {
  fail('--max must be a positive whole number');
}
await runCli(async () => {
  if (command === 'redrive') {
    const kind = need('kind');
    if (kind !== 'fan-out' && kind !== 'delivery') fail('--kind must be fan-out or delivery');
    const from = need('from');
    result = values['dry-run']
      ? { waiting: await queueDepth(sqs(), from), moved: 0 }
      : await redriveQueue(sqs(), {
          kind: kind as QueueKind,
          from,
          to: need('to'),
          ...(values.max ? { max: Number(values.max) } : {}),
        });
  } else if (command === 'replay') {
    result = await replayOutbox(db(), need('table'), bus(), {
      from: time('from'),
      to: time('to'),
      ...(values.type ? { types: values.type } : {}),
      dryRun: values['dry-run'],
    });
  } else if (command === 'redrive-relay') {
    const table = need('table');
    const target = bus();
    const client = db();
    result = await redriveRelayFailures(sqs(), need('queue'), async (from, to) => {
      const { published } = await replayOutbox(client, table, target, { from, to });
      return published;
    });
  } else {
    fail('usage: npm run ops -- redrive | replay | redrive-relay (--help for usage)');
  }
  console.log(JSON.stringify(result));
});
