/**
 * SDES key exchange for SRTP (RFC 4568): `a=crypto:<tag> <suite> inline:<key||salt>[|lifetime][|MKI:length]`.
 *
 * Only what mediasoup's SRTP can do is accepted: one inline key, no MKI, no session
 * parameters (RFC 4568 §6.3: an answerer must not accept a crypto attribute whose session
 * parameters it does not support), and one of the suites in {@link SrtpSuite}.
 */
import { SdpError, SdpErrorCode } from './errors.ts';

/** SRTP crypto suites mediasoup supports (its `SrtpCryptoSuite`), named as in RFC 4568 / RFC 7714. */
export const SrtpSuite = {
  /** RFC 7714 §14.2: 256-bit key, 96-bit salt. */
  AeadAes256Gcm: 'AEAD_AES_256_GCM',
  /** RFC 7714 §14.2: 128-bit key, 96-bit salt. */
  AeadAes128Gcm: 'AEAD_AES_128_GCM',
  /** RFC 4568 §6.2.1: 128-bit key, 112-bit salt, 80-bit tag. */
  AesCm128HmacSha1_80: 'AES_CM_128_HMAC_SHA1_80',
  /** RFC 4568 §6.2.2: 128-bit key, 112-bit salt, 32-bit tag. */
  AesCm128HmacSha1_32: 'AES_CM_128_HMAC_SHA1_32',
} as const;

/** One of the {@link SrtpSuite} values. */
export type SrtpSuite = (typeof SrtpSuite)[keyof typeof SrtpSuite];

/** Default suite preference for offers and answers: the AES-CM suites every SIP phone has, then GCM. */
export const DEFAULT_SRTP_SUITES: readonly SrtpSuite[] = [
  SrtpSuite.AesCm128HmacSha1_80,
  SrtpSuite.AesCm128HmacSha1_32,
  SrtpSuite.AeadAes256Gcm,
  SrtpSuite.AeadAes128Gcm,
];

/** Length in bytes of the concatenated master key and salt for a suite (RFC 4568 §6.2, RFC 7714 §12). */
export function srtpKeyLength(suite: SrtpSuite): number {
  switch (suite) {
    case 'AEAD_AES_256_GCM':
      return 44;
    case 'AEAD_AES_128_GCM':
      return 28;
    default:
      return 30;
  }
}

/** Whether `suite` names a suite in {@link SrtpSuite}. */
export function isSrtpSuite(suite: string): suite is SrtpSuite {
  return (Object.values(SrtpSuite) as string[]).includes(suite);
}

/** A master key identifier (RFC 4568 §9.1 `mki = mki-value ":" mki-length`). */
export interface CryptoMki {
  /** MKI value. */
  readonly value: number;
  /** Length of the MKI field in the SRTP packet, bytes (1..128). */
  readonly length: number;
}

/** One `a=crypto` attribute. */
export interface CryptoAttribute {
  /** The tag (1..999999999) that pairs an answer's attribute with the offer's (RFC 4568 §4). */
  readonly tag: number;
  /** Suite name as written; may be one mediasoup does not support. */
  readonly suite: string;
  /** base64 of master key || master salt. */
  readonly keyBase64: string;
  /** Key lifetime as written, `2^31` or decimal; absent when not given. */
  readonly lifetime?: string;
  /** MKI, when given. */
  readonly mki?: CryptoMki;
  /** More than one inline key was given (not supported). */
  readonly multipleKeys?: boolean;
  /** Session parameters (`UNENCRYPTED_SRTP`, `KDR=`, …) as written. */
  readonly sessionParameters?: readonly string[];
}

/** The `{ cryptoSuite, keyBase64 }` shape of mediasoup's `SrtpParameters`. */
export interface SrtpParameters {
  /** The suite. */
  cryptoSuite: SrtpSuite;
  /** base64 of master key || salt. */
  keyBase64: string;
}

const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parse the value of an `a=crypto` attribute (everything after `a=crypto:`), or the fields
 * sdp-transform gives for it.
 *
 * @throws SdpError `SDP_INVALID_CRYPTO` when the attribute does not match RFC 4568 §9.1
 */
export function parseCryptoAttribute(
  value: string | { id: number | string; suite: string; config: string; sessionConfig?: string },
): CryptoAttribute {
  const fields =
    typeof value === 'string'
      ? value.trim().split(/\s+/)
      : [
          String(value.id),
          String(value.suite),
          String(value.config ?? ''),
          ...String(value.sessionConfig ?? '').split(/\s+/),
        ];
  const [tagText, suite, keyParams, ...session] = fields;
  const fail = (detail: string): SdpError => new SdpError(SdpErrorCode.InvalidCrypto, `a=crypto: ${detail}`);
  if (tagText === undefined || !/^\d{1,9}$/.test(tagText)) throw fail('tag is not 1..9 digits');
  if (suite === undefined || !/^[A-Za-z0-9_]+$/.test(suite)) throw fail('suite is malformed');
  if (keyParams === undefined) throw fail('no key parameters');
  const keys = keyParams.split(';');
  const first = keys[0] ?? '';
  if (!first.startsWith('inline:')) throw fail('key method is not inline');
  const [keyBase64 = '', ...rest] = first.slice('inline:'.length).split('|');
  if (!base64.test(keyBase64) || keyBase64.length % 4 !== 0) throw fail('key is not base64');
  let lifetime: string | undefined;
  let mki: CryptoMki | undefined;
  for (const part of rest) {
    const mkiMatch = /^(\d{1,20}):(\d{1,3})$/.exec(part);
    if (mkiMatch !== null && mki === undefined) {
      const length = Number(mkiMatch[2]);
      if (length < 1 || length > 128) throw fail('MKI length is not 1..128');
      mki = { value: Number(mkiMatch[1]), length };
    } else if (/^(2\^\d{1,2}|\d{1,20})$/.test(part) && lifetime === undefined && mki === undefined) {
      lifetime = part;
    } else {
      throw fail(`bad key parameter ${JSON.stringify(part.slice(0, 40))}`);
    }
  }
  const sessionParameters = session.filter((parameter) => parameter.length > 0);
  return {
    tag: Number(tagText),
    suite,
    keyBase64,
    ...(lifetime === undefined ? {} : { lifetime }),
    ...(mki === undefined ? {} : { mki }),
    ...(keys.length > 1 ? { multipleKeys: true } : {}),
    ...(sessionParameters.length === 0 ? {} : { sessionParameters }),
  };
}

/** The fields sdp-transform writes an `a=crypto` line from. */
export function toSdpCrypto(attribute: CryptoAttribute): {
  id: number;
  suite: string;
  config: string;
  sessionConfig?: string;
} {
  let config = `inline:${attribute.keyBase64}`;
  if (attribute.lifetime !== undefined) config += `|${attribute.lifetime}`;
  if (attribute.mki !== undefined) config += `|${attribute.mki.value}:${attribute.mki.length}`;
  const session = attribute.sessionParameters ?? [];
  return {
    id: attribute.tag,
    suite: attribute.suite,
    config,
    ...(session.length === 0 ? {} : { sessionConfig: session.join(' ') }),
  };
}

/** The text of an attribute after `a=crypto:`, e.g. `1 AES_CM_128_HMAC_SHA1_80 inline:…|2^31`. */
export function writeCryptoAttribute(attribute: CryptoAttribute): string {
  const sdp = toSdpCrypto(attribute);
  return `${sdp.id} ${sdp.suite} ${sdp.config}${sdp.sessionConfig === undefined ? '' : ` ${sdp.sessionConfig}`}`;
}

/**
 * A fresh attribute with a random master key and salt of the suite's length.
 *
 * @param randomBytes source of key material (node:crypto `randomBytes` in production)
 */
export function generateCryptoAttribute(
  tag: number,
  suite: SrtpSuite,
  randomBytes: (size: number) => Uint8Array,
): CryptoAttribute {
  return { tag, suite, keyBase64: Buffer.from(randomBytes(srtpKeyLength(suite))).toString('base64') };
}

/**
 * Why an attribute cannot be used with mediasoup, or undefined when it can: the suite is known,
 * the key decodes to the suite's length, a single key, no MKI and no session parameters.
 */
export function cryptoUnusableReason(
  attribute: CryptoAttribute,
  acceptedSuites: readonly SrtpSuite[],
): string | undefined {
  if (!isSrtpSuite(attribute.suite) || !acceptedSuites.includes(attribute.suite))
    return `suite ${attribute.suite} not accepted`;
  if (Buffer.from(attribute.keyBase64, 'base64').length !== srtpKeyLength(attribute.suite))
    return 'key length does not fit the suite';
  if (attribute.multipleKeys === true) return 'more than one key';
  if (attribute.mki !== undefined) return 'MKI is not supported';
  if (attribute.sessionParameters !== undefined) return 'session parameters are not supported';
  return undefined;
}

/**
 * The offered attribute an answerer takes: the first usable one in the offer's order (RFC 4568
 * §7.1.2: the offerer lists attributes in preference order; the answerer accepts one).
 */
export function selectCrypto(
  offered: readonly CryptoAttribute[],
  acceptedSuites: readonly SrtpSuite[],
): CryptoAttribute | undefined {
  return offered.find((attribute) => cryptoUnusableReason(attribute, acceptedSuites) === undefined);
}

/** mediasoup `SrtpParameters` for the remote side's key (for `PlainTransport.connect`). */
export function toSrtpParameters(attribute: CryptoAttribute): SrtpParameters {
  if (!isSrtpSuite(attribute.suite))
    throw new SdpError(SdpErrorCode.InvalidCrypto, `suite ${attribute.suite} is not an SRTP suite mediasoup knows`);
  return { cryptoSuite: attribute.suite, keyBase64: attribute.keyBase64 };
}
