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
      objectPrinter: (value: unknown) => JSON.stringify(value),
    },
  };
}
