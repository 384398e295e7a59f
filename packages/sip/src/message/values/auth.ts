/**
 * Authorization, Proxy-Authorization, WWW-Authenticate, Proxy-Authenticate (RFC 3261 §20.7,
 * §20.27, §20.28, §20.44, §25.1; RFC 7616 for Digest):
 *
 *   challenge   = ("Digest" LWS digest-cln *(COMMA digest-cln)) / other-challenge
 *   credentials = ("Digest" LWS digest-response) / other-response
 *
 * The commas here separate parameters, not header values, so these headers are never split
 * as lists (§7.3.1).
 */
import { badHeader } from '../../errors.ts';
import { quote, ValueScanner } from '../../syntax/scanner.ts';
import { unfold, type HeaderField } from '../headers.ts';

/** One challenge or credentials value. */
export interface AuthValue {
  /** Scheme as written (`Digest`; compare case-insensitively). */
  scheme: string;
  /** Parameters by lower-cased name, values unquoted. */
  params: Map<string, string>;
  /** A token68 blob for schemes that carry one instead of parameters (`Basic xyz==`). */
  token68: string | undefined;
}

/** Digest challenge fields (RFC 7616 §3.3). */
export interface DigestChallenge {
  /** realm */
  realm: string;
  /** nonce */
  nonce: string;
  /** opaque, echoed back unchanged */
  opaque: string | undefined;
  /** algorithm (`MD5` when absent, §3.3), as written */
  algorithm: string;
  /** qop options offered (`auth`, `auth-int`), lower-cased */
  qop: string[];
  /** stale=true: retry with the new nonce without asking the user (§3.3) */
  stale: boolean;
  /** domain URIs, space-separated in the wire form */
  domain: string | undefined;
}

/** Parses one auth value (`scheme params`). */
export function parseAuthValue(text: string, header: string): AuthValue {
  const scanner = new ValueScanner(text, header);
  scanner.skipSws();
  const scheme = scanner.requireToken('auth scheme');
  const params = new Map<string, string>();
  let token68: string | undefined;
  scanner.skipSws();
  if (scanner.atEnd()) return { scheme, params, token68 };
  // token68 (RFC 7235 §2.1): a blob with no "=" before its trailing padding.
  const rest = text.slice(scanner.pos).trim();
  if (/^[A-Za-z0-9\-._~+/]+=*$/.test(rest) && !/^[A-Za-z0-9\-._~+/]+=[^=]/.test(rest)) {
    return { scheme, params, token68: rest };
  }
  for (;;) {
    scanner.skipSws();
    const name = scanner.requireToken('auth-param name').toLowerCase();
    scanner.skipSws();
    scanner.expect(0x3d, '"="');
    scanner.skipSws();
    const value =
      scanner.peek() === 0x22 ? unquoteValue(scanner.quotedRaw()) : scanner.requireToken(`value of ${name}`);
    params.set(name, value);
    scanner.skipSws();
    if (scanner.atEnd()) break;
    scanner.expect(0x2c, '","');
  }
  return { scheme, params, token68 };
}

function unquoteValue(raw: string): string {
  return raw.slice(1, -1).replace(/\\([\s\S])/g, '$1');
}

/** Every value of an auth header, one per field (RFC 3261 §20.44 puts one challenge per field). */
export function parseAuthFields(fields: HeaderField[], header: string): AuthValue[] {
  return fields.map((field) => parseAuthValue(unfold(field.raw), header));
}

/**
 * Reads the Digest fields of a challenge.
 * @throws SipParseError when it is not Digest or lacks realm/nonce
 */
export function digestChallenge(value: AuthValue, header = 'WWW-Authenticate'): DigestChallenge {
  if (value.scheme.toLowerCase() !== 'digest') throw badHeader(header, `scheme ${value.scheme} is not Digest`);
  const realm = value.params.get('realm');
  const nonce = value.params.get('nonce');
  if (realm === undefined || nonce === undefined) throw badHeader(header, 'Digest challenge without realm or nonce');
  const qop = value.params.get('qop');
  return {
    realm,
    nonce,
    opaque: value.params.get('opaque'),
    algorithm: value.params.get('algorithm') ?? 'MD5',
    qop:
      qop === undefined
        ? []
        : qop
            .split(',')
            .map((q) => q.trim().toLowerCase())
            .filter((q) => q.length > 0),
    stale: value.params.get('stale')?.toLowerCase() === 'true',
    domain: value.params.get('domain'),
  };
}

/**
 * Parameters that are tokens on the wire, never quoted (RFC 7616 §3.4: algorithm, qop in
 * credentials, nc; §3.3 stale).
 */
const UNQUOTED_AUTH_PARAMS = new Set(['algorithm', 'qop', 'nc', 'stale']);

/**
 * Wire form of a challenge or credentials: `Digest a="b", algorithm=MD5`. Values of
 * algorithm/nc/stale are written bare, everything else quoted; qop is bare in credentials and
 * quoted in a challenge (where it is a list, RFC 7616 §3.3), so pass `challenge: true` there.
 */
export function formatAuthValue(
  scheme: string,
  params: Iterable<readonly [name: string, value: string]>,
  options: { challenge?: boolean } = {},
): string {
  const parts: string[] = [];
  for (const [name, value] of params) {
    const lower = name.toLowerCase();
    const bare = UNQUOTED_AUTH_PARAMS.has(lower) && !(lower === 'qop' && options.challenge === true);
    parts.push(`${name}=${bare ? value : quote(value)}`);
  }
  return `${scheme} ${parts.join(', ')}`;
}
