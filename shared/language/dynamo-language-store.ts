import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Language } from '../sms/templates.ts';
import type { DocumentClient, Item, ItemKey } from '../storage/dynamo.ts';
import type { Languages } from './ports.ts';

export const DEFAULT_LANGUAGE: Language = 'en';

export class LanguageStore implements Languages {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  /** The item of the person's setting, for callers that read it together with other items. */
  key(personId: string): ItemKey {
    return { PK: `PERSON#${personId}`, SK: 'LANGUAGE_SETTINGS' };
  }

  /** The language in an item read at `key`: the person's setting, or English. */
  static languageIn(item: Item | undefined): Language {
    return (item?.language as Language | undefined) ?? DEFAULT_LANGUAGE;
  }

  async get(personId: string): Promise<Language | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(personId) }),
    );
    return Item?.language as Language | undefined;
  }

  /** The language a person's SMS are written in: their setting, or English. */
  async languageFor(personId: string): Promise<Language> {
    return (await this.get(personId)) ?? DEFAULT_LANGUAGE;
  }

  async put(personId: string, language: Language, now: Date): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...this.key(personId), entity: 'language_settings', language, updated_at: now.toISOString() },
      }),
    );
  }
}
