/**
 * A small, bounded XML reader for the documents a registrar sends us (RFC 3680 reginfo). It is
 * not a general XML parser: no DTD (a `<!DOCTYPE` is refused, so no entity can be declared, and
 * nothing can expand), only the five predefined entities and character references, a cap on
 * bytes, depth, elements and attributes, and namespace prefixes dropped (elements and
 * attributes are matched by local name). Linear in the input; never throws anything but
 * {@link XmlError}.
 */

/** Why a document was refused. */
export type XmlErrorCode =
  'XML_TOO_LARGE' | 'XML_TOO_DEEP' | 'XML_TOO_MANY_NODES' | 'XML_DTD_REFUSED' | 'XML_MALFORMED';

/** A refused document (STYLE §7: fixed name, readable code). */
export class XmlError extends Error {
  override name = 'XmlError';
  readonly code: XmlErrorCode;
  constructor(code: XmlErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** One element: local name, attributes by local name, children and the text directly inside. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Bounds of {@link parseXml}. */
export interface XmlLimits {
  /** Default 65536 characters. */
  maxBytes: number;
  /** Default 16. */
  maxDepth: number;
  /** Elements in the document. Default 4096. */
  maxElements: number;
  /** Attributes per element. Default 32. */
  maxAttributes: number;
}

/** The defaults of {@link XmlLimits}. */
export const DEFAULT_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({
  maxBytes: 65_536,
  maxDepth: 16,
  maxElements: 4096,
  maxAttributes: 32,
});

const PREDEFINED: Readonly<Record<string, string | undefined>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
// XML 1.0 §2.3 Name, restricted to what SIP XML bodies use (ASCII letters, digits, . - _ :).
const NAME = /^[A-Za-z_][A-Za-z0-9._:-]*$/;

function localName(name: string): string {
  const colon = name.lastIndexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** Replaces entity and character references; anything else after `&` is an error. */
function decode(text: string): string {
  let at = text.indexOf('&');
  if (at < 0) return text;
  let out = '';
  let from = 0;
  while (at >= 0) {
    const end = text.indexOf(';', at);
    if (end < 0 || end - at > 12) throw new XmlError('XML_MALFORMED', `a bare '&' at ${at}`);
    const ref = text.slice(at + 1, end);
    let replacement = PREDEFINED[ref];
    if (replacement === undefined) {
      const code = /^#x[0-9A-Fa-f]{1,6}$/.test(ref)
        ? parseInt(ref.slice(2), 16)
        : /^#[0-9]{1,7}$/.test(ref)
          ? parseInt(ref.slice(1), 10)
          : -1;
      if (code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        throw new XmlError('XML_MALFORMED', `unknown or invalid reference &${ref};`);
      replacement = String.fromCodePoint(code);
    }
    out += text.slice(from, at) + replacement;
    from = end + 1;
    at = text.indexOf('&', from);
  }
  return out + text.slice(from);
}

/**
 * Parses a document into its root element.
 * @throws XmlError
 */
export function parseXml(input: string | Buffer, limits: Partial<XmlLimits> = {}): XmlElement {
  const bounds = { ...DEFAULT_XML_LIMITS, ...limits };
  if (input.length > bounds.maxBytes) throw new XmlError('XML_TOO_LARGE', `document above ${bounds.maxBytes} bytes`);
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  let at = 0;

  const expect = (found: number, what: string): number => {
    if (found < 0) throw new XmlError('XML_MALFORMED', `unterminated ${what} at ${at}`);
    return found;
  };

  while (at < text.length) {
    const open = text.indexOf('<', at);
    const chunk = text.slice(at, open < 0 ? text.length : open);
    if (chunk.trim() !== '') {
      const parent = stack.at(-1);
      if (!parent) throw new XmlError('XML_MALFORMED', 'text outside the root element');
      parent.text += decode(chunk);
    }
    if (open < 0) break;
    at = open;
    if (text.startsWith('<?', at)) {
      at = expect(text.indexOf('?>', at), 'processing instruction') + 2;
    } else if (text.startsWith('<!--', at)) {
      at = expect(text.indexOf('-->', at), 'comment') + 3;
    } else if (text.startsWith('<![CDATA[', at)) {
      const end = expect(text.indexOf(']]>', at), 'CDATA section');
      const parent = stack.at(-1);
      if (!parent) throw new XmlError('XML_MALFORMED', 'CDATA outside the root element');
      parent.text += text.slice(at + 9, end);
      at = end + 3;
    } else if (text.startsWith('<!', at)) {
      // <!DOCTYPE, <!ENTITY, …: a DTD could declare entities (billion laughs, external ones).
      throw new XmlError('XML_DTD_REFUSED', 'DTDs and declarations are not accepted');
    } else if (text.startsWith('</', at)) {
      const end = expect(text.indexOf('>', at), 'end tag');
      const name = localName(text.slice(at + 2, end).trim());
      const element = stack.pop();
      if (!element || element.name !== name)
        throw new XmlError('XML_MALFORMED', `end tag </${name}> does not close <${element?.name ?? ''}>`);
      at = end + 1;
    } else {
      const end = expect(findTagEnd(text, at), 'start tag');
      const selfClosing = text[end - 1] === '/';
      const element = readTag(text.slice(at + 1, selfClosing ? end - 1 : end), bounds);
      if (++elements > bounds.maxElements)
        throw new XmlError('XML_TOO_MANY_NODES', `more than ${bounds.maxElements} elements`);
      const parent = stack.at(-1);
      if (parent) parent.children.push(element);
      else if (root) throw new XmlError('XML_MALFORMED', 'more than one root element');
      else root = element;
      if (!selfClosing) {
        stack.push(element);
        if (stack.length > bounds.maxDepth) throw new XmlError('XML_TOO_DEEP', `nesting above ${bounds.maxDepth}`);
      }
      at = end + 1;
    }
  }
  if (!root) throw new XmlError('XML_MALFORMED', 'no root element');
  if (stack.length > 0) throw new XmlError('XML_MALFORMED', `<${stack.at(-1)!.name}> is not closed`);
  return root;
}

/** The `>` that ends a start tag, skipping quoted attribute values. */
function findTagEnd(text: string, from: number): number {
  let quote = '';
  for (let i = from + 1; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '<') return -1;
    else if (c === '>') return i;
  }
  return -1;
}

function readTag(inside: string, bounds: XmlLimits): XmlElement {
  const match = /^([^\s/>]+)\s*/.exec(inside);
  if (!match || !NAME.test(match[1]!))
    throw new XmlError('XML_MALFORMED', `bad element name in <${inside.slice(0, 40)}>`);
  const element: XmlElement = { name: localName(match[1]!), attributes: {}, children: [], text: '' };
  let rest = inside.slice(match[0].length);
  let count = 0;
  // name = "value" | name = 'value', separated by white space.
  const attribute = /^([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')\s*/;
  while (rest.length > 0) {
    const found = attribute.exec(rest);
    if (!found || !NAME.test(found[1]!)) throw new XmlError('XML_MALFORMED', `bad attribute in <${element.name}>`);
    if (++count > bounds.maxAttributes)
      throw new XmlError('XML_TOO_MANY_NODES', `more than ${bounds.maxAttributes} attributes`);
    const value = found[2] ?? found[3] ?? '';
    if (value.includes('<')) throw new XmlError('XML_MALFORMED', `'<' in an attribute of <${element.name}>`);
    element.attributes[localName(found[1]!)] = decode(value);
    rest = rest.slice(found[0].length);
  }
  return element;
}
