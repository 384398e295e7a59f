/**
 * Logger options for the broker: structured JSON lines, or readable text on a terminal.
 */
import type { LoggerConfig } from 'moleculer';
import type { TalkbusConfig } from './config.ts';

/** Moleculer logger options for a config. */
export function loggerOptions(config: TalkbusConfig): LoggerConfig {
  return {
    type: 'Console',
    options: {
      level: config.log.level,
      formatter: config.log.format === 'json' ? 'json' : 'short',
      colors: config.log.format === 'text',
      moduleColors: false,
      autoPadding: false,
      objectPrinter: printObject,
    },
  };
}

/** Prints a logged object as JSON; errors keep their name, message, code and data (JSON drops them). */
function printObject(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (!(inner instanceof Error)) return inner;
    const e = inner as Error & { code?: unknown; type?: unknown; data?: unknown };
    return { name: e.name, message: e.message, code: e.code, type: e.type, data: e.data, cause: e.cause };
  });
}
