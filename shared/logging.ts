/**
 * One JSON object per log entry, with the fields an operator queries: `correlation_id`, `operation`, `status`,
 * `latency_ms` and `cold_start` on every line, plus what the caller adds. Callers pass only fields that are safe to
 * log: never request bodies, OTPs, signatures or `device_data`. Phone numbers are masked here, whatever the caller
 * passes (`+49151******89`).
 *
 * How a line reaches CloudWatch. Every function runs with Lambda's JSON log format (`AWS_LAMBDA_LOG_FORMAT=JSON`).
 * Under it the Node.js runtime replaces the console methods: a call with one argument is written as
 * `{"timestamp", "level", "requestId", "message": <that argument>}`, the argument kept as a JSON value, while a
 * string stays an opaque string (aws-lambda-nodejs-runtime-interface-client, `formatJsonMessage` in
 * src/LogPatch.js and src/logging/formatter.ts). So on Lambda the entry is passed as an object, and its fields are
 * queryable as `message.operation`, `message.status`... The level is the console method's: `console.warn` is WARN,
 * `console.error` ERROR. Elsewhere (npm start, tests, a TEXT-format deployment) the entry is one JSON string line.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { envValue } from './settings.ts';

type Level = 'debug' | 'info' | 'warn' | 'error';

/** `status` is the outcome the line reports: an HTTP status, or a word (`published`, `failed`, `not_sent`...). */
export type LogFields = { status: number | string } & Record<string, unknown>;

/** What every line of one invocation shares. */
export interface InvocationContext {
  correlationId: string;
  operation: string;
  coldStart: boolean;
  startedAt: number;
}

const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const threshold = order[envValue('LOG_LEVEL')?.toLowerCase() as Level] ?? order.info;
const lambdaJson = process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';

const invocations = new AsyncLocalStorage<InvocationContext>();
/** Operations that have run in this process: the first invocation of each is its cold start. */
const started = new Set<string>();

/**
 * Runs `work` as one invocation of `operation`: every line logged inside it (across awaits) carries the correlation
 * id, the operation, whether this is the process's first invocation of it, and the time since it began.
 */
export function withInvocation<T>(operation: string, correlationId: string, work: () => T): T {
  const coldStart = !started.has(operation);
  started.add(operation);
  return invocations.run({ correlationId, operation, coldStart, startedAt: Date.now() }, work);
}

/** The current invocation, if any (metrics take its operation and correlation id from here). */
export const currentInvocation = (): InvocationContext | undefined => invocations.getStore();

const E164_IN_TEXT = /\+[1-9]\d{6,14}/g;
/** Fields that hold a phone number even without its `+`. */
const PHONE_FIELDS = new Set([
  'number',
  'phone',
  'to',
  'new_number',
  'old_number',
  'mobile_number',
  'phone_number',
]);

/**
 * `+4915123456789` -> `+49151******89`: the country and network prefix and the last two digits stay, enough to
 * tell numbers apart in an incident; at least four digits are always hidden.
 */
export function maskPhoneNumber(number: string): string {
  const digits = number.replace(/\D/g, '');
  const head = Math.max(0, Math.min(5, digits.length - 6));
  const tail = Math.min(2, Math.max(0, digits.length - 4));
  const masked = digits.length - head - tail;
  return `${number.startsWith('+') ? '+' : ''}${digits.slice(0, head)}${'*'.repeat(masked)}${digits.slice(digits.length - tail)}`;
}

const maskText = (text: string) => text.replace(E164_IN_TEXT, maskPhoneNumber);

/** Every string in the value with phone numbers masked; whole values of phone-number fields masked. */
export function redact(value: unknown, key?: string): unknown {
  if (typeof value === 'string') {
    return key !== undefined && PHONE_FIELDS.has(key) && /\d{5}/.test(value)
      ? maskPhoneNumber(value)
      : maskText(value);
  }
  if (value instanceof Error) return { name: value.name, message: maskText(value.message) };
  if (Array.isArray(value)) return value.map((item) => redact(item));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

function write(level: Level, msg: string, fields: LogFields) {
  if (order[level] < threshold || envValue('LOG_SILENT') === 'true') return;
  const invocation = invocations.getStore();
  const entry = redact({
    level,
    msg,
    correlation_id: invocation?.correlationId ?? null,
    operation: invocation?.operation ?? null,
    latency_ms: invocation ? Date.now() - invocation.startedAt : null,
    cold_start: invocation?.coldStart ?? null,
    ...fields,
  }) as Record<string, unknown>;
  if (!lambdaJson) entry.time = new Date().toISOString();
  const line = lambdaJson ? entry : JSON.stringify(entry);
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else if (level === 'debug') console.debug(line);
  else console.info(line);
}

export const logger = {
  debug: (msg: string, fields: LogFields) => write('debug', msg, fields),
  info: (msg: string, fields: LogFields) => write('info', msg, fields),
  warn: (msg: string, fields: LogFields) => write('warn', msg, fields),
  error: (msg: string, fields: LogFields) => write('error', msg, fields),
};

/** An error as log fields: its name and (masked) message, never its stack's arguments. */
export const errorFields = (error: unknown) =>
  error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) };
