/**
 * Interop with SIPp: CANCEL during ringing (both directions), 486 and 603, 302 followed to a
 * second SIPp, and 401/407 digest challenges that SIPp verifies (`verifyauth`), over UDP and TCP.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SipError } from '@talkbus/sip';
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

const skip = hasSipp() ? false : 'sipp is not installed';
const PROTOCOLS = ['udp', 'tcp'] as const;

/** RFC 2617 §3.2.2 with qop=auth and MD5: does `value` hold the right response? */
function digestMatches(value: string, method: string, user: string, realm: string, password: string): boolean {
  const field = (name: string) => new RegExp(`${name}="?([^",]+)"?`).exec(value)?.[1] ?? '';
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');
  const ha1 = md5(`${user}:${realm}:${password}`);
  const ha2 = md5(`${method}:${field('uri')}`);
  const expected = md5(`${ha1}:${field('nonce')}:${field('nc')}:${field('cnonce')}:${field('qop')}:${ha2}`);
  return field('response') === expected && field('realm') === realm;
}

async function failure(promise: Promise<unknown>): Promise<SipError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SipError, String(error));
    return error;
  }
  assert.fail('expected a SipError');
}

describe('SIPp interop: CANCEL during ringing', { skip }, () => {
  for (const protocol of PROTOCOLS) {
    it(`talkbus cancels its INVITE to SIPp over ${protocol}`, async () => {
      const talkbus = await startTalkbus(4);
      try {
        const sipp = await runSipp({ scenario: 'uas-ring-cancel.xml', family: 4, protocol });
        await waitForBound(sipp, 4, protocol);
        const controller = new AbortController();
        const call = talkbus.ua.createUAC(`sip:service@127.0.0.1:${sipp.port};transport=${protocol}`, {
          localSdp: talkbusSdp(talkbus.address),
          signal: controller.signal,
          onProvisional: (response) => {
            if (response.status === 180) controller.abort();
          },
        });
        const error = await failure(call);
        assert.equal(error.code, 'CANCELED');
        assert.equal(error.status, 487);
        const code = await sipp.result;
        assert.equal(code, 0, sippFailure(sipp, code));
        assert.equal(talkbus.transport.requests('CANCEL').length, 1);
        assert.equal(talkbus.ua.dialogCount, 0);
      } finally {
        await talkbus.stop();
      }
    });

    it(`SIPp cancels its INVITE to talkbus over ${protocol}`, async () => {
      const talkbus = await startTalkbus(4);
      try {
        const canceled = new Promise<boolean>((resolve) =>
          talkbus.ua.on('invite', (req, res) => {
            res.send(180);
            req.signal.addEventListener('abort', () => resolve(req.canceled));
          }),
        );
        const sipp = await runSipp({
          scenario: 'uac-cancel.xml',
          family: 4,
          protocol,
          remote: `127.0.0.1:${talkbus.port}`,
          args: ['-s', 'talkbus'],
        });
        const code = await sipp.result;
        assert.equal(code, 0, sippFailure(sipp, code));
        assert.equal(await canceled, true);
        assert.equal(talkbus.transport.responses(487).length, 1);
        assert.equal(talkbus.ua.dialogCount, 0, 'the early dialog is gone');
      } finally {
        await talkbus.stop();
      }
    });
  }
});

describe('SIPp interop: 486, 603 and 302', { skip }, () => {
  for (const [status, reason, protocol] of [
    [486, 'Busy Here', 'udp'],
    [603, 'Decline', 'udp'],
    [486, 'Busy Here', 'tcp'],
  ] as const) {
    it(`${status} ${reason} over ${protocol}`, async () => {
      const talkbus = await startTalkbus(4);
      try {
        const sipp = await runSipp({ scenario: `uas-reject-${status}.xml`, family: 4, protocol });
        await waitForBound(sipp, 4, protocol);
        const error = await failure(talkbus.ua.createUAC(`sip:service@127.0.0.1:${sipp.port};transport=${protocol}`));
        assert.equal(error.status, status);
        assert.equal(error.reason, reason);
        assert.equal(error.code, 'FINAL_RESPONSE');
        const code = await sipp.result;
        assert.equal(code, 0, sippFailure(sipp, code));
      } finally {
        await talkbus.stop();
      }
    });
  }

  for (const [family, protocol] of [
    [4, 'udp'],
    [4, 'tcp'],
    [6, 'udp'],
  ] as Array<[Family, 'udp' | 'tcp']>) {
    it(`302 followed to a second SIPp over ${protocol} on IPv${family}`, async () => {
      const talkbus = await startTalkbus(family);
      try {
        const host = uriHost(talkbus.address);
        const answering = await runSipp({ scenario: 'uas-answer.xml', family, protocol });
        const target = `sip:moved@${host}:${answering.port};transport=${protocol}`;
        const redirecting = await runSipp({ scenario: 'uas-redirect.xml', family, protocol, keys: { target } });
        await waitForBound(answering, family, protocol);
        await waitForBound(redirecting, family, protocol);
        const uri = `sip:service@${host}:${redirecting.port};transport=${protocol}`;
        const dialog = await talkbus.ua.createUAC(uri, {
          localSdp: talkbusSdp(talkbus.address),
          followRedirects: true,
        });
        assert.match(dialog.remote.contact, new RegExp(`:${answering.port};`));
        await dialog.destroy();
        for (const sipp of [redirecting, answering]) {
          const code = await sipp.result;
          assert.equal(code, 0, sippFailure(sipp, code));
        }
      } finally {
        await talkbus.stop();
      }
    });
  }
});

describe('SIPp interop: digest challenges', { skip }, () => {
  for (const [code, challenge, protocol] of [
    [401, 'WWW-Authenticate', 'udp'],
    [407, 'Proxy-Authenticate', 'udp'],
    [407, 'Proxy-Authenticate', 'tcp'],
  ] as const) {
    it(`${code} (${challenge}) answered over ${protocol}; SIPp verifies the credentials`, async () => {
      const talkbus = await startTalkbus(4, { credentials: { username: 'alice', password: 'secret' } });
      try {
        const sipp = await runSipp({ scenario: `uas-auth-${code}.xml`, family: 4, protocol });
        await waitForBound(sipp, 4, protocol);
        const dialog = await talkbus.ua.createUAC(`sip:service@127.0.0.1:${sipp.port};transport=${protocol}`, {
          localSdp: talkbusSdp(talkbus.address),
        });
        await dialog.destroy();
        const exit = await sipp.result;
        assert.equal(exit, 0, sippFailure(sipp, exit));
        const invites = talkbus.transport.requests('INVITE');
        assert.equal(invites.length, 2);
        assert.equal(invites[1]!.cseq!.seq, invites[0]!.cseq!.seq + 1);
        const credentials = invites[1]!.headers.get(code === 401 ? 'authorization' : 'proxy-authorization');
        assert.ok(credentials);
        // SIPp verified the 401 answer (verifyauth); check the 407 one against its nonce here.
        assert.ok(digestMatches(credentials, 'INVITE', 'alice', 'sipp.example', 'secret'), credentials);
      } finally {
        await talkbus.stop();
      }
    });
  }

  it('a wrong password: SIPp’s verifyauth fails, the call does not complete', async () => {
    const talkbus = await startTalkbus(4, { credentials: { username: 'alice', password: 'wrong' } });
    try {
      const sipp = await runSipp({ scenario: 'uas-auth-401.xml', family: 4, protocol: 'udp' });
      await waitForBound(sipp, 4, 'udp');
      const error = await failure(
        talkbus.ua.createUAC(`sip:service@127.0.0.1:${sipp.port}`, { localSdp: talkbusSdp(talkbus.address) }),
      );
      assert.equal(error.code, 'REQUEST_TIMEOUT', 'SIPp stops answering; Timer B ends the INVITE');
      const exit = await sipp.result;
      assert.notEqual(exit, 0, 'SIPp counts the call as failed');
    } finally {
      await talkbus.stop();
    }
  });
});
