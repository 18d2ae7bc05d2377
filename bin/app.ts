/** The CDK app (`npm run synth`, `npm run deploy -- <stage>`); its context values are declared in lib/settings.ts. */
import { createApp } from '../lib/app.ts';
import { SettingsError } from '../lib/settings.ts';

try {
  createApp();
} catch (error) {
  // A wrong context value is the user's to fix: one line, no stack trace.
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exit(1);
}
