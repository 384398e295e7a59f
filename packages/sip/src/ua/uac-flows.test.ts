/**
 * UAC flows against scripted and real peers on the in-memory network: forking (§13.2.2.4, two
 * early dialogs, two 2xx: ACK both, BYE the second), digest retries (401/407, §22.2), 3xx
 * following (§8.1.3.4), RFC 3263 failover, and the 2xx retransmission after the transaction.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DigestServer } from '../auth/digest-server.ts';
import type { SipRequest } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import type { SipError } from '../dialog/sip-error.ts';
import { capture, sdp, twoAgents, uaOn } from './ua-test-support.ts';
import { MemoryNetwork } from './test-network.ts';

const ALICE = { protocol: 'udp' as const, address: '10.0.0.1', port: 5060 };

describe('forking (RFC 3261 §12.1.2, §13.2.2.4)', () => {
  it('two early dialogs, two 2xx: both ACKed, the second fork gets BYE', async () => {
    const network = new MemoryNetwork();
    const alice = uaOn(network, '10.0.0.1', 'alice');
    const proxy = network.peer('10.0.0.5');
    const forks = [network.peer('10.0.0.6'), network.peer('10.0.0.7')];
    const early: string[] = [];
    const call = capture(
      alice.createUAC('sip:bob@10.0.0.5', {
        localSdp: sdp('10.0.0.1', 1),
        onProvisional: (response, dialog) => early.push(`${response.to?.tag}:${dialog?.state}`),
      }),
    );
    await network.run(20);
    const invite = proxy.last('INVITE');
    const answer = (status: number, tag: string, contact: string) => {
      const response = createResponse(invite, status, {
        toTag: tag,
        headers: [
          ['Contact', `<${contact}>`],
          ...(status === 200 ? ([['Content-Type', 'application/sdp']] as Array<[string, string]>) : []),
        ],
        body: status === 200 ? sdp(contact.replace(/.*@/, ''), 3000) : undefined,
      })!;
      proxy.send(response, ALICE);
    };
    answer(180, 'forkA', 'sip:b1@10.0.0.6');
    answer(180, 'forkB', 'sip:b2@10.0.0.7');
    await network.run(20);
    assert.deepEqual(early, ['forkA:early', 'forkB:early']);
    assert.equal(alice.dialogCount, 2);
    answer(200, 'forkA', 'sip:b1@10.0.0.6');
    answer(200, 'forkB', 'sip:b2@10.0.0.7');
    await network.run(50);
    const { value: dialog } = await call;
    assert.equal(dialog?.remote.tag, 'forkA');
    assert.equal(dialog?.state, 'confirmed');
    // The chosen fork's 2xx stays readable (RFC 4028 §7.2: Session-Expires is in the answer).
    assert.equal(dialog?.answer?.status, 200);
    assert.equal(dialog?.answer?.to?.tag, 'forkA');
    assert.equal(forks[0]!.requests('ACK').length, 1, 'ACK to fork A’s Contact');
    assert.equal(forks[1]!.requests('ACK').length, 1, 'ACK to fork B’s Contact');
    const bye = forks[1]!.requests('BYE');
    assert.equal(bye.length, 1, 'BYE for the unwanted fork');
    assert.equal(bye[0]!.to?.tag, 'forkB');
    assert.equal(forks[0]!.requests('BYE').length, 0);
    // A retransmission of fork A's 200 gets the same ACK again (§13.2.2.4).
    answer(200, 'forkA', 'sip:b1@10.0.0.6');
    await network.run(20);
    const acks = forks[0]!.requests('ACK');
    assert.equal(acks.length, 2);
    assert.equal(acks[0]!.topVia?.branch, acks[1]!.topVia?.branch);
    assert.equal(acks[0]!.cseq?.seq, invite.cseq?.seq);
  });

  it('a 2xx arriving after the INVITE transaction ended is still ACKed (stray response)', async () => {
    const network = new MemoryNetwork();
    const alice = uaOn(network, '10.0.0.1', 'alice');
    const proxy = network.peer('10.0.0.5');
    const call = capture(alice.createUAC('sip:bob@10.0.0.5'));
    await network.run(20);
    const invite = proxy.last('INVITE');
    const ok = createResponse(invite, 200, { toTag: 'one', headers: [['Contact', '<sip:b@10.0.0.5>']] })!;
    proxy.send(ok, ALICE);
    await network.run(7000, 100); // Timer M (64*T1) ends the transaction
    assert.ok((await call).value);
    proxy.send(ok, ALICE);
    await network.run(20);
    assert.equal(proxy.requests('ACK').length, 2);
  });
});

describe('digest authentication (RFC 3261 §22)', () => {
  const server = (proxy: boolean) =>
    new DigestServer({
      realm: 'example.com',
      secret: 'a-secret-of-16-bytes!',
      lookup: () => ({ password: 'pw' }),
      proxy,
    });

  it('INVITE challenged with 407: retried with Proxy-Authorization, CSeq + 1 and a new branch', async () => {
    const env = twoAgents({ alice: { credentials: { username: 'alice', password: 'pw' } } });
    const auth = server(true);
    const seen: SipRequest[] = [];
    env.bob.on('invite', (req, res) => {
      seen.push(req.message);
      void auth.verify(req.message).then((result) => {
        if (!result.ok) {
          const challenge = auth.challengeResponse(req.message)!;
          res.send(407, { headers: { 'Proxy-Authenticate': challenge.headers.getAll('proxy-authenticate') } });
        } else void env.bob.createUAS(req, res, { localSdp: sdp('10.0.0.2', 2) });
      });
    });
    const call = capture(env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 1) }));
    await env.network.run(100);
    assert.ok((await call).value, 'the call was set up');
    assert.equal(seen.length, 2);
    assert.equal(seen[1]!.cseq!.seq, seen[0]!.cseq!.seq + 1);
    assert.notEqual(seen[1]!.topVia!.branch, seen[0]!.topVia!.branch);
    assert.ok(seen[1]!.headers.has('proxy-authorization'));
    const ack = env.network.requests('ACK').at(-1)!;
    assert.ok(ack.headers.has('proxy-authorization'), '§13.2.2.4: the 2xx ACK carries the INVITE’s credentials');
  });

  it('MESSAGE challenged with 401; a wrong password ends with the 401', async () => {
    const env = twoAgents({ alice: { credentials: { username: 'alice', password: 'pw' } } });
    const auth = server(false);
    env.bob.on('request', (req, res) => {
      void auth.verify(req.message).then((result) => {
        if (result.ok) res.send(200);
        else
          res.send(401, {
            headers: { 'WWW-Authenticate': auth.challengeResponse(req.message)!.headers.getAll('www-authenticate') },
          });
      });
    });
    const good = capture(
      env.alice.request('sip:bob@10.0.0.2', { method: 'MESSAGE', body: 'x', contentType: 'text/plain' }),
    );
    await env.network.run(50);
    assert.equal((await good).value?.status, 200);
    const bad = capture(
      env.alice.request('sip:bob@10.0.0.2', {
        method: 'MESSAGE',
        body: 'x',
        contentType: 'text/plain',
        auth: { username: 'alice', password: 'nope' },
      }),
    );
    await env.network.run(50);
    assert.equal((await bad).value?.status, 401);
  });
});

describe('redirects (§8.1.3.4) and failover (RFC 3263 §4.3)', () => {
  it('follows a 302 to the Contact when asked, and stops on a loop', async () => {
    const env = twoAgents();
    const carol = uaOn(env.network, '10.0.0.3', 'carol');
    env.bob.on('invite', (_req, res) => res.send(302, { headers: { Contact: '<sip:carol@10.0.0.3>' } }));
    carol.on('invite', (req, res) => void carol.createUAS(req, res, { localSdp: sdp('10.0.0.3', 3) }));
    const followed = capture(
      env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 1), followRedirects: true }),
    );
    await env.network.run(100);
    const dialog = (await followed).value;
    assert.match(dialog?.remote.contact ?? '', /carol@10\.0\.0\.3/);
    const unfollowed = capture(env.alice.createUAC('sip:bob@10.0.0.2'));
    await env.network.run(50);
    assert.equal(((await unfollowed).error as SipError).status, 302);
    // A loop: Carol redirects back to Bob, Bob to Carol.
    carol.removeAllListeners('invite');
    carol.on('invite', (_req, res) => res.send(302, { headers: { Contact: '<sip:bob@10.0.0.2>' } }));
    const loop = capture(env.alice.createUAC('sip:bob@10.0.0.2', { followRedirects: true }));
    await env.network.run(100);
    assert.equal(((await loop).error as SipError).code, 'REDIRECT_LIMIT');
  });

  it('a request to a dead first target fails over to the second after Timer F', async () => {
    const network = new MemoryNetwork();
    const targets = [
      { protocol: 'udp' as const, address: '10.0.0.99', port: 5060, serverName: 'example.com' },
      { protocol: 'udp' as const, address: '10.0.0.2', port: 5060, serverName: 'example.com' },
    ];
    const alice = uaOn(network, '10.0.0.1', 'alice', { resolve: () => Promise.resolve(targets) });
    uaOn(network, '10.0.0.2', 'bob');
    const options = capture(alice.request('sip:example.com', { method: 'OPTIONS' }));
    await network.run(7000, 100);
    assert.equal((await options).value?.status, 200);
    const sent = network.requests('OPTIONS');
    assert.equal(sent[0]?.cseq?.seq, 1);
    assert.equal(sent.at(-1)?.cseq?.seq, 2, 'a new request (CSeq + 1) to the next target');
  });
});
