/**
 * tel: URIs (RFC 3966 §3):
 *
 *   telephone-uri = "tel:" telephone-subscriber
 *   global-number = global-number-digits *par          ; "+" *phonedigit DIGIT *phonedigit
 *   local-number  = local-number-digits *par context *par
 *   visual-separator = "-" / "." / "(" / ")"
 *
 * Visual separators are kept for display and removed for comparison (§4).
 */
import { badUri } from '../errors.ts';
import { isEscapedText, PARAM_CHARS } from './escape.ts';
import { UriParams } from './sip-uri.ts';
import type { ParamEntry } from '../syntax/params.ts';

/** Fields to build a {@link TelUri} from. */
export interface TelUriInit {
  /** The number as written, e.g. `+86-10-1234` or `7042` (local numbers need `phoneContext`). */
  number: string;
  /** `phone-context` for local numbers: a domain or a global number prefix. */
  phoneContext?: string;
  /** Further parameters (`isub`, `ext`, others) in order. */
  params?: ParamEntry[];
}

/** A parsed or built tel: URI. */
export class TelUri {
  /** Discriminant shared by all URI classes. */
  readonly kind = 'tel' as const;
  /** Always `tel`. */
  readonly scheme = 'tel' as const;
  /** The number as written (with visual separators). */
  number: string;
  /** Parameters, in order (`phone-context`, `isub`, `ext`, ...). */
  params: UriParams;

  /** @param init number and parameters */
  constructor(init: TelUriInit) {
    this.number = init.number;
    this.params = new UriParams(init.params ?? []);
    if (init.phoneContext !== undefined) this.params.setRaw('phone-context', init.phoneContext);
  }

  /** True for a global number (`+` prefix, E.164). */
  get isGlobal(): boolean {
    return this.number.startsWith('+');
  }

  /** The number without visual separators, hex digits upper-cased (RFC 3966 §4). */
  get normalizedNumber(): string {
    return stripVisualSeparators(this.number).toUpperCase();
  }

  /** `phone-context` parameter. */
  get phoneContext(): string | undefined {
    return this.params.get('phone-context') ?? undefined;
  }

  /** `isub` parameter (ISDN subaddress). */
  get isub(): string | undefined {
    return this.params.get('isub') ?? undefined;
  }

  /** `ext` parameter (extension). */
  get ext(): string | undefined {
    return this.params.get('ext') ?? undefined;
  }

  /** A deep copy. */
  clone(): TelUri {
    return new TelUri({ number: this.number, params: this.params.clone().entries });
  }

  /** Wire form. */
  toString(): string {
    return `tel:${this.number}${this.params.toString()}`;
  }
}

/** Removes RFC 3966 visual separators (`-` `.` `(` `)`) and, leniently, spaces. */
export function stripVisualSeparators(number: string): string {
  let out = '';
  for (let i = 0; i < number.length; i++) {
    const c = number[i]!;
    if (c !== '-' && c !== '.' && c !== '(' && c !== ')' && c !== ' ') out += c;
  }
  return out;
}

function isPhoneDigit(c: number, hex: boolean): boolean {
  if (c >= 0x30 && c <= 0x39) return true;
  if (c === 0x2d || c === 0x2e || c === 0x28 || c === 0x29) return true;
  if (!hex) return false;
  return (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) || c === 0x2a || c === 0x23;
}

/** pname = 1*( alphanum / "-" ) */
function isParamName(name: string): boolean {
  return /^[A-Za-z0-9-]+$/.test(name);
}

/** Parses a whole `tel:` URI (`text` starts with the scheme, any case). */
export function parseTelUri(text: string): TelUri {
  const body = text.slice(4);
  const semi = body.indexOf(';');
  const number = semi < 0 ? body : body.slice(0, semi);
  const global = number.startsWith('+');
  const digits = global ? number.slice(1) : number;
  let sawDigit = false;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (!isPhoneDigit(c, !global)) throw badUri('bad telephone number', text);
    if (global ? c >= 0x30 && c <= 0x39 : !(c === 0x2d || c === 0x2e || c === 0x28 || c === 0x29)) sawDigit = true;
  }
  if (!sawDigit) throw badUri('telephone number without digits', text);
  const params: ParamEntry[] = [];
  if (semi >= 0) {
    for (const part of body.slice(semi + 1).split(';')) {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? null : part.slice(eq + 1);
      if (!isParamName(name)) throw badUri('bad tel parameter name', text);
      if (value !== null && !isEscapedText(value, PARAM_CHARS)) throw badUri('bad tel parameter value', text);
      params.push({ name, value });
    }
  }
  const uri = new TelUri({ number, params });
  // RFC 3966 §5.1.5 says a local number MUST carry phone-context, but the product guide's own
  // dial strings (§6.11.2, `tel:13486651032`) and many deployed phones omit it, so a missing
  // context is accepted here; `TelUri.phoneContext` is then undefined and comparison treats it
  // as its own (empty) context.
  const ext = uri.params.get('ext');
  if (
    ext !== undefined &&
    (ext === null || ext.length === 0 || ![...ext].every((ch) => isPhoneDigit(ch.charCodeAt(0), false)))
  ) {
    throw badUri('bad ext parameter', text);
  }
  return uri;
}
