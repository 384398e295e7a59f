/**
 * The bounded XML reader and RFC 3680 reginfo mapping (guide §5.3.5, table 5-14).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newsForContact, parseReginfo } from './reginfo.ts';
import { parseXml, XmlError } from './xml.ts';

const AOR = 'sip:alice@example.com';
const CONTACT = '<sip:alice@192.0.2.4:5060;transport=tcp>';

function doc(contacts: string, aor = AOR): string {
  return `<?xml version="1.0"?>
<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="1" state="full">
  <registration aor="${aor}" id="a7" state="active">${contacts}</registration>
</reginfo>`;
}
const contact = (state: string, event: string, extra = '') =>
  `<contact id="1" state="${state}" event="${event}"${extra}><uri>sip:alice@192.0.2.4:5060;transport=tcp</uri></contact>`;

describe('RFC 3680 reginfo → guide table 5-14', () => {
  test('expired → TIMEOUT, deactivated/rejected → DEACTIVATED, probation → PROBATION with retry-after', () => {
    const cases = [
      ['expired', 'TIMEOUT', null],
      ['deactivated', 'DEACTIVATED', null],
      ['rejected', 'DEACTIVATED', null],
      ['probation', 'PROBATION', 45],
    ] as const;
    for (const [event, reason, retryAfter] of cases) {
      const news = newsForContact(parseReginfo(doc(contact('terminated', event, ' retry-after="45"'))), AOR, CONTACT);
      assert.deepEqual(news, { kind: 'logout', reason, retryAfter, event });
    }
  });

  test('an active contact, another contact of our AoR, another AoR', () => {
    assert.deepEqual(newsForContact(parseReginfo(doc(contact('active', 'registered'))), AOR, CONTACT), {
      kind: 'none',
    });
    const other = `<contact id="2" state="terminated" event="expired"><uri>sip:alice@198.51.100.9</uri></contact>`;
    assert.deepEqual(newsForContact(parseReginfo(doc(other)), AOR, CONTACT), { kind: 'none' });
    const bob = parseReginfo(doc(contact('terminated', 'deactivated'), 'sip:bob@example.com'));
    assert.deepEqual(newsForContact(bob, AOR, CONTACT), { kind: 'otherAor' });
  });

  test('URIs compare by RFC 3261 §19.1.4 (case of host, parameter order)', () => {
    const body = doc(
      `<contact id="1" state="terminated" event="expired"><uri>sip:alice@192.0.2.4:5060;TRANSPORT=tcp</uri></contact>`,
      'sip:alice@EXAMPLE.com',
    );
    assert.equal(newsForContact(parseReginfo(body), AOR, CONTACT).kind, 'logout');
  });
});

describe('bounded XML', () => {
  const refused = (input: string, code: string, limits = {}) =>
    assert.throws(
      () => parseXml(input, limits),
      (e: unknown) => e instanceof XmlError && e.code === code,
    );

  test('entities, CDATA, comments, prefixes', () => {
    const root = parseXml('<a:r xmlns:a="x"><!-- c --><b k="&lt;1&#x41;&#66;">t&amp;u<![CDATA[<raw>]]></b></a:r>');
    assert.equal(root.name, 'r');
    assert.equal(root.children[0]!.attributes.k, '<1AB');
    assert.equal(root.children[0]!.text, 't&u<raw>');
  });

  test('DTD and entity declarations are refused (no expansion attacks)', () => {
    refused('<!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>', 'XML_DTD_REFUSED');
    refused('<r>&a;</r>', 'XML_MALFORMED');
    refused('<r>&#0;</r>', 'XML_MALFORMED');
    refused('<r>a & b</r>', 'XML_MALFORMED');
  });

  test('broken documents name the problem', () => {
    for (const bad of ['', 'text', '<r>', '<r></s>', '<r/><s/>', '<r a=1/>', '<r a="1" a2/>', '<r><', 'x<r/>'])
      refused(bad, 'XML_MALFORMED');
    assert.throws(
      () => parseReginfo('<other/>'),
      (e: unknown) => e instanceof XmlError && e.code === 'XML_MALFORMED',
    );
  });

  test('size, depth, element and attribute limits', () => {
    refused(`<r>${'x'.repeat(70_000)}</r>`, 'XML_TOO_LARGE');
    refused('<a>'.repeat(20) + '</a>'.repeat(20), 'XML_TOO_DEEP');
    refused(`<r>${'<c/>'.repeat(50)}</r>`, 'XML_TOO_MANY_NODES', { maxElements: 10 });
    refused(`<r ${Array.from({ length: 40 }, (_, i) => `a${i}="1"`).join(' ')}/>`, 'XML_TOO_MANY_NODES');
  });

  test('seeded garbage never throws anything but XmlError', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const base = doc(contact('terminated', 'probation', ' retry-after="5"'));
    for (let i = 0; i < 3000; i++) {
      const chars = [...base];
      for (let k = 0; k < 4; k++)
        chars[Math.floor(random() * chars.length)] = '<>&"/!?;= x'[Math.floor(random() * 11)]!;
      try {
        parseReginfo(chars.join(''));
      } catch (error) {
        assert.ok(error instanceof XmlError, String(error));
      }
    }
  });
});
