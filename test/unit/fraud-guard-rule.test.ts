import { describe, expect, it } from 'vitest';
import {
  carriesCode,
  emptyHour,
  emptyProfile,
  HOUR_MS,
  judge,
  LEVEL_RULES,
  learn,
  lessonOf,
  prefixOf,
  SLOT_MS,
  unconvertedAt,
} from '../../shared/fraud-guard/model.ts';

const rule = LEVEL_RULES.standard;
const HOUR = 500_000;
/** The start of hour HOUR, plus minutes. */
const at = (minutes: number) => HOUR * HOUR_MS + minutes * 60_000;

describe('destination prefix', () => {
  it('is the calling code and four national digits, six under +1', () => {
    expect(prefixOf('+4915112345678')).toBe('491511');
    expect(prefixOf('+33612345678')).toBe('336123');
    expect(prefixOf('+436641234567')).toBe('436641');
    expect(prefixOf('+12025550123')).toBe('1202555');
    expect(prefixOf('+35312345678')).toBe('3531234');
  });
});

describe('which SMS the guard holds', () => {
  it('guards code SMS and never a notice', () => {
    expect(carriesCode('sms.mobile_number.verify_number')).toBe(true);
    expect(carriesCode('sms.payment.authorize')).toBe(true);
    expect(carriesCode('sms.mobile_number.deleted_notification')).toBe(false);
    expect(carriesCode('sms.second_factor.reset_notification')).toBe(false);
  });
});

describe('the prefix rule', () => {
  it('counts the unconverted codes of the last three slots, across the hour boundary', () => {
    const previous = emptyHour();
    const current = emptyHour();
    previous.sent[11] = 5;
    previous.confirmed[11] = 1;
    previous.sent[10] = 7; // outside the window at minute 5
    current.sent[0] = 3;
    current.sent[1] = 2;
    current.confirmed[1] = 1;
    expect(unconvertedAt(at(5), current, previous)).toBe(4 + 3 + 1);
    expect(unconvertedAt(at(12), current, previous)).toBe(3 + 1);
  });

  it('blocks a prefix without history at the floor, and not before', () => {
    const current = emptyHour();
    current.sent[0] = rule.floor - 1;
    const counts = { current, previous: emptyHour() };
    expect(judge(rule, emptyProfile(), counts, at(1))).toEqual({ admit: true });
    current.sent[0] = rule.floor;
    expect(judge(rule, emptyProfile(), counts, at(1))).toMatchObject({ admit: false, reason: 'anomalous' });
  });

  it("allows a busy prefix what its own well-converting history shows, and an attacker's hour teaches nothing", () => {
    const busy = emptyHour();
    for (let slot = 0; slot < 12; slot++) {
      busy.sent[slot] = 40;
      busy.confirmed[slot] = 34;
    }
    expect(lessonOf(busy)).toBe(18);
    const profile = learn(emptyProfile(), HOUR + 1, busy)!;
    expect(profile.baseline).toBe(18);
    const current = emptyHour();
    current.sent[0] = 50;
    expect(judge(rule, profile, { current, previous: busy }, at(60))).toEqual({ admit: true });

    const pumped = emptyHour();
    pumped.sent[3] = 40;
    expect(lessonOf(pumped)).toBeUndefined();
    expect(learn(emptyProfile(), HOUR + 1, pumped)!.baseline).toBe(0);
    // Learned once per hour.
    expect(learn(profile, HOUR + 1, busy)).toBeUndefined();
  });

  it('refuses while a block lasts, and discounts what an operator accepted with a lift', () => {
    const current = emptyHour();
    current.sent[0] = 25;
    const counts = { current, previous: emptyHour() };
    const blocked = { ...emptyProfile(), blockedUntilMs: at(30) };
    expect(judge(rule, blocked, counts, at(2))).toMatchObject({ admit: false, reason: 'blocked' });
    const lifted = { ...emptyProfile(), liftOffset: 25, liftedUntilMs: at(2) + 3 * SLOT_MS };
    expect(judge(rule, lifted, counts, at(2))).toEqual({ admit: true });
  });
});
