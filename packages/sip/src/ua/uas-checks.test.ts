/** §8.2 UAS checks, one by one, and through a user agent on the in-memory network. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest } from '../message/message.ts';
import { checkUasRequest, type UasPolicy } from './uas-checks.ts';
import { MemoryNetwork } from './test-network.ts';
import { uaOn } from './ua-test-support.ts';

const POLICY: UasPolicy = {
  allow: ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'MESSAGE'],
  supported: ['timer'],
  accept: ['application/sdp', 'text/plain'],
  schemes: ['sip', 'sips', 'tel'],
  requiredExtensions: [],
};

function request(
  method: string,
  extra: Array<[string, string]> = [],
  body?: string,
  uri = 'sip:bob@10.0.0.2',
): SipRequest {
  return new SipRequest({
    method,
    uri,
    headers: [
      ['Via', `SIP/2.0/UDP 10.0.0.7;branch=z9hG4bK${Math.random().toString(36).slice(2)};rport`],
      ['From', '<sip:eve@10.0.0.7>;tag=e1'],
      ['To', '<sip:bob@10.0.0.2>'],
      ['Call-ID', `c-${Math.random()}`],
      ['CSeq', `1 ${method}`],
      ['Max-Forwards', '70'],
      ...extra,
    ],
    body,
  });
}

describe('checkUasRequest (RFC 3261 §8.2)', () => {
  const cases: Array<[string, SipRequest, number, string | undefined]> = [
    ['405 with Allow for a method not supported (§8.2.1)', request('PUBLISH'), 405, 'Allow'],
    ['483 for Max-Forwards 0 on a non-OPTIONS request', request('MESSAGE', [], undefined), 483, undefined],
    ['420 with Unsupported (§8.2.2.3)', request('OPTIONS', [['Require', 'timer, 100rel, foo']]), 420, 'Unsupported'],
    [
      '415 with Accept for an unknown Content-Type (§8.2.3)',
      request('MESSAGE', [['Content-Type', 'application/x-unknown']], 'x'),
      415,
      'Accept',
    ],
    [
      '415 with Accept-Encoding for a Content-Encoding (§8.2.3)',
      request(
        'MESSAGE',
        [
          ['Content-Type', 'text/plain'],
          ['Content-Encoding', 'gzip'],
        ],
        'x',
      ),
      415,
      'Accept-Encoding',
    ],
    [
      '416 for an unknown Request-URI scheme (§8.2.2.1)',
      request('OPTIONS', [], undefined, 'urn:service:sos'),
      416,
      undefined,
    ],
    [
      '406 for an INVITE whose Accept excludes SDP (RFC 4475 §3.3.15)',
      request('INVITE', [['Accept', 'text/html']]),
      406,
      undefined,
    ],
    [
      '400 for a header that breaks its grammar',
      request('OPTIONS', [['Contact', '<sip:unterminated']]),
      400,
      undefined,
    ],
  ];
  cases[1]![1].headers.set('Max-Forwards', '0');
  for (const [title, message, status, header] of cases) {
    it(title, () => {
      const rejection = checkUasRequest(message, POLICY);
      assert.equal(rejection?.status, status);
      if (header !== undefined)
        assert.ok(
          rejection.headers.some(([name]) => name === header),
          `${header} missing`,
        );
    });
  }

  it('passes a well-formed request, and OPTIONS with Max-Forwards 0 (§11)', () => {
    assert.equal(checkUasRequest(request('MESSAGE', [['Content-Type', 'text/plain']], 'hi'), POLICY), undefined);
    const options = request('OPTIONS');
    options.headers.set('Max-Forwards', '0');
    assert.equal(checkUasRequest(options, POLICY), undefined);
  });

  it('421 with Require for a new INVITE lacking a required extension (§21.4.16), after 420', () => {
    const policy: UasPolicy = { ...POLICY, supported: ['100rel', 'timer'], requiredExtensions: ['100rel'] };
    const rejection = checkUasRequest(request('INVITE', [['Supported', 'timer']]), policy);
    assert.equal(rejection?.status, 421);
    assert.deepEqual(rejection.headers, [['Require', '100rel']]);
    assert.equal(checkUasRequest(request('INVITE'), policy)?.status, 421);
    assert.equal(checkUasRequest(request('INVITE', [['Supported', 'timer, 100REL']]), policy), undefined);
    assert.equal(checkUasRequest(request('INVITE', [['Require', '100rel']]), policy), undefined);
    assert.equal(checkUasRequest(request('INVITE', [['Require', 'foo']]), policy)?.status, 420);
    assert.equal(checkUasRequest(request('OPTIONS'), policy), undefined);
    const reinvite = request('INVITE');
    reinvite.headers.set('To', '<sip:bob@10.0.0.2>;tag=b1');
    assert.equal(checkUasRequest(reinvite, policy), undefined, 'a re-INVITE is not refused');
  });

  it('through a user agent: the core answers before any listener runs', async () => {
    const network = new MemoryNetwork();
    const bob = uaOn(network, '10.0.0.2', 'bob');
    let heard = 0;
    bob.on('request', (_req, res) => {
      heard++;
      res.send(200);
    });
    const eve = network.peer('10.0.0.7');
    const to = { protocol: 'udp' as const, address: '10.0.0.2', port: 5060 };
    const zero = request('MESSAGE', [['Content-Type', 'text/plain']], 'x');
    zero.headers.set('Max-Forwards', '0');
    for (const message of [
      request('PUBLISH'),
      zero,
      request('MESSAGE', [['Require', 'foo']]),
      request('MESSAGE', [['Content-Type', 'image/png']], 'x'),
    ])
      eve.send(message, to);
    await network.run(20);
    assert.deepEqual(network.statuses().sort(), [405, 415, 420, 483]);
    assert.equal(heard, 0);
  });
});
