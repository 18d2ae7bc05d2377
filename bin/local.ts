/**
 * `npm start`: the whole service on this machine, no AWS account needed.
 *   npm start                 in-memory DynamoDB Local, data gone on exit
 *   npm start -- --persist    keep data under .local/ (--data-dir DIR for another folder)
 * PORT (default 3000) picks the port; the server listens on 127.0.0.1 only.
 */
export {};

// The lockfile pins the SDK; its notice about future Node versions is noise on every start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { startLocalService } = await import('#shared/local/local-service.ts');
const { DEV_ISSUER_KEY_FILE } = await import('#shared/auth/dev-issuer.ts');
const { envValue } = await import('#shared/settings.ts');

const { localSettings, FIXED_LOCALLY } = await import('#shared/local/local-settings.ts');
const { fail, parseCli } = await import('./cli.ts');

const { values } = parseCli({
  usage: `usage: npm start [-- --persist] [-- --data-dir DIR]
  --persist         keep data (and the local OTP pepper) under .local/
  --data-dir DIR    keep them in DIR instead (with --persist)
Environment: PORT (default 3000) and the settings in docs/configuration.md that apply locally,
for example SMS_COUNTRIES=DE,CH or COOLING_OFF_SECONDS=60.`,
  options: {
    persist: { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: '.local' },
  },
});
const port = Number(envValue('PORT'));
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a port number, not ${process.env.PORT}`);
  process.exit(2);
}
const settings = localSettings(process.env);
process.env.LOG_SILENT ??= 'true';
process.env.METRICS_DISABLED ??= 'true';

const service = await startLocalService({
  port,
  env: settings.env,
  ...(values.persist ? { persistPath: values['data-dir'] } : {}),
  // Kept on disk even without --persist, so tokens from `npm run token` work with this server.
  issuerKeyFile: DEV_ISSUER_KEY_FILE,
  log: (line) => console.log(`${new Date().toISOString()} ${line}`),
}).catch((error: unknown) => {
  // A bad setting is the user's to fix: one line naming it, as a cold start's log would.
  if (error instanceof Error && error.message.startsWith('Invalid configuration')) fail(error.message);
  throw error;
});

// One write, so whoever reads the output (a terminal, a test waiting for "listening on") gets the banner whole.
console.log(
  [
    `Phone security service listening on ${service.url}`,
    `  Console:        ${service.url}/ (SMS, events, webhook deliveries, tokens, API reference)`,
    `  DynamoDB Local: ${service.dynamoEndpoint}${values.persist ? ` (data kept in ${values['data-dir']})` : ' (in memory)'}`,
    `  SMS outbox:     ${service.url}/_local/sms`,
    `  Token keys:     ${service.url}/.well-known/jwks.json (npm run token -- --partner | --operator | --user <id>)`,
    ...(settings.changed.length > 0 ? [`  Settings:       ${settings.changed.join(' ')}`] : []),
    ...settings.ignored.map((name) => `  Ignored:        ${name} (fixed locally: ${FIXED_LOCALLY[name]})`),
    'Press Ctrl-C to stop.',
  ].join('\n'),
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await service.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
