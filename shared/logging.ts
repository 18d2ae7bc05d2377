/**
 * One JSON line per log entry, in the shape CloudWatch Logs Insights queries easily. Callers pass only fields that
 * are safe to log: never request bodies, OTPs, signatures or `device_data`.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';

const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const threshold = order[(process.env.LOG_LEVEL?.toLowerCase() as Level) ?? 'info'] ?? order.info;

function write(level: Level, message: string, fields: Record<string, unknown>) {
  if (order[level] < threshold || process.env.LOG_SILENT === 'true') return;
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === 'error' || level === 'warn') console.error(line);
  else console.log(line);
}

export const logger = {
  debug: (message: string, fields: Record<string, unknown> = {}) => write('debug', message, fields),
  info: (message: string, fields: Record<string, unknown> = {}) => write('info', message, fields),
  warn: (message: string, fields: Record<string, unknown> = {}) => write('warn', message, fields),
  error: (message: string, fields: Record<string, unknown> = {}) => write('error', message, fields),
};
