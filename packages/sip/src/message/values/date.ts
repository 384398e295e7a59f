/**
 * Date (RFC 3261 §20.17): SIP-date = rfc1123-date, and "the time zone MUST be GMT"
 * (RFC 4475 §3.1.2.12 baddate has EST).
 */
import { SipErrorCode, SipParseError } from '../../errors.ts';
import { unfold, type HeaderField } from '../headers.ts';

const RFC1123 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Parses the Date header into a JS Date.
 * @throws SipParseError `INVALID_DATE` (400)
 */
export function parseDate(fields: HeaderField[]): Date | undefined {
  if (fields.length === 0) return undefined;
  const text = unfold(fields[0]!.raw).trim().replace(/\s+/g, ' ');
  const match = RFC1123.exec(text);
  const [, , day, month, year, hour, minute, second] = match ?? [];
  if (
    match === null ||
    Number(day) < 1 ||
    Number(day) > 31 ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 60
  ) {
    throw new SipParseError(SipErrorCode.InvalidDate, 'Date is not an RFC 1123 date in GMT', {
      status: 400,
      reasonPhrase: 'Bad Date Header',
      header: 'Date',
    });
  }
  return new Date(
    Date.UTC(Number(year), MONTHS.indexOf(month!), Number(day), Number(hour), Number(minute), Number(second)),
  );
}

/** Formats a Date header value (`Sat, 13 Nov 2010 23:29:00 GMT`). */
export function formatDate(date: Date): string {
  return date.toUTCString();
}
