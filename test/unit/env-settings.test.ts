import { afterEach, describe, expect, it } from 'vitest';
import {
  authSection,
  codeSection,
  coolingOffSection,
  idempotencySection,
  loadAuthScopes,
  loadConfig,
  pepperSection,
  receiptKeySection,
  regionSection,
  sandboxSection,
  smsSection,
  smsSenderSection,
  tableSection,
  webhookSection,
} from '../../shared/config.ts';
import {
  type ConfigSection,
  ENV_SETTINGS,
  type EnvName,
  type EnvSetting,
  settingOf,
  UndeclaredSettingError,
} from '../../shared/settings.ts';
import { recording } from '../support/recording-env.ts';

/** Every section of shared/config.ts, by the name the declarations use. */
const SECTIONS: Partial<Record<ConfigSection, (env: NodeJS.ProcessEnv) => unknown>> = {
  table: tableSection,
  region: regionSection,
  codes: codeSection,
  sandbox: sandboxSection,
  sms: smsSection,
  smsSender: smsSenderSection,
  pepper: pepperSection,
  webhooks: webhookSection,
  auth: authSection,
  scopes: loadAuthScopes,
  coolingOff: coolingOffSection,
  idempotency: idempotencySection,
  receiptKey: receiptKeySection,
};

/** Valid values for the variables without a default, so every section reads through. */
const REQUIRED = {
  TABLE_NAME: 'phone-security',
  OTP_PEPPER: 'p'.repeat(32),
  RECEIPT_ISSUER: 'phone-security:test',
  RECEIPT_KEY_ID: 'arn:aws:kms:eu-central-1:111111111111:key/test',
};

const declarations = ENV_SETTINGS as Record<string, EnvSetting>;
let removed: [string, EnvSetting] | undefined;
afterEach(() => {
  if (removed) declarations[removed[0]] = removed[1];
  removed = undefined;
});

describe('environment settings', () => {
  it('refuses to read a variable that is not declared', () => {
    expect(() => settingOf('OTP_TTL_SECOND' as EnvName)).toThrow(UndeclaredSettingError);
    expect(() => settingOf('toString' as EnvName)).toThrow(/toString is read but not declared/);
  });

  it('makes a section fail at once when one of its variables loses its declaration', () => {
    expect(codeSection({}).otpTtlSeconds).toBe(300);
    removed = ['OTP_TTL_SECONDS', declarations.OTP_TTL_SECONDS!];
    delete declarations.OTP_TTL_SECONDS;
    expect(() => codeSection({})).toThrow(
      'Environment variable OTP_TTL_SECONDS is read but not declared in shared/settings.ts',
    );
    expect(() => loadConfig({ TABLE_NAME: 't' })).toThrow(UndeclaredSettingError);
  });

  it('takes defaults and limits from the declarations', () => {
    removed = ['OTP_TTL_SECONDS', declarations.OTP_TTL_SECONDS!];
    declarations.OTP_TTL_SECONDS = { ...removed[1], default: '120', max: 600 };
    expect(codeSection({}).otpTtlSeconds).toBe(120);
    expect(() => codeSection({ OTP_TTL_SECONDS: '601' })).toThrow('OTP_TTL_SECONDS: must be <= 600');
    expect(() => codeSection({ OTP_TTL_SECONDS: '12.5' })).toThrow('OTP_TTL_SECONDS: must be an integer');
    expect(() => smsSenderSection({ SMS_ADAPTER: 'carrier-pigeon' })).toThrow(
      'SMS_ADAPTER: must be one of sns, outbox',
    );
  });

  it('declares, for each section, exactly the variables the section reads', () => {
    const declared = (section: ConfigSection) =>
      Object.entries(declarations)
        .filter(([, setting]) => setting.sections.includes(section))
        .map(([name]) => name)
        .sort();
    for (const [section, read] of Object.entries(SECTIONS) as [
      ConfigSection,
      (env: NodeJS.ProcessEnv) => unknown,
    ][]) {
      const recorded = recording({ ...REQUIRED });
      read(recorded.env);
      expect([...recorded.read].sort(), section).toEqual(declared(section));
    }
  });

  it('has a default within its own limits for every declared variable', () => {
    const env = Object.fromEntries(
      Object.entries(declarations)
        .filter(([, setting]) => setting.default !== undefined)
        .map(([name, setting]) => [name, setting.default!]),
    );
    expect(() => loadConfig({ ...env, ...REQUIRED })).not.toThrow();
  });
});
