import { createHmac, timingSafeEqual } from 'node:crypto';
import { badRequest } from '../errors.ts';

/**
 * Security-timeline cursors: opaque to clients and authenticated. A cursor names the last entry a page showed (its
 * time and event id, which that page answered anyway) and carries an HMAC-SHA256 tag over the person id and that
 * position, so only a cursor this service answered, for this person, continues a page: a forged or edited one is
 * 400, never a query with a crafted key. The table's key layout never leaves the store.
 *
 * The tag key is derived from the OTP pepper (HMAC of the pepper under a label of its own), so no new secret is needed
 * and the pepper itself signs nothing but codes. The peppers a check accepts (current and, for a while after a
 * rotation, the previous one) are all tried, so a rotation does not break a paging client mid-way.
 */
export interface TimelinePosition {
  time: string;
  eventId: string;
}

const LABEL = 'phone-security security-timeline cursor v1';
const TAG_BYTES = 16;

export const invalidCursor = () =>
  badRequest('page[cursor] is not a cursor this timeline answered.', {
    field: 'page[cursor]',
    message: 'invalid cursor',
  });

const cursorKey = (pepper: Buffer) => createHmac('sha256', pepper).update(LABEL).digest();

function tag(pepper: Buffer, personId: string, payload: string): Buffer {
  return createHmac('sha256', cursorKey(pepper))
    .update(`${personId.length}:${personId}\n${payload}`)
    .digest()
    .subarray(0, TAG_BYTES);
}

export function sealCursor(pepper: Buffer, personId: string, position: TimelinePosition): string {
  const payload = Buffer.from(JSON.stringify([position.time, position.eventId]), 'utf8').toString(
    'base64url',
  );
  return `${payload}.${tag(pepper, personId, payload).toString('base64url')}`;
}

/** The position a cursor names, if one of `peppers` sealed it for this person; otherwise 400. */
export function openCursor(peppers: Buffer[], personId: string, cursor: string): TimelinePosition {
  const [payload, given, ...rest] = cursor.split('.');
  if (!payload || !given || rest.length > 0) throw invalidCursor();
  const presented = Buffer.from(given, 'base64url');
  const sealed = peppers.some((pepper) => {
    const expected = tag(pepper, personId, payload);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  });
  if (!sealed) throw invalidCursor();
  // Sealed by this service, so well-formed; read defensively all the same.
  const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !value.every((part) => typeof part === 'string' && part)
  ) {
    throw invalidCursor();
  }
  return { time: value[0], eventId: value[1] };
}
