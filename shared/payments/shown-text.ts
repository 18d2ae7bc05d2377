/**
 * What a payment text may be, so the person reads on the phone exactly what was authorized and nothing else.
 *
 * - Well-formed Unicode only: a lone surrogate has no UTF-8 form, so hashing would turn it into U+FFFD and two
 *   different names would sign the same bytes (and a strict verifier could not re-hash the receipt).
 * - Normalized, not refused: NFKC turns fullwidth letters and digits into their plain forms and U+3000 into a space,
 *   and every run of spaces becomes one. The normalized text is what is stored, hashed (the digest), signed by the
 *   device, put in the SMS and answered, so the digest is always over exactly what is shown. A confirmation that
 *   repeats the original spelling normalizes to the same text and the same digest.
 * - A payee name never shows an account number: the person must read the real IBAN, and a name like
 *   "Müller (DE89 3704 0044 0532 0130 00)" would show a second one. Such names are refused, not redacted: a redacted
 *   name would differ from what the partner sent and still look like an account ("DE89 ****"), and a partner that
 *   sends one has a bug or an attacker upstream that it should see.
 * - A payee name is short enough that the IBAN after it survives a lock-screen preview (PREVIEW_CHARS), in all five
 *   SMS languages, at the largest amount (test/unit/payment-texts.test.ts measures it).
 */

/** Characters a shown text may not hold: controls (line breaks), format characters (bidi overrides), private use. */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}]/u;

export const hasForbiddenCharacters = (text: string): boolean => FORBIDDEN.test(text);

/** NFKC, every run of space separators (U+3000, no-break spaces, …) as one plain space, trimmed. */
export const normalizeShown = (text: string): string =>
  text
    .normalize('NFKC')
    .replace(/\p{Zs}+/gu, ' ')
    .trim();

/**
 * How many characters of a preview a text takes: one per code point, two for wide characters (CJK, Hangul, emoji),
 * which take two columns. Combining marks count one each, so a pile of them cannot hide behind a short width.
 */
export function shownWidth(text: string): number {
  let width = 0;
  for (const char of text) width += WIDE.test(char) ? 2 : 1;
  return width;
}

const WIDE =
  /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\p{Extended_Pictographic}\u{20000}-\u{3FFFD}]/u;

/**
 * Six or more decimal digits (any script) in a row, allowing one space, dot, dash or slash between two of them: every
 * IBAN's basic account number has such a run, and so do domestic account numbers and sort codes ("20-00-00").
 */
const DIGIT_RUN = /\p{Nd}(?:[ .\-/]?\p{Nd}){5,}/u;

/**
 * An IBAN as people write it: two letters, two digits, then 11 to 30 letters or digits in one word, or in groups of
 * four split by spaces or dashes (the last group shorter).
 */
const IBAN_LIKE = /\b[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?:[ -][A-Z0-9]{4}){2,7}(?:[ -][A-Z0-9]{1,4})?)\b/gi;

/** ISO 13616 check digits (mod 97) over an IBAN without spaces, capitals. */
export function ibanChecksumHolds(value: string): boolean {
  const rearranged = value.slice(4) + value.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const digits = /[A-Z]/.test(char) ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** Whether a (normalized) text shows something a reader would take for an account number or an IBAN. */
export function showsAccountNumber(text: string): boolean {
  if (DIGIT_RUN.test(text)) return true;
  for (const match of text.matchAll(IBAN_LIKE)) {
    const compact = match[0].replace(/[ -]/g, '').toUpperCase();
    // Any prefix of 15 or more characters may be the IBAN; the rest may be a word of four letters that follows it.
    for (let end = compact.length; end >= 15; end--)
      if (ibanChecksumHolds(compact.slice(0, end))) return true;
  }
  return false;
}

/**
 * The preview the IBAN must fit in, in characters from the start of the SMS to the IBAN's last character. An assumption
 * of this service, not a platform figure: about four lines of a phone's notification, and one GSM-7 SMS segment.
 */
export const PREVIEW_CHARS = 160;

/**
 * The widest payee name (shownWidth) a payment may carry. With the longest text before the payee (Italian), the
 * longest amount under MAX_AMOUNT_MINOR and the longest IBAN (34 characters, 42 in groups of four), the IBAN still
 * ends within PREVIEW_CHARS in every SMS language.
 */
export const PAYEE_NAME_MAX_WIDTH = 40;
