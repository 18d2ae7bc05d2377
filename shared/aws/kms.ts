import { receiptKeySection } from '../config.ts';
import type { ReceiptSigner } from '../receipts/receipt-signer.ts';
import { onFirstUse } from './on-first-use.ts';

/**
 * The KMS adapter: only the handlers of routes that sign receipts or publish their keys compose with it. Reads
 * RECEIPT_KEY_ID (and RECEIPT_RETIRED_KEY_IDS), which the stack sets on exactly those functions, when the function is
 * composed, so a missing setting fails its init; the KMS client is loaded and made on the first receipt or key-set
 * request (shared/aws/kms-receipt-signer.ts).
 */
export function kmsReceiptSigner(env: NodeJS.ProcessEnv = process.env): ReceiptSigner {
  const settings = receiptKeySection(env);
  const signer = onFirstUse(async () =>
    (await import('./kms-receipt-signer.ts')).createKmsReceiptSigner(settings),
  );
  return {
    sign: async (claims) => (await signer()).sign({ iss: settings.receiptIssuer, ...claims }),
    publicKeys: async () => (await signer()).publicKeys(),
  };
}
