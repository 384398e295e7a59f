/**
 * The JavaScript sides of bench/sip-parser. Each does the same work per message, the way that
 * library's own users would:
 *
 * - parse+read: parse the datagram bytes, then read the top Via branch, the From and To tags,
 *   Call-ID, the CSeq number, the host of the first Contact URI (parsed) and the body;
 * - parse+read+serialize: then decrement Max-Forwards, add a topmost Via and turn the message
 *   back into bytes, ready for a socket.
 *
 * Reads go to {@link lastRead} (one shared object, so reading allocates nothing extra on any
 * side) and the benchmark checks that every side read the same values.
 */
import { createRequire } from 'node:module';
import { formatVia, parseMessage, serializeMessage, type SipMessage } from '@talkbus/sip';

/** The new Via every side adds. */
export const NEW_VIA = { transport: 'UDP', host: 'proxy.example.com', port: 5060, branch: 'z9hG4bKbench1' } as const;
const NEW_VIA_TEXT = formatVia(NEW_VIA);

/** What a side read from its last message. */
export interface ReadValues {
  branch: string | undefined;
  fromTag: string | undefined;
  toTag: string | undefined;
  callId: string | undefined;
  cseq: number | undefined;
  contactHost: string | undefined;
  bodyLength: number;
}

/** The bytes the last `parseReadSerialize` produced (kept for the benchmark's sanity check). */
export let lastOutput: Buffer = Buffer.alloc(0);

function output(bytes: Buffer): number {
  lastOutput = bytes;
  return bytes.length;
}

/** The values the last `parseRead` read (overwritten by every call). */
export const lastRead: ReadValues = {
  branch: undefined,
  fromTag: undefined,
  toTag: undefined,
  callId: undefined,
  cseq: undefined,
  contactHost: undefined,
  bodyLength: 0,
};

/** One library under test. */
export interface Side {
  /** Column title. */
  name: string;
  /** Parse and read; throws (or returns -1) when the library rejects the message. */
  parseRead(input: Buffer): number;
  /** Parse, read, decrement Max-Forwards, add a Via, serialize; returns the byte count (-1: rejected). */
  parseReadSerialize(input: Buffer): number;
  /** How this side serializes, when it is not the library's own serializer of a parsed message. */
  serializeNote?: string;
  /** How the input reaches the parser, when it is not the Buffer itself. */
  inputNote?: string;
}

function record(
  branch: string | undefined,
  fromTag: string | undefined,
  toTag: string | undefined,
  callId: string | undefined,
  cseq: number | undefined,
  contactHost: string | undefined,
  bodyLength: number,
): number {
  lastRead.branch = branch;
  lastRead.fromTag = fromTag;
  lastRead.toTag = toTag;
  lastRead.callId = callId;
  lastRead.cseq = cseq;
  lastRead.contactHost = contactHost;
  lastRead.bodyLength = bodyLength;
  return bodyLength + (cseq ?? 0);
}

// ---------------------------------------------------------------- talkbus

function talkbusRead(message: SipMessage): number {
  const contact = message.contact.contacts[0]?.uri;
  return record(
    message.topVia?.branch,
    message.from?.tag,
    message.to?.tag,
    message.callId,
    message.cseq?.seq,
    contact?.kind === 'sip' ? contact.host : undefined,
    message.body.length,
  );
}

/** @talkbus/sip, through its public API only. */
export const talkbus: Side = {
  name: 'talkbus',
  parseRead: (input) => talkbusRead(parseMessage(input)),
  parseReadSerialize: (input) => {
    const message = parseMessage(input);
    talkbusRead(message);
    const maxForwards = message.maxForwards;
    if (maxForwards !== undefined) message.headers.set('Max-Forwards', String(maxForwards - 1));
    message.headers.prepend('Via', NEW_VIA_TEXT);
    return output(serializeMessage(message));
  },
};

// ---------------------------------------------------------------- the peers (CommonJS, untyped)

const require = createRequire(import.meta.url);

interface NpmSipUri {
  host: string;
}
interface NpmSipAor {
  uri: string;
  params: Record<string, string | null | undefined>;
}
interface NpmSipVia {
  version: string;
  protocol: string;
  host: string;
  port: number | undefined;
  params: Record<string, string | null | undefined>;
}
interface NpmSipMessage {
  headers: {
    via?: NpmSipVia[];
    from?: NpmSipAor;
    to?: NpmSipAor;
    'call-id'?: string;
    cseq?: { seq: number; method: string };
    contact?: NpmSipAor[] | '*';
    'max-forwards'?: string;
  };
  content: string;
}
interface NpmSip {
  parse(input: Buffer): NpmSipMessage | undefined;
  stringify(message: NpmSipMessage): string;
  parseUri(text: string): NpmSipUri | undefined;
}
const npmSip = require('sip') as NpmSip;

function npmSipRead(message: NpmSipMessage): number {
  const h = message.headers;
  const contact = Array.isArray(h.contact) ? h.contact[0] : undefined;
  return record(
    h.via?.[0]?.params['branch'] ?? undefined,
    h.from?.params['tag'] ?? undefined,
    h.to?.params['tag'] ?? undefined,
    h['call-id'],
    h.cseq?.seq,
    contact === undefined ? undefined : npmSip.parseUri(contact.uri)?.host,
    message.content.length,
  );
}

/** npm `sip` 0.0.6: parses every known header eagerly; URIs in name-addrs stay strings until `parseUri`. */
export const npmSipSide: Side = {
  name: 'sip',
  parseRead: (input) => {
    const message = npmSip.parse(input);
    return message === undefined ? -1 : npmSipRead(message);
  },
  parseReadSerialize: (input) => {
    const message = npmSip.parse(input);
    if (message === undefined) return -1;
    npmSipRead(message);
    const h = message.headers;
    if (h['max-forwards'] !== undefined) h['max-forwards'] = String(Number(h['max-forwards']) - 1);
    (h.via ??= []).unshift({
      version: '2.0',
      protocol: NEW_VIA.transport,
      host: NEW_VIA.host,
      port: NEW_VIA.port,
      params: { branch: NEW_VIA.branch },
    });
    // The library's transports send `Buffer.from(stringify(m), 'binary')`.
    return output(Buffer.from(npmSip.stringify(message), 'latin1'));
  },
};

interface DrachtioAor {
  uri: string;
  params: Record<string, string | undefined>;
}
interface DrachtioMessage {
  headers: Record<string, string>;
  body: string;
  get(name: string): string | undefined;
  getParsedHeader(name: 'via'): Array<{ params: Record<string, string | undefined> }>;
  getParsedHeader(name: 'from' | 'to'): DrachtioAor;
  getParsedHeader(name: 'contact'): DrachtioAor[];
  getParsedHeader(name: 'cseq'): { seq: number; method: string };
  toString(): string;
}
interface DrachtioMessageClass {
  new (raw: string): DrachtioMessage;
  parseUri(text: string): { host: string } | undefined;
}
const DrachtioSipMessage = require('drachtio-srf/lib/sip-parser/message.js') as DrachtioMessageClass;

function drachtioRead(message: DrachtioMessage): number {
  const contact = message.get('contact') === undefined ? undefined : message.getParsedHeader('contact')[0];
  return record(
    message.getParsedHeader('via')[0]?.params['branch'],
    message.getParsedHeader('from').params['tag'],
    message.getParsedHeader('to').params['tag'],
    message.get('call-id'),
    message.getParsedHeader('cseq').seq,
    contact === undefined ? undefined : DrachtioSipMessage.parseUri(contact.uri)?.host,
    message.body.length,
  );
}

/**
 * drachtio-srf 5.0.29: its SipMessage class over `lib/sip-parser/parser.js`, lazy as srf
 * uses it (header values kept as strings, `getParsedHeader` parses on demand). srf receives
 * messages as text from drachtio-server, so the input is decoded from UTF-8 first.
 */
export const drachtioSide: Side = {
  name: 'drachtio-srf',
  inputNote: 'Buffer decoded as UTF-8 (srf gets text from drachtio-server)',
  parseRead: (input) => drachtioRead(new DrachtioSipMessage(input.toString('utf8'))),
  parseReadSerialize: (input) => {
    const message = new DrachtioSipMessage(input.toString('utf8'));
    drachtioRead(message);
    const maxForwards = message.get('max-forwards');
    if (maxForwards !== undefined) message.headers['max-forwards'] = String(Number(maxForwards) - 1);
    // Lazy headers hold every value of a name as one comma-joined string (SipMessage.set appends).
    const via = message.headers['via'];
    message.headers['via'] = via === undefined ? NEW_VIA_TEXT : `${NEW_VIA_TEXT},${via}`;
    return output(Buffer.from(message.toString(), 'utf8'));
  },
};

interface GrammarUri {
  host: string;
  toString(): string;
}
interface RawHeader {
  raw: string;
  parsed?: unknown;
}
/** The shape JsSIP's IncomingMessage and SIP.js's IncomingMessage share. */
interface GrammarMessage {
  headers: Record<string, RawHeader[]>;
  method: string;
  ruri?: GrammarUri;
  body: string;
  parseHeader(name: 'contact'): { uri: GrammarUri } | undefined;
  getHeader(name: string): string | undefined;
  setHeader(name: string, value: string): void;
}
interface JsSipMessage extends GrammarMessage {
  via_branch?: string;
  from_tag?: string;
  to_tag?: string;
  call_id?: string;
  cseq?: number;
  status_code?: number;
  reason_phrase?: string;
}
interface SipJsMessage extends GrammarMessage {
  viaBranch?: string;
  fromTag?: string;
  toTag?: string;
  callId?: string;
  cseq?: number;
  statusCode?: number;
  reasonPhrase?: string;
}

/**
 * JsSIP and SIP.js cannot serialize a *received* message (`toString()` returns the bytes as
 * received): this writes the start line, then every header from the message's own header map
 * (`{ Name: [{ raw }] }`, grouped by name in first-seen order), then the body — what a proxy
 * built on them would have to do.
 */
function serializeGrammarMessage(message: GrammarMessage, statusLine: string | undefined): number {
  let out = statusLine ?? `${message.method} ${message.ruri!.toString()} SIP/2.0\r\n`;
  for (const name in message.headers) for (const header of message.headers[name]!) out += `${name}: ${header.raw}\r\n`;
  out += `\r\n${message.body}`;
  return output(Buffer.from(out, 'utf8'));
}

function rebuildGrammarMessage(message: GrammarMessage): void {
  const maxForwards = message.getHeader('max-forwards');
  if (maxForwards !== undefined) message.setHeader('max-forwards', String(Number(maxForwards) - 1));
  (message.headers['Via'] ??= []).unshift({ raw: NEW_VIA_TEXT });
}

interface JsSipParser {
  parseMessage(data: string, ua: object): JsSipMessage | undefined;
}
const jsSipParser = require('jssip/lib/Parser.js') as JsSipParser;
/**
 * JsSIP's parser only stores the UA on an IncomingRequest (for later replies); nothing in
 * parsing reads it, so an empty object is the whole stub.
 */
const JSSIP_UA_STUB = {};

function jsSipRead(message: JsSipMessage): number {
  return record(
    message.via_branch,
    message.from_tag,
    message.to_tag,
    message.call_id,
    message.cseq,
    message.parseHeader('contact')?.uri.host,
    message.body.length,
  );
}

/** JsSIP 3.13.8: `Parser.parseMessage` (its PEG grammar parses Via, From, To, Contact, CSeq … eagerly). */
export const jsSipSide: Side = {
  name: 'JsSIP',
  inputNote: 'Buffer decoded as UTF-8 (JsSIP gets WebSocket text)',
  serializeNote: 'no serializer for received messages: start line + header map + body written by the bench',
  parseRead: (input) => {
    const message = jsSipParser.parseMessage(input.toString('utf8'), JSSIP_UA_STUB);
    return message === undefined ? -1 : jsSipRead(message);
  },
  parseReadSerialize: (input) => {
    const message = jsSipParser.parseMessage(input.toString('utf8'), JSSIP_UA_STUB);
    if (message === undefined) return -1;
    jsSipRead(message);
    rebuildGrammarMessage(message);
    return serializeGrammarMessage(
      message,
      message.status_code === undefined
        ? undefined
        : `SIP/2.0 ${message.status_code} ${message.reason_phrase ?? ''}\r\n`,
    );
  },
};

interface SipJsCore {
  Parser: { parseMessage(data: string, logger: { warn(message: string): void }): SipJsMessage | undefined };
}
const QUIET_LOGGER = { warn: (): void => {} };
let sipJsCore: SipJsCore | undefined;

/** SIP.js is an ES module: load it once before use. */
export async function loadSipJs(): Promise<void> {
  sipJsCore = ((await import('sip.js')) as unknown as { Core: SipJsCore }).Core;
}

function sipJsParse(input: Buffer): SipJsMessage | undefined {
  return sipJsCore!.Parser.parseMessage(input.toString('utf8'), QUIET_LOGGER);
}

function sipJsRead(message: SipJsMessage): number {
  return record(
    message.viaBranch,
    message.fromTag,
    message.toTag,
    message.callId,
    message.cseq,
    message.parseHeader('contact')?.uri.host,
    message.body.length,
  );
}

/** SIP.js 0.21.2: `Core.Parser.parseMessage` (same PEG-grammar design as JsSIP). */
export const sipJsSide: Side = {
  name: 'SIP.js',
  inputNote: 'Buffer decoded as UTF-8 (SIP.js gets WebSocket text)',
  serializeNote: jsSipSide.serializeNote!,
  parseRead: (input) => {
    const message = sipJsParse(input);
    return message === undefined ? -1 : sipJsRead(message);
  },
  parseReadSerialize: (input) => {
    const message = sipJsParse(input);
    if (message === undefined) return -1;
    sipJsRead(message);
    rebuildGrammarMessage(message);
    return serializeGrammarMessage(
      message,
      message.statusCode === undefined ? undefined : `SIP/2.0 ${message.statusCode} ${message.reasonPhrase ?? ''}\r\n`,
    );
  },
};

/** Every JavaScript side, talkbus first. */
export const JS_SIDES: Side[] = [talkbus, npmSipSide, drachtioSide, jsSipSide, sipJsSide];
