/**
 * Interop with SIPp (Debian sip-tester 3.6.1) as the real peer: a call set up, ACKed and ended
 * with BYE in both directions (SIPp UAC → talkbus UAS, talkbus UAC → SIPp UAS), over UDP and
 * TCP, on 127.0.0.1 and ::1.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Dialog, DestroyInfo } from '@talkbus/sip';
import {
  hasSipp,
  runSipp,
  sippFailure,
  startTalkbus,
  talkbusSdp,
  uriHost,
  waitForBound,
  type Family,
} from './support.ts';
import { requirePeer } from '../support/peers.ts';

const MATRIX: Array<[Family, 'udp' | 'tcp']> = [
  [4, 'udp'],
  [4, 'tcp'],
  [6, 'udp'],
  [6, 'tcp'],
];

requirePeer(hasSipp(), 'SIPp (sip-tester)');
describe('SIPp interop: INVITE / 200 / ACK / BYE', () => {
  for (const [family, protocol] of MATRIX) {
    it(`SIPp UAC → talkbus UAS over ${protocol} on IPv${family}`, async () => {
      const talkbus = await startTalkbus(family);
      try {
        const ended = new Promise<DestroyInfo>((resolve) => {
          talkbus.ua.on('invite', (req, res) => {
            res.send(180);
            void talkbus.ua.createUAS(req, res, { localSdp: talkbusSdp(talkbus.address) }).then(
              (dialog) => dialog.once('destroy', resolve),
              () => undefined,
            );
          });
        });
        const sipp = await runSipp({
          scenario: 'uac-call.xml',
          family,
          protocol,
          remote: `${uriHost(talkbus.address)}:${talkbus.port}`,
          args: ['-s', 'talkbus'],
        });
        const code = await sipp.result;
        assert.equal(code, 0, sippFailure(sipp, code));
        const info = await ended;
        assert.equal(info.initiator, 'remote');
        assert.equal(info.reason, 'bye');
        assert.equal(talkbus.ua.dialogCount, 0);
      } finally {
        await talkbus.stop();
      }
    });

    it(`talkbus UAC → SIPp UAS over ${protocol} on IPv${family}`, async () => {
      const talkbus = await startTalkbus(family);
      try {
        const sipp = await runSipp({ scenario: 'uas-answer.xml', family, protocol });
        await waitForBound(sipp, family, protocol);
        const provisional: number[] = [];
        const dialog: Dialog = await talkbus.ua.createUAC(
          `sip:service@${uriHost(talkbus.address)}:${sipp.port};transport=${protocol}`,
          {
            localSdp: talkbusSdp(talkbus.address),
            onProvisional: (response) => provisional.push(response.status),
          },
        );
        assert.ok(provisional.includes(180));
        assert.equal(dialog.state, 'confirmed');
        assert.match(dialog.remote.sdp ?? '', /m=audio \d+ RTP\/AVP 0/);
        await dialog.destroy();
        const code = await sipp.result;
        assert.equal(code, 0, sippFailure(sipp, code));
        assert.equal(talkbus.transport.requests('ACK').length, 1);
      } finally {
        await talkbus.stop();
      }
    });
  }
});
