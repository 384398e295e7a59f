/**
 * The Via rules without sockets: §18.1.1 sent-by + RFC 3581 rport on the way out, §18.2.1
 * received + RFC 3581 rport on the way in, §18.1.2 response matching, the §18.1.1 MTU switch,
 * §18.2.2 response targets and the answers to malformed requests.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError } from '../errors.ts';
import { SipRequest } from '../message/message.ts';
import { parseMessage } from '../message/parser.ts';
import { validateRequest } from '../message/validate.ts';
import { errorResponseFor, looksLikeResponse } from './malformed-answer.ts';
import { computeResponseTarget } from './response-target.ts';
import type { InboundMessage, TransportAddress } from './transport-types.ts';
import { requestProtocolFor, responseIsOurs, sameAddress, sentByKey, stampReceived, stampSentBy } from './via-rules.ts';

function request(via: string, extra = ''): SipRequest {
  const text =
    `OPTIONS sip:bob@example.com SIP/2.0\r\nVia: ${via}\r\n${extra}Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\n` +
    'From: <sip:alice@example.com>;tag=1\r\nCall-ID: c1@h\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n';
  const message = parseMessage(text);
  assert.equal(message.kind, 'request');
  return message as SipRequest;
}

const udpSource = (address: string, port: number): TransportAddress => ({ protocol: 'udp', address, port });

describe('stampSentBy (§18.1.1, RFC 3581 §3)', () => {
  it('fills transport, host and port and adds an empty rport, keeping branch and other Vias', () => {
    const req = request(
      'SIP/2.0/UDP placeholder;branch=z9hG4bKabc;received=1.2.3.4, SIP/2.0/UDP proxy:5070;branch=z9hG4bKp',
    );
    assert.equal(stampSentBy(req, 'tcp', { host: '[::1]', port: 5080 }), true);
    assert.equal(req.headers.getAll('Via')[0], 'SIP/2.0/TCP [::1]:5080;branch=z9hG4bKabc;rport');
    assert.deepEqual(
      req.via.map((v) => [v.transport, v.host, v.port, v.branch, v.rport, v.received]),
      [
        ['TCP', '[::1]', 5080, 'z9hG4bKabc', null, undefined],
        ['UDP', 'proxy', 5070, 'z9hG4bKp', undefined, undefined],
      ],
    );
  });
  it('returns false for a request without Via', () => {
    const req = new SipRequest({ method: 'OPTIONS', uri: 'sip:a@b' });
    assert.equal(stampSentBy(req, 'udp', { host: '127.0.0.1', port: 5060 }), false);
  });
});

describe('stampReceived (§18.2.1, RFC 3581 §4)', () => {
  it('adds nothing when sent-by is the source address and there is no rport', () => {
    const req = request('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1');
    assert.equal(stampReceived(req, udpSource('192.0.2.1', 5060)), false);
    assert.equal(req.topVia?.received, undefined);
  });
  it('adds received when the sent-by host differs from the source', () => {
    const req = request('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1');
    assert.equal(stampReceived(req, udpSource('198.51.100.7', 5060)), true);
    assert.equal(req.topVia?.received, '198.51.100.7');
    assert.equal(req.topVia?.rport, undefined);
  });
  it('adds received when the sent-by is a domain name', () => {
    const req = request('SIP/2.0/UDP client.example.com;branch=z9hG4bK1');
    stampReceived(req, udpSource('192.0.2.1', 5060));
    assert.equal(req.topVia?.received, '192.0.2.1');
  });
  it('fills an empty rport with the source port, and adds received even when equal (RFC 3581 §4)', () => {
    const req = request('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport');
    stampReceived(req, udpSource('192.0.2.1', 40123));
    assert.equal(req.topVia?.rport, 40123);
    assert.equal(req.topVia?.received, '192.0.2.1');
    assert.match(req.headers.getAll('Via')[0]!, /;rport=40123;received=192\.0\.2\.1$/);
  });
  it('compares IPv6 addresses as addresses, and writes received without brackets', () => {
    const same = request('SIP/2.0/UDP [0:0:0:0:0:0:0:1]:5060;branch=z9hG4bK1');
    assert.equal(stampReceived(same, udpSource('::1', 5060)), false);
    const other = request('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1;rport');
    stampReceived(other, udpSource('2001:db8::2', 5062));
    assert.equal(other.topVia?.received, '2001:db8::2');
    assert.equal(other.topVia?.rport, 5062);
    assert.equal(sameAddress('::ffff:127.0.0.1', '127.0.0.1'), true);
  });
  it('leaves a request without rport but with a numeric rport value alone except for received', () => {
    const req = request('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport=9');
    stampReceived(req, udpSource('192.0.2.1', 40000));
    assert.equal(req.topVia?.rport, 9);
  });
});

describe('responseIsOurs (§18.1.2)', () => {
  const ours = new Set([sentByKey('127.0.0.1', 5060, 'udp'), sentByKey('[::1]', 5061, 'tls')]);
  it('matches host and port, with the default port when absent', () => {
    assert.equal(responseIsOurs(request('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1').topVia, ours), true);
    assert.equal(responseIsOurs(request('SIP/2.0/TLS [0::1];branch=z9hG4bK1').topVia, ours), true);
    assert.equal(responseIsOurs(request('SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1').topVia, ours), false);
    assert.equal(responseIsOurs(request('SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bK1').topVia, ours), false);
    assert.equal(responseIsOurs(request('SIP/2.0/SCTP 127.0.0.1:5060;branch=z9hG4bK1').topVia, ours), false);
    assert.equal(responseIsOurs(undefined, ours), false);
  });
});

describe('requestProtocolFor (§18.1.1 MTU rule)', () => {
  const base = { protocol: 'udp' as const, maxUdpRequestBytes: 1300, tcpAvailable: true };
  it('switches a UDP request above the limit to TCP', () => {
    assert.equal(requestProtocolFor({ ...base, size: 1300 }), 'udp');
    assert.equal(requestProtocolFor({ ...base, size: 1301 }), 'tcp');
  });
  it('stays on UDP without TCP, and never changes other protocols', () => {
    assert.equal(requestProtocolFor({ ...base, size: 5000, tcpAvailable: false }), 'udp');
    assert.equal(requestProtocolFor({ ...base, protocol: 'tls', size: 5000 }), 'tls');
  });
  it('honours a configured MTU', () => {
    assert.equal(requestProtocolFor({ ...base, size: 600, maxUdpRequestBytes: 500 }), 'tcp');
  });
});

describe('computeResponseTarget (§18.2.2, RFC 3581 §4)', () => {
  const inbound = (req: SipRequest, source: TransportAddress, connectionId: string | null = null): InboundMessage => ({
    message: req,
    source,
    local: { ...source, address: '127.0.0.1', port: 5060 },
    connectionId,
    receivedAt: 0,
  });
  it('UDP with rport: received and rport', () => {
    const req = request('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport');
    const source = udpSource('203.0.113.9', 61000);
    stampReceived(req, source);
    assert.deepEqual(
      computeResponseTarget(req, inbound(req, source), () => false),
      {
        destination: { protocol: 'udp', address: '203.0.113.9', port: 61000 },
        connectionId: null,
      },
    );
  });
  it('UDP without rport: received and the sent-by port, or 5060', () => {
    const req = request('SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK1');
    const source = udpSource('203.0.113.9', 61000);
    stampReceived(req, source);
    assert.deepEqual(computeResponseTarget(req, inbound(req, source), () => false).destination, {
      protocol: 'udp',
      address: '203.0.113.9',
      port: 5070,
    });
    const noPort = request('SIP/2.0/UDP 203.0.113.9;branch=z9hG4bK1');
    assert.deepEqual(computeResponseTarget(noPort, inbound(noPort, source), () => false).destination, {
      protocol: 'udp',
      address: '203.0.113.9',
      port: 5060,
    });
  });
  it('maddr wins over received', () => {
    const req = request('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1;maddr=239.255.255.1;received=1.1.1.1');
    assert.deepEqual(computeResponseTarget(req, inbound(req, udpSource('1.1.1.1', 9)), () => false).destination, {
      protocol: 'udp',
      address: '239.255.255.1',
      port: 5060,
    });
  });
  it('TCP: the same connection while open, else received and the sent-by port (5061 for TLS)', () => {
    const req = request('SIP/2.0/TLS 10.0.0.1;branch=z9hG4bK1;rport');
    const source: TransportAddress = { protocol: 'tls', address: '203.0.113.9', port: 40000 };
    stampReceived(req, source);
    assert.deepEqual(
      computeResponseTarget(req, inbound(req, source, 'tls-1'), () => true),
      { destination: source, connectionId: 'tls-1' },
    );
    assert.deepEqual(
      computeResponseTarget(req, inbound(req, source, 'tls-1'), () => false),
      {
        destination: { protocol: 'tls', address: '203.0.113.9', port: 5061 },
        connectionId: null,
      },
    );
  });
  it('WebSocket: always the request connection (RFC 7118 §5)', () => {
    const req = request('SIP/2.0/WS abc.invalid;branch=z9hG4bK1');
    const source: TransportAddress = { protocol: 'ws', address: '::1', port: 40000 };
    assert.deepEqual(
      computeResponseTarget(req, inbound(req, source, 'ws-3'), () => false),
      { destination: source, connectionId: 'ws-3' },
    );
  });
});

describe('errorResponseFor', () => {
  function rejection(text: string): SipParseError {
    try {
      validateRequest(parseMessage(text) as SipRequest);
    } catch (error) {
      assert.ok(error instanceof SipParseError);
      return error;
    }
    assert.fail('expected a rejection');
  }
  it('answers a request with the error status, copying the headers, with a To tag', () => {
    const error = rejection(
      'OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nTo: <sip:b@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n\r\n',
    );
    const bytes = errorResponseFor(error, new Set());
    assert.ok(bytes);
    const response = parseMessage(bytes);
    assert.equal(response.kind === 'response' && response.status, 400);
    assert.ok(response.to?.tag);
    assert.equal(response.topVia?.branch, 'z9hG4bK1');
  });
  it('does not answer what carries our own Via (a broken response), nor garbage', () => {
    const error = rejection(
      'OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nTo: <sip:b@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n',
    );
    assert.equal(errorResponseFor(error, new Set([sentByKey('127.0.0.1', 5060, 'udp')])), undefined);
    let garbage: SipParseError | undefined;
    try {
      parseMessage('\x00\x01garbage');
    } catch (caught) {
      garbage = caught as SipParseError;
    }
    assert.ok(garbage);
    assert.equal(errorResponseFor(garbage, new Set()), undefined);
  });
  it('tells responses from requests by the first bytes of a datagram', () => {
    assert.equal(looksLikeResponse(Buffer.from('\r\nSIP/2.0 200 OK\r\n')), true);
    assert.equal(looksLikeResponse(Buffer.from('INVITE sip:a@b SIP/2.0\r\n')), false);
  });
});
