/** The zod floor run inside a middy pipeline of one middleware, as every HTTP function runs in one. */
import middy from '@middy/core';
import { personPath } from '../../shared/validation.ts';
import { readFloorItem } from './document-client.ts';

export const handler = middy(async (event: { pathParameters?: Record<string, string> }) => {
  personPath.safeParse(event.pathParameters ?? { person_id: 'floor' });
  return readFloorItem();
}).use({ before: () => undefined, after: () => undefined, onError: () => undefined });
