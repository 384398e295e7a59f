/**
 * RFC 3262 (100rel / PRACK) against SIPp 3.6.1: SIPp as UAC requiring 100rel (talkbus sends a
 * reliable 183, holds its 200 until the PRACK), SIPp as UAC without 100rel to a talkbus that
 * requires it (421, RFC 3261 §21.4.16), and SIPp as UAS answering with a reliable 183 (talkbus
 * PRACKs it with the right RAck), over UDP and TCP on 127.0.0.1.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DestroyInfo, Dialog, SipResponse } from '@talkbus/sip';
import { hasSipp, runSipp, sippFailure, startTalkbus, talkbusSdp, uriHost, waitForBound } from './support.ts';
import { requirePeer } from '../support/peers.ts';

const PROTOCOLS = ['udp', 'tcp'] as const;

requirePeer(hasSipp(), 'SIPp (sip-tester)');
describe('SIPp interop: PRACK / 100rel (RFC 3262)', () => {
  for (const protocol of PROTOCOLS) {
    it(`SIPp UAC requires 100rel → talkbus sends a reliable 183, answers the PRACK, then 200 (${protocol})`, async () => {
      const talkbus = await startTalkbus(4);
      try {
        const ended = new Promise<DestroyInfo>((resolve) => {
          talkbus.ua.on('invite', (req, res) => {
            res.send(183, { body: talkbusSdp(talkbus.address), contentType: 'application/sdp' });
            void talkbus.ua.createUAS(req, res, { localSdp: talkbusSdp(talkbus.address) }).then(
              (dialog) => dialog.once('destroy', resolve),
              () => undefined,
            );
          });
        });
        const sipp = await runSipp({
          scenario: 'uac-100rel.xml',
          family: 4,
          protocol,
          remote: `${uriHost(talkbus.address)}:${talkbus.port}`,
          args: ['-s', 'talkbus'],
        });
        const code = await sipp.result;
        assert.equal(code, 0, sippFailure(sipp, code));
        const info = await ended;
        assert.equal(info.reason, 'bye');
        const reliable = talkbus.transport.responses(183) as SipResponse[];
        assert.ok(reliable.length >= 1);
        assert.ok(reliable[0]!.require.includes('100rel'));
        assert.ok(reliable[0]!.rseq !== undefined);
        const order = talkbus.transport.sent
          .filter((m) => m.kind === 'response' && m.status === 200)
          .map((m) => m.cseq?.method);
        assert.deepEqual(order.slice(0, 2), ['PRACK', 'INVITE']);
      } finally {
        await talkbus.stop();
      }
    });

    it(`SIPp UAC without 100rel → talkbus set to 'required' answers 421 with Require: 100rel (${protocol})`, async () => {
      const talkbus = await startTalkbus(4, { reliableProvisionals: 'required' });
      try {
        let heard = 0;
        talkbus.ua.on('invite', () => heard++);
        const sipp = await runSipp({
          scenario: 'uac-no-100rel.xml',
          family: 4,
          protocol,
          remote: `${uriHost(talkbus.address)}:${talkbus.port}`,
          args: ['-s', 'talkbus'],
        });
        const code = await sipp.result;
        assert.equal(code, 0, sippFailure(sipp, code));
        const rejections = talkbus.transport.responses(421) as SipResponse[];
        assert.ok(rejections.length >= 1);
        assert.deepEqual(rejections[0]!.require, ['100rel']);
        assert.equal(heard, 0);
        assert.equal(talkbus.ua.dialogCount, 0);
      } finally {
        await talkbus.stop();
      }
    });

    it(`talkbus UAC → SIPp UAS with a reliable 183: PRACKed once with RAck, then 200/ACK/BYE (${protocol})`, async () => {
      const talkbus = await startTalkbus(4);
      try {
        const sipp = await runSipp({ scenario: 'uas-reliable-183.xml', family: 4, protocol });
        await waitForBound(sipp, 4, protocol);
        const provisional: number[] = [];
        const prackStatus: number[] = [];
        const dialog: Dialog = await talkbus.ua.createUAC(
          `sip:service@${uriHost(talkbus.address)}:${sipp.port};transport=${protocol}`,
          {
            localSdp: talkbusSdp(talkbus.address),
            onProvisional: (response) => provisional.push(response.status),
            onPrackResponse: (response) => prackStatus.push(response.status),
          },
        );
        assert.deepEqual(
          provisional.filter((s) => s === 183),
          [183],
        );
        assert.deepEqual(prackStatus, [200]);
        assert.equal(dialog.state, 'confirmed');
        assert.match(dialog.remote.sdp ?? '', /m=audio \d+ RTP\/AVP 0/);
        const pracks = talkbus.transport.requests('PRACK');
        assert.equal(pracks.length, 1);
        const invite = talkbus.transport.requests('INVITE')[0]!;
        assert.equal(pracks[0]!.headers.get('rack'), `1 ${invite.cseq!.seq} INVITE`);
        await dialog.destroy();
        const code = await sipp.result;
        assert.equal(code, 0, sippFailure(sipp, code));
      } finally {
        await talkbus.stop();
      }
    });
  }
});
