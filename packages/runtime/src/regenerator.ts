/**
 * Rebuilds talkbus errors that crossed the broker, so a caller on another node gets a
 * `TalkbusError` with the same code, status and data (STYLE §7).
 */
import Moleculer from 'moleculer';
import { TalkbusError, isErrorCode } from '@talkbus/contracts';

type PlainError = Parameters<Moleculer.Errors.Regenerator['restoreCustomError']>[0];

/** Moleculer regenerator that knows `TalkbusError`. */
export class TalkbusRegenerator extends Moleculer.Errors.Regenerator {
  // Moleculer's typings say Error, but its code treats undefined as "not mine".
  override restoreCustomError(plain: PlainError): Error {
    if (plain.name === 'TalkbusError' && isErrorCode(plain.type)) {
      return new TalkbusError(plain.type, plain.message, plain.data ?? {});
    }
    return undefined as unknown as Error;
  }
}
