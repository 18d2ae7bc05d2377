import type { DynamoCoolingOffs } from '../cooling-off/dynamo-cooling-offs.ts';
import { LanguageStore } from '../language/dynamo-language-store.ts';
import { numberKey, toRecord } from '../mobile-number/dynamo-mobile-number-store.ts';
import { type DocumentClient, readItems } from '../storage/dynamo.ts';
import type { Recipient, Recipients } from './ports.ts';

/** The person's number, language setting and cooling-off window: three items, one BatchGetItem. */
export class DynamoRecipients implements Recipients {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly languages: LanguageStore,
    private readonly coolingOffs: DynamoCoolingOffs,
  ) {}

  async recipient(personId: string): Promise<Recipient> {
    const [numberItem, languageItem, windowItem] = await readItems(this.db, this.tableName, [
      numberKey(personId),
      this.languages.key(personId),
      this.coolingOffs.key(personId),
    ]);
    return {
      personId,
      number: numberItem ? toRecord(numberItem) : undefined,
      language: LanguageStore.languageIn(languageItem),
      coolingOff: this.coolingOffs.windowIn(personId, windowItem),
    };
  }
}
