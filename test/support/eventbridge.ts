import {
  type EventBridgeClientResolvedConfig,
  PutEventsCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-eventbridge';
import type { AwsStub } from 'aws-sdk-client-mock';

type EventBridgeMock = AwsStub<ServiceInputTypes, ServiceOutputTypes, EventBridgeClientResolvedConfig>;

/** The mocked EventBridge accepts every entry of every PutEvents call. */
export function acceptAllPutEvents(mock: EventBridgeMock): void {
  mock.on(PutEventsCommand).callsFake(async (input: { Entries: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_: unknown, i: number) => ({ EventId: `eb-${i}` })),
  }));
}

/** The event ids of every entry put on the mocked bus, in call order. */
export const publishedEventIds = (mock: EventBridgeMock): string[] =>
  mock
    .commandCalls(PutEventsCommand)
    .flatMap((call) =>
      call.args[0].input.Entries!.map((entry) => JSON.parse(entry.Detail!).metadata.id as string),
    );
