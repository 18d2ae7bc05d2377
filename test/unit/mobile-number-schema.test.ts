import { describe, expect, it } from 'vitest';
import { createMobileNumberQuery } from '../../shared/mobile-number/mobile-number.schema.ts';

describe('create mobile number query', () => {
  it('takes with_identification=false or nothing, and drops other parameters', () => {
    expect(createMobileNumberQuery.parse({})).toEqual({});
    expect(createMobileNumberQuery.parse({ with_identification: 'false', other: 'x' })).toEqual({
      with_identification: 'false',
    });
  });

  it('refuses with_identification=true (and any other value) instead of ignoring it', () => {
    for (const value of ['true', 'TRUE', '1', '']) {
      const parsed = createMobileNumberQuery.safeParse({ with_identification: value });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/identification is not supported/);
    }
  });
});
