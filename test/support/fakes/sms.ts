import type { Languages } from '../../../shared/language/ports.ts';
import { renderSms } from '../../../shared/sms/render.ts';
import type { DispatchRequest, PreparedSms, SmsDispatch } from '../../../shared/sms/sms-port.ts';
import type { Language } from '../../../shared/sms/templates.ts';

/** The SMS port on memory: every dispatched or sent SMS is kept in `sent`; `failWith` makes sending fail. */
export class FakeSms implements SmsDispatch {
  readonly sent: DispatchRequest[] = [];
  failWith: Error | undefined;

  prepare(request: Omit<DispatchRequest, 'beforeSend'>): PreparedSms {
    const text = renderSms(request.templateKey, request.language, request.variables);
    return {
      message: { to: request.to, text, language: request.language, templateKey: request.templateKey },
      writes: [],
    };
  }

  readonly confirmations: string[] = [];

  async confirmed(number: string): Promise<void> {
    this.confirmations.push(number);
  }

  async send(prepared: PreparedSms): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push({
      to: prepared.message.to,
      personId: prepared.message.personId ?? '',
      templateKey: prepared.message.templateKey,
      language: prepared.message.language,
      variables: {},
    });
  }

  async dispatch(request: DispatchRequest): Promise<void> {
    if (this.failWith) throw this.failWith;
    await request.beforeSend?.();
    this.sent.push(request);
  }
}

/** Every person's SMS language on memory (`language` for whoever has no setting). */
export class FakeLanguages implements Languages {
  private readonly settings = new Map<string, Language>();

  constructor(private readonly fallback: Language = 'en') {}

  async get(personId: string): Promise<Language | undefined> {
    return this.settings.get(personId);
  }

  async languageFor(personId: string): Promise<Language> {
    return this.settings.get(personId) ?? this.fallback;
  }

  async put(personId: string, language: Language): Promise<void> {
    this.settings.set(personId, language);
  }
}
