/**
 * Minor units of the ISO 4217 currencies (list one, the active codes; source: the ISO 4217 maintenance agency's
 * published list, SIX Group). A payment amount arrives in minor units, so the number of decimals must be ISO's, not
 * ICU's display digits: ICU (CLDR) shows, for example, HUF, COP and IDR without decimals and IQD with none instead of
 * three, and reading `150000 HUF` with ICU's digits would show a hundred times the amount.
 *
 * Codes with no minor unit in ISO 4217 ("N.A.": precious metals, SDR, test and "no currency" codes) are not listed:
 * nobody pays in them, so they are refused.
 */
const BY_DIGITS: Record<0 | 2 | 3 | 4, string> = {
  0: 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF',
  2: [
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF',
    'CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF',
    'IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN',
    'MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS',
    'SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG',
  ].join(' '),
  3: 'BHD IQD JOD KWD LYD OMR TND',
  4: 'CLF UYW',
};

const MINOR_UNITS: ReadonlyMap<string, number> = new Map(
  Object.entries(BY_DIGITS).flatMap(([digits, codes]) =>
    codes.split(' ').map((code) => [code, Number(digits)]),
  ),
);

/** The ISO 4217 minor units of an active currency code, or undefined for a code this table does not know. */
export const isoMinorUnits = (currency: string): number | undefined => MINOR_UNITS.get(currency);

/** Every currency code a payment may name. */
export const ISO_CURRENCIES: readonly string[] = [...MINOR_UNITS.keys()];
