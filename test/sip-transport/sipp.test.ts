/**
 * Interop: SIPp (Debian sip-tester 3.6.1) sends OPTIONS to a SipTransportLayer over UDP and TCP
 * on 127.0.0.1, and the test user answers 200 through `responseTarget` (§18.2.2, RFC 3581).
 * Quirks from ../shared/reference/peers.md: always `-p PORT`, `-timeout` with `-timeout_error`,
 * wrapped in `timeout`, stopped by PID.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../support/ports.ts';
import { startChild } from '../support/process.ts';
import { autoAnswer, startLayer, type TestLayer } from './support.ts';

function hasSipp(): boolean {
  try {
    execFileSync('sipp', ['-v'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch (error) {
    // sipp -v exits non-zero but prints its version; only a missing binary is fatal.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

const scenario = path.join(import.meta.dirname, 'options-uac.xml');

describe('SIPp interop (OPTIONS → 200)', { skip: hasSipp() ? false : 'sipp is not installed' }, () => {
  let server: TestLayer;
  before(async () => {
    const port = await freePort();
    server = await startLayer(['udp', 'tcp'], '127.0.0.1', { ports: { udp: port, tcp: port } });
    autoAnswer(server);
  });
  after(() => server.layer.stop());

  for (const [protocol, mode] of [
    ['udp', 'u1'],
    ['tcp', 't1'],
  ] as const) {
    it(`over ${protocol}`, async () => {
      const sippPort = await freePort();
      const target = `127.0.0.1:${server.address(protocol).port}`;
      const sipp = startChild('timeout', [
        '20',
        'sipp',
        target,
        '-sf',
        scenario,
        '-m',
        '1',
        '-p',
        String(sippPort),
        '-i',
        '127.0.0.1',
        '-t',
        mode,
        '-timeout',
        '10s',
        '-timeout_error',
        '-nostdin',
      ]);
      // `timeout 20` bounds SIPp; this bounds the wait on it, and kills it by PID if it hangs.
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        sipp.exited,
        new Promise<string>((resolve) => (timer = setTimeout(() => resolve('hung'), 25_000))),
      ]);
      clearTimeout(timer);
      if (code === 'hung') await sipp.kill();
      assert.equal(code, 0, `sipp exit ${code}:\n${sipp.output().slice(-2000)}`);
      const request = server.user.messages.find((m) => m.message.kind === 'request' && m.source.protocol === protocol);
      assert.ok(request, 'the layer delivered the OPTIONS');
      assert.equal(request.message.topVia?.rport, sippPort, 'rport filled with the SIPp port');
    });
  }
});
