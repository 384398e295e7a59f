/**
 * Home node (ARCHITECTURE.md "Embedded and cluster"; issue item 5): a call lives on its account's
 * home node; actions for it sent to another node over a real nats-server are routed there.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { startNats, type NatsServer } from '../support/nats.ts';
import { sippAvailable, startSipp } from './sipp.ts';
import { startSessionNode, type SessionNode } from './support.ts';

function hasNats(): boolean {
  try {
    execFileSync('nats-server', ['--version'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

const skip = !sippAvailable ? 'SIPp is not installed' : !hasNats() ? 'nats-server is not installed' : false;
let nats: NatsServer;
let home: SessionNode;
let other: SessionNode;

before(async () => {
  if (skip) return;
  nats = await startNats();
  const env = { TALKBUS_TRANSPORTER: nats.url };
  home = await startSessionNode({ nodeID: `home-${process.pid}`, env });
  other = await startSessionNode({ nodeID: `other-${process.pid}`, env, sessionOnly: true });
  await other.broker.waitForServices(['profile', 'registrar-client', 'media'], 10_000);
  await home.account('alice', { loginMode: 'local', sipUser: 'alice', domain: '127.0.0.1' });
});
after(async () => {
  await other?.stop();
  await home?.stop();
  await nats?.stop();
});

test('session.call and session.* sent to another node run on the account’s home node', { skip }, async () => {
  const sipp = await startSipp('uas-answer.xml');
  // Several calls: the broker balances session.call between both nodes' session services.
  const { sessionId } = await other.call<{ sessionId: string }>('session.call', {
    account: 'alice',
    uri: `sip:bob@127.0.0.1:${sipp.port}`,
  });
  assert.ok(sessionId.startsWith(`home-${process.pid}~`), sessionId);
  await home.waitFor('call.talking', { sessionId });
  for (let i = 0; i < 4; i++) {
    const info = await other.call<{ state: string; homeNode: string }>('session.get', { sessionId });
    assert.equal(info.state, 'talking');
    assert.equal(info.homeNode, `home-${process.pid}`);
  }
  await other.call('session.term', { sessionId });
  assert.equal((await home.waitFor('call.termed', { sessionId })).payload.reason, 'NORMAL');
  assert.equal(await sipp.done(5000), 0);
  await assert.rejects(other.call('session.get', { sessionId: `gone-node~x1` }), /not reachable|SESSION_NOT_FOUND/);
});
