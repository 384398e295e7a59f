/** RFC 6665 subscriptions: the dialog from the 2xx or from a NOTIFY that overtakes it; termination; 489. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SipRequest } from '../message/message.ts';
import { createResponse } from '../message/response.ts';
import { SipError } from '../dialog/sip-error.ts';
import { MemoryNetwork } from './test-network.ts';
import { capture, uaOn } from './ua-test-support.ts';

const ALICE = { protocol: 'udp' as const, address: '10.0.0.1', port: 5060 };

function notify(subscribe: SipRequest, state: string, seq: number, body: string): SipRequest {
  return new SipRequest({
    method: 'NOTIFY',
    uri: subscribe.contact.contacts[0]!.uri.toString(),
    headers: [
      ['Via', `SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKn${seq}`],
      ['From', `${subscribe.headers.get('to')};tag=notifier1`],
      ['To', subscribe.headers.get('from')!],
      ['Call-ID', subscribe.callId!],
      ['CSeq', `${seq} NOTIFY`],
      ['Max-Forwards', '70'],
      ['Contact', '<sip:registrar@10.0.0.5>'],
      ['Event', 'reg'],
      ['Subscription-State', state],
      ['Content-Type', 'application/reginfo+xml'],
    ],
    body,
  });
}

describe('subscriptions (RFC 6665)', () => {
  it('a NOTIFY before the 2xx makes the dialog; later NOTIFYs reach onNotify; "terminated" ends it', async () => {
    const network = new MemoryNetwork();
    const alice = uaOn(network, '10.0.0.1', 'alice');
    const registrar = network.peer('10.0.0.5');
    const bodies: string[] = [];
    const subscribed = capture(
      alice.subscribe('sip:alice@10.0.0.5', {
        event: 'reg',
        accept: 'application/reginfo+xml',
        expires: 600,
        onNotify: (req, res) => {
          bodies.push(req.body);
          res.send(200);
        },
      }),
    );
    await network.run(20);
    const subscribe = registrar.last('SUBSCRIBE');
    assert.equal(subscribe.headers.get('event'), 'reg');
    assert.equal(subscribe.headers.get('expires'), '600');
    assert.ok(subscribe.headers.has('contact'));
    registrar.send(notify(subscribe, 'active;expires=600', 1, '<reginfo version="0"/>'), ALICE);
    await network.run(20);
    assert.deepEqual(bodies, ['<reginfo version="0"/>'], 'the early NOTIFY was delivered');
    registrar.reply(subscribe, 200, {
      toTag: 'notifier1',
      headers: [
        ['Contact', '<sip:registrar@10.0.0.5>'],
        ['Expires', '600'],
      ],
    });
    await network.run(20);
    const dialog = (await subscribed).value!;
    assert.equal(dialog.state, 'confirmed');
    assert.equal(alice.dialogCount, 1, 'the NOTIFY’s dialog and the 2xx’s are one');
    registrar.send(notify(subscribe, 'terminated;reason=timeout', 2, '<reginfo version="1"/>'), ALICE);
    await network.run(20);
    assert.equal(bodies.length, 2);
    assert.equal(dialog.state, 'terminated');
    assert.deepEqual(network.statuses('NOTIFY'), [200, 200]);
  });

  it('the 2xx first: the dialog comes from it; refresh and unsubscribe within it', async () => {
    const network = new MemoryNetwork();
    const alice = uaOn(network, '10.0.0.1', 'alice');
    const registrar = network.peer('10.0.0.5');
    const subscribed = capture(alice.subscribe('sip:alice@10.0.0.5', { event: 'reg' }));
    await network.run(20);
    const subscribe = registrar.last('SUBSCRIBE');
    registrar.reply(subscribe, 202, { toTag: 'n2', headers: [['Contact', '<sip:registrar@10.0.0.5>']] });
    await network.run(20);
    const dialog = (await subscribed).value!;
    void dialog.request('SUBSCRIBE', { headers: { Event: 'reg', Expires: '0' } });
    await network.run(20);
    const unsubscribe = registrar.last('SUBSCRIBE');
    assert.equal(unsubscribe.to?.tag, 'n2');
    assert.equal(unsubscribe.cseq!.seq, subscribe.cseq!.seq + 1);
    assert.equal(unsubscribe.requestUri, 'sip:registrar@10.0.0.5');
  });

  it('489 Bad Event rejects with a SipError', async () => {
    const network = new MemoryNetwork();
    const alice = uaOn(network, '10.0.0.1', 'alice');
    const registrar = network.peer('10.0.0.5');
    const subscribed = capture(alice.subscribe('sip:alice@10.0.0.5', { event: 'nope' }));
    await network.run(20);
    registrar.send(createResponse(registrar.last('SUBSCRIBE'), 489, { toTag: 'x' })!, ALICE);
    await network.run(20);
    const { error } = await subscribed;
    assert.ok(error instanceof SipError && error.status === 489);
    assert.equal(alice.dialogCount, 0);
  });
});
