/**
 * Interop with SIPp dropping packets on purpose (`lost="25"` on its receives, see the lossy
 * scenarios): every call still completes because talkbus retransmits — INVITE (Timer A), BYE
 * (Timer E), its 2xx until the ACK (§13.3.1.4) — and ACKs each retransmitted 2xx (§13.2.2.4).
 * Ten calls per direction keep the chance that SIPp drops nothing at all below 1%.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasSipp, runSipp, sippFailure, startTalkbus, talkbusSdp, waitForBound } from './support.ts';
import { requirePeer } from '../support/peers.ts';

const CALLS = 10;

requirePeer(hasSipp(), 'SIPp (sip-tester)');
describe('SIPp interop: retransmissions recover from SIPp’s losses (UDP)', () => {
  it(`SIPp UAC → talkbus UAS, ${CALLS} calls, 25% of the 200s dropped`, async () => {
    const talkbus = await startTalkbus(4);
    try {
      let ended = 0;
      talkbus.ua.on('invite', (req, res) => {
        res.send(180);
        void talkbus.ua.createUAS(req, res, { localSdp: talkbusSdp(talkbus.address) }).then(
          (dialog) => dialog.once('destroy', () => ended++),
          () => undefined,
        );
      });
      const sipp = await runSipp({
        scenario: 'uac-call-lossy.xml',
        family: 4,
        protocol: 'udp',
        remote: `127.0.0.1:${talkbus.port}`,
        calls: CALLS,
        args: ['-s', 'talkbus', '-r', '20'],
      });
      const code = await sipp.result;
      assert.equal(code, 0, sippFailure(sipp, code));
      assert.equal(ended, CALLS);
      const sent = talkbus.transport.sent.length;
      assert.ok(sent > 3 * CALLS, `talkbus retransmitted (sent ${sent} messages for ${CALLS} calls)`);
    } finally {
      await talkbus.stop();
    }
  });

  it(`talkbus UAC → SIPp UAS, ${CALLS} calls, 25% of INVITEs and BYEs dropped`, async () => {
    const talkbus = await startTalkbus(4);
    try {
      const sipp = await runSipp({ scenario: 'uas-answer-lossy.xml', family: 4, protocol: 'udp', calls: CALLS });
      await waitForBound(sipp, 4, 'udp');
      for (let i = 0; i < CALLS; i++) {
        const dialog = await talkbus.ua.createUAC(`sip:service@127.0.0.1:${sipp.port}`, {
          localSdp: talkbusSdp(talkbus.address),
        });
        await dialog.destroy();
      }
      const code = await sipp.result;
      assert.equal(code, 0, sippFailure(sipp, code));
      const sent = talkbus.transport.sent.length;
      assert.ok(sent > 3 * CALLS, `talkbus retransmitted (sent ${sent} messages for ${CALLS} calls)`);
    } finally {
      await talkbus.stop();
    }
  });
});
