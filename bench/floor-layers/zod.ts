/** The document-client floor plus zod as the functions use it: English messages, a person path checked first. */
import { personPath } from '../../shared/validation.ts';
import { readFloorItem } from './document-client.ts';

export const handler = async (event: { pathParameters?: Record<string, string> }) => {
  personPath.safeParse(event.pathParameters ?? { person_id: 'floor' });
  return readFloorItem();
};
