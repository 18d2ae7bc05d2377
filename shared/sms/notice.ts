import type { Uses } from '../deps.ts';
import { errorFields, logger } from '../logging.ts';
import type { TemplateKey } from './templates.ts';

/**
 * A notice about a change that has already committed (a deletion, a replaced number, a reset), sent in the person's
 * language. The change stands whatever happens to the notice: a failure (the hourly SMS quota, the SMS provider) is
 * logged as `<what> notice not sent` with the given fields, and the answer says whether it went out.
 */
export async function sendNotice(
  rt: Uses<'sms' | 'languages'>,
  notice: {
    what: string;
    to: string;
    personId: string;
    templateKey: TemplateKey;
    variables: Record<string, string>;
    logFields?: Record<string, string>;
  },
): Promise<boolean> {
  try {
    await rt.sms.dispatch({
      to: notice.to,
      personId: notice.personId,
      templateKey: notice.templateKey,
      language: await rt.languages.languageFor(notice.personId),
      variables: notice.variables,
    });
    return true;
  } catch (error) {
    logger.warn(`${notice.what} notice not sent`, {
      status: 'not_sent',
      ...notice.logFields,
      error: errorFields(error),
    });
    return false;
  }
}
