/**
 * Interop: SIPp (Debian sip-tester 3.6.1) sends OPTIONS to a SipTransportLayer over UDP and TCP
 * on 127.0.0.1, and the test user answers 200 through `responseTarget` (§18.2.2, RFC 3581).
 * Quirks from ../shared/reference/peers.md: always `-p PORT`, `-timeout` with `-timeout_error`,
 * wrapped in `timeout`, stopped by PID.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { freePort } from '../support/ports.ts';
import { hasSipp, startSipp } from '../support/sipp.ts';
import { autoAnswer, startLayer, type TestLayer } from './support.ts';
import { requirePeer } from '../support/peers.ts';

const scenario = path.join(import.meta.dirname, 'options-uac.xml');

requirePeer(hasSipp(), 'SIPp (sip-tester)');
describe('SIPp interop (OPTIONS → 200)', () => {
  let server: TestLayer;
  before(async () => {
    server = await startLayer(['udp', 'tcp'], '127.0.0.1', { onePort: true });
    autoAnswer(server);
  });
  after(() => server.layer.stop());

  for (const protocol of ['udp', 'tcp'] as const) {
    it(`over ${protocol}`, async () => {
      const sippPort = await freePort();
      const target = `127.0.0.1:${server.address(protocol).port}`;
      const sipp = await startSipp({
        scenario,
        remote: target,
        port: sippPort,
        protocol,
        timeoutSeconds: 10,
      });
      // `timeout` bounds SIPp; this bounds the wait on it, and kills it by PID if it hangs.
      const code = await sipp.done(25_000);
      assert.equal(code, 0, `sipp exit ${code}:\n${sipp.child.output().slice(-2000)}`);
      const request = server.user.messages.find((m) => m.message.kind === 'request' && m.source.protocol === protocol);
      assert.ok(request, 'the layer delivered the OPTIONS');
      assert.equal(request.message.topVia?.rport, sippPort, 'rport filled with the SIPp port');
    });
  }
});
