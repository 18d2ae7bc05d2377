/** The CDK app (`npx cdk synth`, `npx cdk deploy`); its context values are listed in lib/app.ts. */
import { createApp } from '../lib/app.ts';

createApp();
