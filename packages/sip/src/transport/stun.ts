/**
 * The part of STUN (RFC 5389) that RFC 5626 §8 needs on a SIP port: telling a STUN packet from a
 * SIP one, Binding requests and their success and error responses, XOR-MAPPED-ADDRESS (IPv4 and
 * IPv6), MAPPED-ADDRESS (read as a fallback), ERROR-CODE, UNKNOWN-ATTRIBUTES, SOFTWARE and
 * FINGERPRINT (checked when present, written on request). No authentication: RFC 5626 §8 keep-alives
 * carry no credentials. Decoding scans the Buffer by offset (STYLE §6); anything malformed is a
 * {@link StunParseError} with a `code`, never another exception.
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { bytesToIp, ipToBytes } from './ip-bytes.ts';

/** RFC 5389 §6: the fixed value at bytes 4..7 of every message. */
export const STUN_MAGIC_COOKIE = 0x2112a442;
/** RFC 5389 §6: the header is 20 bytes. */
export const STUN_HEADER_BYTES = 20;
/**
 * Largest STUN message read. RFC 5389 §7.1 keeps UDP messages under the path MTU (548 bytes
 * when it is unknown); a keep-alive answer is under 100 bytes, so 2 KiB is generous.
 */
export const MAX_STUN_BYTES = 2048;
/** RFC 5389 §18.1: the Binding method. */
export const STUN_BINDING = 0x001;

/** RFC 5389 §18.2 attribute types read or written here. */
export const StunAttribute = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorMappedAddress: 0x0020,
  Software: 0x8022,
  Fingerprint: 0x8028,
} as const;

/**
 * The comprehension-required attributes RFC 5389 defines (§18.2). Those the keep-alive usage does
 * not act on (USERNAME, REALM, NONCE: no authentication here) are understood and ignored; any
 * other type below 0x8000 is unknown (§7.3: a request carrying one gets 420).
 */
const KNOWN_REQUIRED: ReadonlySet<number> = new Set([
  StunAttribute.MappedAddress,
  StunAttribute.Username,
  StunAttribute.MessageIntegrity,
  StunAttribute.ErrorCode,
  StunAttribute.UnknownAttributes,
  StunAttribute.Realm,
  StunAttribute.Nonce,
  StunAttribute.XorMappedAddress,
]);
/** RFC 5389 §15.5: the CRC-32 is XOR-ed with "STUN". */
const FINGERPRINT_XOR = 0x5354554e;
/** RFC 5389 §15.6, §15.10: ERROR-CODE reasons and SOFTWARE are under 128 characters (763 bytes). */
const MAX_TEXT_BYTES = 763;

/** RFC 5389 §6: the class bits of the message type. */
export type StunClass = 'request' | 'indication' | 'success' | 'error';

/** A transport address in an address attribute. */
export interface StunAddress {
  family: 4 | 6;
  address: string;
  port: number;
}

/** A decoded STUN message. */
export interface StunMessage {
  class: StunClass;
  /** 12 bits; {@link STUN_BINDING} is the only one the stack acts on. */
  method: number;
  /** The 96-bit transaction id (a copy). */
  transactionId: Buffer;
  /** XOR-MAPPED-ADDRESS, decoded (§15.2). */
  xorMappedAddress?: StunAddress;
  /** MAPPED-ADDRESS (§15.1), for servers that answer the RFC 3489 way. */
  mappedAddress?: StunAddress;
  /** ERROR-CODE of an error response (§15.6): 300..699. */
  error?: { code: number; reason: string };
  software?: string;
  /** True when a FINGERPRINT was present (and matched: a mismatch is an error). */
  fingerprint: boolean;
  /** Comprehension-required types (0x0000–0x7FFF) not understood here (§7.3: a request gets 420). */
  unknownRequired: number[];
}

/** Readable codes of {@link StunParseError}. */
export const StunErrorCode = {
  /** Not a STUN packet: first two bits not zero, or no magic cookie (RFC 3489 messages included). */
  NotStun: 'NOT_STUN',
  /** Shorter than the header, or than the length the header gives. */
  Truncated: 'TRUNCATED',
  /** Over {@link MAX_STUN_BYTES}. */
  TooLarge: 'TOO_LARGE',
  /** A length not a multiple of 4, or bytes after the attributes the length covers. */
  InvalidLength: 'INVALID_LENGTH',
  /** An attribute that overruns the message, has the wrong size, or follows FINGERPRINT. */
  InvalidAttribute: 'INVALID_ATTRIBUTE',
  /** An address attribute with an unknown family or the wrong length for its family. */
  InvalidAddress: 'INVALID_ADDRESS',
  /** FINGERPRINT does not match the message (RFC 5389 §15.5). */
  FingerprintMismatch: 'FINGERPRINT_MISMATCH',
} as const;

/** One of {@link StunErrorCode}. */
export type StunErrorCode = (typeof StunErrorCode)[keyof typeof StunErrorCode];

/** Bytes that are not a well-formed STUN message. The transport drops them. */
export class StunParseError extends Error {
  override readonly name = 'StunParseError';
  readonly code: StunErrorCode;

  constructor(code: StunErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * RFC 5626 §8 / RFC 7983 demultiplexing of a datagram on a SIP port: STUN starts with two zero
 * bits (a first byte of 0–3; SIP starts with a letter) and carries the magic cookie at bytes 4..7.
 */
export function isStunPacket(data: Uint8Array): boolean {
  return (
    data.length >= STUN_HEADER_BYTES &&
    (data[0]! & 0xc0) === 0 &&
    data[4] === 0x21 &&
    data[5] === 0x12 &&
    data[6] === 0xa4 &&
    data[7] === 0x42
  );
}

/** A fresh random 96-bit transaction id (RFC 5389 §6: "uniformly and randomly chosen"). */
export function newStunTransactionId(): Buffer {
  return randomBytes(12);
}

/** RFC 5389 §6 type field from method and class: M11..M7 C1 M6..M4 C0 M3..M0. */
function messageType(method: number, stunClass: StunClass): number {
  const c = { request: 0b00, indication: 0b01, success: 0b10, error: 0b11 }[stunClass];
  return ((method & 0xf80) << 2) | ((method & 0x070) << 1) | (method & 0x00f) | ((c & 0b10) << 7) | ((c & 0b01) << 4);
}

function fail(code: StunErrorCode, message: string): never {
  throw new StunParseError(code, message);
}

/** An address attribute value (§15.1, §15.2); `xor` with the cookie and transaction id. */
function readAddress(value: Buffer, header: Buffer, xor: boolean): StunAddress {
  const family = value.length >= 4 ? value[1] : undefined;
  if (!((family === 0x01 && value.length === 8) || (family === 0x02 && value.length === 20)))
    fail(StunErrorCode.InvalidAddress, `address family ${family ?? '?'} with ${value.length} bytes`);
  const port = value.readUInt16BE(2) ^ (xor ? STUN_MAGIC_COOKIE >>> 16 : 0);
  const bytes = Buffer.from(value.subarray(4));
  // §15.2: the address is XOR-ed with the cookie (IPv4), or with cookie ‖ transaction id (IPv6).
  if (xor) for (let i = 0; i < bytes.length; i++) bytes[i]! ^= header[4 + i]!;
  return { family: family === 0x01 ? 4 : 6, address: bytesToIp(bytes), port };
}

function readText(value: Buffer): string {
  return value.subarray(0, MAX_TEXT_BYTES).toString('utf8');
}

/**
 * Decodes one STUN message that fills `data` (a datagram).
 * @throws StunParseError with a {@link StunErrorCode}
 */
export function parseStunMessage(data: Buffer): StunMessage {
  if (data.length > MAX_STUN_BYTES) fail(StunErrorCode.TooLarge, `${data.length} bytes`);
  if (data.length < STUN_HEADER_BYTES) fail(StunErrorCode.Truncated, `${data.length} bytes, no full header`);
  if (!isStunPacket(data)) fail(StunErrorCode.NotStun, 'no leading zero bits and magic cookie');
  const length = data.readUInt16BE(2);
  // §6: "the message length MUST contain the size, in bytes, of the message not including the 20-byte header" — always padded.
  if (length % 4 !== 0) fail(StunErrorCode.InvalidLength, `length ${length} is not a multiple of 4`);
  const end = STUN_HEADER_BYTES + length;
  if (end > data.length) fail(StunErrorCode.Truncated, `length ${length} but ${data.length - 20} bytes follow`);
  if (end < data.length) fail(StunErrorCode.InvalidLength, `${data.length - end} bytes after the attributes`);
  const type = data.readUInt16BE(0);
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const classBits = ((type & 0x0100) >> 7) | ((type & 0x0010) >> 4);
  const message: StunMessage = {
    class: (['request', 'indication', 'success', 'error'] as const)[classBits]!,
    method,
    transactionId: Buffer.from(data.subarray(8, 20)),
    fingerprint: false,
    unknownRequired: [],
  };
  const header = data.subarray(0, STUN_HEADER_BYTES);
  let afterIntegrity = false;
  for (let offset = STUN_HEADER_BYTES; offset < end;) {
    if (end - offset < 4) fail(StunErrorCode.InvalidAttribute, `attribute header cut at ${offset}`);
    const attribute = data.readUInt16BE(offset);
    const size = data.readUInt16BE(offset + 2);
    const valueStart = offset + 4;
    const next = valueStart + ((size + 3) & ~3);
    if (next > end) fail(StunErrorCode.InvalidAttribute, `attribute 0x${attribute.toString(16)} overruns the message`);
    const value = data.subarray(valueStart, valueStart + size);
    if (attribute === StunAttribute.Fingerprint) {
      if (size !== 4) fail(StunErrorCode.InvalidAttribute, `FINGERPRINT of ${size} bytes`);
      // §15.5: "When present, the FINGERPRINT attribute MUST be the last attribute in the message".
      if (next !== end) fail(StunErrorCode.InvalidAttribute, 'an attribute after FINGERPRINT');
      const expected = (crc32(data.subarray(0, offset)) ^ FINGERPRINT_XOR) >>> 0;
      if (value.readUInt32BE(0) !== expected) fail(StunErrorCode.FingerprintMismatch, 'FINGERPRINT does not match');
      message.fingerprint = true;
    } else if (afterIntegrity) {
      // §15.4: attributes after MESSAGE-INTEGRITY, except FINGERPRINT, are ignored.
    } else if (attribute === StunAttribute.XorMappedAddress) {
      message.xorMappedAddress ??= readAddress(value, header, true);
    } else if (attribute === StunAttribute.MappedAddress) {
      message.mappedAddress ??= readAddress(value, header, false);
    } else if (attribute === StunAttribute.ErrorCode) {
      if (size < 4) fail(StunErrorCode.InvalidAttribute, `ERROR-CODE of ${size} bytes`);
      const code = (value[2]! & 0x07) * 100 + value[3]!;
      if (code < 300 || code > 699 || value[3]! > 99) fail(StunErrorCode.InvalidAttribute, `ERROR-CODE ${code}`);
      message.error ??= { code, reason: readText(value.subarray(4)) };
    } else if (attribute === StunAttribute.Software) {
      message.software ??= readText(value);
    } else if (attribute === StunAttribute.MessageIntegrity) {
      afterIntegrity = true;
    } else if (attribute < 0x8000 && !KNOWN_REQUIRED.has(attribute)) {
      if (message.unknownRequired.length < 16) message.unknownRequired.push(attribute);
    }
    offset = next;
  }
  return message;
}

/** Options of the encoders. */
export interface StunEncodeOptions {
  /** Append FINGERPRINT (RFC 5389 §15.5). Default false: RFC 5626 §8 keep-alives need no attributes. */
  fingerprint?: boolean;
  /** A SOFTWARE attribute (§15.10), e.g. the User-Agent. */
  software?: string;
}

type Attribute = [type: number, value: Buffer];

function encode(
  method: number,
  stunClass: StunClass,
  transactionId: Uint8Array,
  attributes: Attribute[],
  options: StunEncodeOptions,
): Buffer {
  if (transactionId.length !== 12) throw new RangeError('a STUN transaction id is 12 bytes');
  if (options.software !== undefined)
    attributes.push([StunAttribute.Software, Buffer.from(options.software, 'utf8').subarray(0, MAX_TEXT_BYTES)]);
  const size = attributes.reduce((sum, [, value]) => sum + 4 + ((value.length + 3) & ~3), 0);
  const total = STUN_HEADER_BYTES + size + (options.fingerprint ? 8 : 0);
  const out = Buffer.alloc(total);
  out.writeUInt16BE(messageType(method, stunClass), 0);
  out.writeUInt16BE(total - STUN_HEADER_BYTES, 2);
  out.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  out.set(transactionId, 8);
  let offset = STUN_HEADER_BYTES;
  for (const [type, value] of attributes) {
    out.writeUInt16BE(type, offset);
    out.writeUInt16BE(value.length, offset + 2);
    out.set(value, offset + 4);
    offset += 4 + ((value.length + 3) & ~3);
  }
  if (options.fingerprint) {
    // §15.5: the CRC covers the message up to the attribute, with the length already counting it.
    out.writeUInt16BE(StunAttribute.Fingerprint, offset);
    out.writeUInt16BE(4, offset + 2);
    out.writeUInt32BE((crc32(out.subarray(0, offset)) ^ FINGERPRINT_XOR) >>> 0, offset + 4);
  }
  return out;
}

/** A Binding request (RFC 5389 §7.1; RFC 5626 §8: no attributes needed). */
export function createBindingRequest(transactionId: Uint8Array, options: StunEncodeOptions = {}): Buffer {
  return encode(STUN_BINDING, 'request', transactionId, [], options);
}

/**
 * A Binding success response carrying XOR-MAPPED-ADDRESS (RFC 5389 §7.3.1, §15.2; RFC 5626 §8:
 * "MUST include the XOR-MAPPED-ADDRESS attribute") for the request's source `mapped`.
 * @throws RangeError when `mapped.address` is not an IP address
 */
export function createBindingSuccess(
  transactionId: Uint8Array,
  mapped: { address: string; port: number },
  options: StunEncodeOptions = {},
): Buffer {
  const bytes = ipToBytes(mapped.address);
  if (bytes === undefined) throw new RangeError(`${mapped.address} is not an IP address`);
  const value = Buffer.alloc(4 + bytes.length);
  value[1] = bytes.length === 4 ? 0x01 : 0x02;
  value.writeUInt16BE((mapped.port ^ (STUN_MAGIC_COOKIE >>> 16)) & 0xffff, 2);
  const key = Buffer.alloc(16);
  key.writeUInt32BE(STUN_MAGIC_COOKIE, 0);
  key.set(transactionId, 4);
  for (let i = 0; i < bytes.length; i++) value[4 + i] = bytes[i]! ^ key[i]!;
  return encode(STUN_BINDING, 'success', transactionId, [[StunAttribute.XorMappedAddress, value]], options);
}

/**
 * An error response (RFC 5389 §7.3.1, §15.6) to a request of `method`; `unknown` lists the
 * attributes a 420 did not understand (§15.9).
 */
export function createStunErrorResponse(
  method: number,
  transactionId: Uint8Array,
  error: { code: number; reason: string },
  unknown: number[] = [],
  options: StunEncodeOptions = {},
): Buffer {
  const reason = Buffer.from(error.reason, 'utf8').subarray(0, MAX_TEXT_BYTES);
  const value = Buffer.alloc(4 + reason.length);
  value[2] = Math.floor(error.code / 100) & 0x07;
  value[3] = error.code % 100;
  value.set(reason, 4);
  const attributes: Attribute[] = [[StunAttribute.ErrorCode, value]];
  if (unknown.length > 0) {
    const list = Buffer.alloc(unknown.length * 2);
    unknown.forEach((type, i) => list.writeUInt16BE(type, i * 2));
    attributes.push([StunAttribute.UnknownAttributes, list]);
  }
  return encode(method, 'error', transactionId, attributes, options);
}
