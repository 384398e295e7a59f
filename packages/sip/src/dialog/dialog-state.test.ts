/**
 * §12 dialog state: creation on each side (§12.1.1, §12.1.2), the phase table, the route set
 * with loose and strict routers (§12.2.1.1, §16.12.1.2), and Record-Route end to end.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../message/parser.ts';
import { SipRequest, type SipResponse } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import { MemoryNetwork } from '../ua/test-network.ts';
import { capture, uaOn } from '../ua/ua-test-support.ts';
import { buildInDialogRequest, DialogPhase, DialogState } from './dialog-state.ts';
import type { Dialog } from './dialog.ts';

const INVITE = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

function invite(): SipRequest {
  return parseMessage(Buffer.from(INVITE)) as SipRequest;
}

function ok(recordRoute: string[]): SipResponse {
  const response = createResponse(invite(), 200, { toTag: 'a6c85cf', headers: [['Contact', '<sip:bob@192.0.2.4>']] })!;
  response.headers.remove('record-route');
  for (const value of recordRoute) response.headers.append('Record-Route', value);
  return response;
}

describe('DialogState', () => {
  it('UAC side (§12.1.2): reversed Record-Route, Contact as remote target, local CSeq from the request', () => {
    const state = DialogState.forUac(invite(), ok(['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']));
    assert.deepEqual(state.id, {
      callId: 'a84b4c76e66710@pc33.atlanta.example.com',
      localTag: '1928301774',
      remoteTag: 'a6c85cf',
    });
    assert.deepEqual(state.routeSet, ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    assert.equal(state.remoteTarget, 'sip:bob@192.0.2.4');
    assert.equal(state.localSeq, 314159);
    assert.equal(state.remoteSeq, undefined);
    assert.equal(state.phase, DialogPhase.Confirmed);
  });

  it('UAS side (§12.1.1): Record-Route in order, remote CSeq set, local CSeq empty', () => {
    const state = DialogState.forUas(invite(), 'uas-tag', DialogPhase.Early);
    assert.deepEqual(state.routeSet, ['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
    assert.equal(state.remoteTarget, 'sip:alice@pc33.atlanta.example.com');
    assert.equal(state.remoteSeq, 314159);
    assert.equal(state.localSeq, undefined);
    assert.match(state.localHeader, /;tag=uas-tag$/);
  });

  it('the phase table: early → confirmed → terminated; nothing leaves terminated', () => {
    const state = DialogState.forUas(invite(), 't', DialogPhase.Early);
    assert.equal(state.dispatch('provisional'), 'early');
    assert.equal(state.dispatch('success'), 'confirmed');
    assert.equal(state.dispatch('failure'), 'confirmed', 'a failure does not end a confirmed dialog');
    assert.equal(state.dispatch('bye'), 'terminated');
    assert.equal(state.dispatch('success'), 'terminated');
    const early = DialogState.forUas(invite(), 't', DialogPhase.Early);
    assert.equal(early.dispatch('failure'), 'terminated');
  });

  it('loose routing: Request-URI = remote target, Route = the route set (§12.2.1.1)', () => {
    const state = DialogState.forUac(invite(), ok(['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']));
    const { request, nextHop } = buildInDialogRequest(state, { method: 'BYE' });
    assert.equal(request.requestUri, 'sip:bob@192.0.2.4');
    assert.deepEqual(request.headers.values('route'), ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    assert.equal(nextHop.toString(), 'sip:p1.example.com;lr');
    assert.equal(request.cseq?.seq, 314160);
    assert.equal(request.to?.tag, 'a6c85cf');
    assert.equal(request.from?.tag, '1928301774');
  });

  it('strict routing: Request-URI = first route (stripped), remote target last in Route (§16.12.1.2)', () => {
    const state = DialogState.forUac(
      invite(),
      ok(['<sip:p2.example.com;lr>', '<sip:p1.example.com;method=INVITE;maddr=192.0.2.9>']),
    );
    const { request, nextHop } = buildInDialogRequest(state, { method: 'BYE' });
    assert.equal(
      request.requestUri,
      'sip:p1.example.com;maddr=192.0.2.9',
      'method (not allowed in a Request-URI) stripped',
    );
    assert.deepEqual(request.headers.values('route'), ['<sip:p2.example.com;lr>', '<sip:bob@192.0.2.4>']);
    assert.equal(nextHop.toString(), 'sip:p1.example.com;method=INVITE;maddr=192.0.2.9');
  });

  it('no route set: straight to the remote target; ACK keeps the INVITE CSeq', () => {
    const state = DialogState.forUac(invite(), ok([]));
    const ack = buildInDialogRequest(state, { method: 'ACK', seq: 314159 });
    assert.equal(ack.request.requestUri, 'sip:bob@192.0.2.4');
    assert.equal(ack.request.headers.has('route'), false);
    assert.equal(ack.request.cseq?.seq, 314159);
    assert.equal(state.localSeq, 314159, 'ACK does not consume a CSeq');
  });
});

describe('Record-Route end to end', () => {
  it('the UAC sends ACK and BYE to the first route (loose), with the reversed route set', async () => {
    const network = new MemoryNetwork();
    const alice = uaOn(network, '10.0.0.1', 'alice');
    const bob = network.peer('10.0.0.5');
    const proxyNear = network.peer('10.0.0.9');
    const call = capture(alice.createUAC('sip:bob@10.0.0.5'));
    await network.run(20);
    const request = bob.last('INVITE');
    bob.reply(request, 200, {
      toTag: 'rr1',
      headers: [
        ['Record-Route', '<sip:10.0.0.8;lr>'],
        ['Record-Route', '<sip:10.0.0.9;lr>'],
        ['Contact', '<sip:bob@10.0.0.5>'],
      ],
    });
    await network.run(20);
    const dialog = (await call).value!;
    assert.deepEqual(dialog.sip.routeSet, ['<sip:10.0.0.9;lr>', '<sip:10.0.0.8;lr>']);
    assert.equal(proxyNear.requests('ACK').length, 1, 'the ACK went to the nearest proxy');
    void dialog.destroy();
    await network.run(20);
    const bye = proxyNear.last('BYE');
    assert.equal(bye.requestUri, 'sip:bob@10.0.0.5');
    assert.deepEqual(bye.headers.values('route'), ['<sip:10.0.0.9;lr>', '<sip:10.0.0.8;lr>']);
  });

  it('the UAS copies Record-Route into its 2xx and routes its BYE through it in order', async () => {
    const network = new MemoryNetwork();
    const bob = uaOn(network, '10.0.0.2', 'bob');
    const alice = network.peer('10.0.0.1');
    const proxy = network.peer('10.0.0.8');
    let answered: Promise<{ value?: Dialog; error?: unknown }> | undefined;
    bob.on('invite', (req, res) => (answered = capture(bob.createUAS(req, res, {}))));
    const request = parseMessage(
      Buffer.from(
        INVITE.replace('sip:bob@biloxi.example.com SIP', 'sip:bob@10.0.0.2 SIP')
          .replace(
            'Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>',
            'Record-Route: <sip:10.0.0.8;lr>, <sip:10.0.0.7;lr>',
          )
          .replace('pc33.atlanta.example.com;branch', '10.0.0.1;branch'),
      ),
    ) as SipRequest;
    alice.send(request, { protocol: 'udp', address: '10.0.0.2', port: 5060 });
    await network.run(20);
    const ok200 = alice.received.find((r) => r.message.kind === 'response' && r.message.status === 200)!.message;
    assert.deepEqual(ok200.headers.values('record-route'), ['<sip:10.0.0.8;lr>', '<sip:10.0.0.7;lr>']);
    assert.ok(ok200.headers.has('contact'));
    const ack = new SipRequest({
      method: 'ACK',
      uri: 'sip:bob@10.0.0.2',
      headers: [
        ['Via', 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKack1'],
        ['From', request.headers.get('from')!],
        ['To', ok200.headers.get('to')!],
        ['Call-ID', request.callId!],
        ['CSeq', `${request.cseq!.seq} ACK`],
        ['Max-Forwards', '70'],
      ],
    });
    alice.send(ack, { protocol: 'udp', address: '10.0.0.2', port: 5060 });
    await network.run(20);
    const dialog = (await answered!).value!;
    assert.equal(dialog.state, 'confirmed');
    void dialog.destroy();
    await network.run(20);
    const bye = proxy.last('BYE');
    assert.equal(bye.requestUri, 'sip:alice@pc33.atlanta.example.com');
    assert.deepEqual(bye.headers.values('route'), ['<sip:10.0.0.8;lr>', '<sip:10.0.0.7;lr>']);
  });
});
