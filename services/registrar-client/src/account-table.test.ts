/**
 * The account actor's transition table on a simulated clock (STYLE §5), with fake ports that
 * record what the actor asks for. Guide §2.2, §5.3.2–§5.3.5.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SimulatedClock } from '@talkbus/sip';
import { AccountActor, type AccountPorts } from './account-actor.ts';
import type { AccountSettings, ClientEvent, RegisterOutcome } from './account-types.ts';
import { keepAliveDelay, refreshDelay, retryDelay } from './backoff.ts';

const settings: AccountSettings = {
  loginMode: 'server',
  expires: 60,
  retryBaseMs: 1000,
  retryMaxMs: 8000,
  maxLoginAttempts: 4,
  logoutTimeoutMs: 2000,
  keepAliveMs: 0,
  subscribe: false,
  maxRedirects: 3,
  maxAuthRounds: 3,
  maxExpires: 86400,
};

interface Sent {
  attempt: number;
  expires: number;
  fresh: boolean;
}

function harness(overrides: Partial<AccountSettings> = {}, random: () => number = () => 0.5) {
  const clock = new SimulatedClock(1000);
  const registers: Sent[] = [];
  const events: ClientEvent[] = [];
  const calls: string[] = [];
  const ports: AccountPorts = {
    register: (attempt, expires, fresh) => registers.push({ attempt, expires, fresh }),
    retarget: (target) => calls.push(`retarget ${target}`),
    subscribe: () => calls.push('subscribe'),
    unsubscribe: () => calls.push('unsubscribe'),
    keepAlive: () => calls.push('keepAlive'),
    emit: (event) => events.push(event),
  };
  const actor = new AccountActor({
    account: 'alice',
    settings: { ...settings, ...overrides },
    clock,
    ports,
    random,
  });
  const last = () => registers.at(-1)!;
  const answer = (outcome: RegisterOutcome, attempt = last().attempt) =>
    actor.post({ type: 'answer', attempt, outcome });
  const names = () => events.map((e) => e.name);
  const payload = (name: string) =>
    events.filter((e) => e.name === name).at(-1)?.payload as unknown as Record<string, unknown>;
  return { clock, actor, registers, events, calls, last, answer, names, payload };
}

const ok = (expires = 60): RegisterOutcome => ({
  kind: 'ok',
  status: 200,
  expires,
  contact: '<sip:alice@127.0.0.1:5060>',
  serviceRoute: ['<sip:orig@proxy;lr>'],
  path: [],
});
const status = (kind: 'rejected' | 'noBinding', code: number, reason: string): RegisterOutcome =>
  ({ kind, status: code, reason }) as RegisterOutcome;
const later = (code = 503, retryAfter: number | null = null): RegisterOutcome => ({
  kind: 'retryLater',
  status: code,
  reason: 'Service Unavailable',
  retryAfter,
});

describe('guide §5.3.2 local login', () => {
  test('local mode: localLoginOk at once, no REGISTER; logout → localLogout', () => {
    const h = harness({ loginMode: 'local' });
    h.actor.post({ type: 'login' });
    assert.equal(h.actor.state.phase, 'local');
    assert.deepEqual(h.names(), ['client.localLoginOk']);
    assert.equal(h.registers.length, 0);
    h.actor.post({ type: 'logout' });
    assert.equal(h.actor.state.phase, 'idle');
    assert.deepEqual(h.names(), ['client.localLoginOk', 'client.localLogout']);
  });
});

describe('guide §5.3.2 server login', () => {
  test('idle → registering → logged-in; regOk + serverLoginOk; refresh before expiry; regOk(refresh)', () => {
    const h = harness();
    h.actor.post({ type: 'login' });
    assert.equal(h.actor.state.phase, 'registering');
    assert.deepEqual(h.last(), { attempt: 1, expires: 60, fresh: true });
    h.answer(ok(60));
    assert.equal(h.actor.state.phase, 'logged-in');
    assert.deepEqual(h.names(), ['client.regOk', 'client.serverLoginOk']);
    assert.deepEqual(h.payload('client.serverLoginOk').serviceRoute, ['<sip:orig@proxy;lr>']);
    assert.equal(h.actor.state.boundUntil, 61_000);
    h.clock.advance(refreshDelay(60) - 1);
    assert.equal(h.registers.length, 1, 'not yet');
    h.clock.advance(1);
    assert.deepEqual(h.last(), { attempt: 2, expires: 60, fresh: false });
    assert.equal(h.actor.state.step, 'refreshing');
    h.answer(ok(30));
    assert.equal(h.payload('client.regOk').refresh, true);
    assert.equal(h.actor.state.step, 'bound');
    assert.equal(h.actor.state.boundUntil, h.clock.now() + 30_000, 'per-contact expires wins');
  });

  test('401 answered up to maxAuthRounds; an unanswerable challenge (wrong password) → loginFailed 401', () => {
    const h = harness();
    h.actor.post({ type: 'login' });
    h.answer({ kind: 'challenge', status: 401, reason: 'Unauthorized', answerable: true });
    assert.equal(h.registers.length, 2);
    h.answer({ kind: 'challenge', status: 401, reason: 'Unauthorized', answerable: false });
    assert.equal(h.actor.state.phase, 'idle');
    assert.deepEqual(h.names(), ['client.regFailed', 'client.loginFailed']);
    assert.deepEqual(h.payload('client.loginFailed'), { account: 'alice', sipStatus: 401, reason: 'Unauthorized' });
  });

  test('a challenge loop ends after maxAuthRounds', () => {
    const h = harness({ maxAuthRounds: 2 });
    h.actor.post({ type: 'login' });
    for (let i = 0; i < 3; i++) h.answer({ kind: 'challenge', status: 407, reason: 'Proxy Auth', answerable: true });
    assert.equal(h.registers.length, 3);
    assert.equal(h.payload('client.loginFailed').sipStatus, 407);
  });

  test('403 and 404 are final: loginFailed with the status and reason phrase', () => {
    for (const [code, reason] of [
      [403, 'Forbidden'],
      [404, 'Not Found'],
    ] as const) {
      const h = harness();
      h.actor.post({ type: 'login' });
      h.answer(status('rejected', code, reason));
      assert.equal(h.actor.state.phase, 'idle');
      assert.deepEqual(h.payload('client.loginFailed'), { account: 'alice', sipStatus: code, reason });
      assert.deepEqual(h.actor.state.lastFailure, { sipStatus: code, reason });
      assert.deepEqual(h.actor.runningTimers, []);
    }
  });

  test('423 with Min-Expires: retried with that expiry; an unusable Min-Expires is final', () => {
    const h = harness();
    h.actor.post({ type: 'login' });
    h.answer({ kind: 'tooBrief', status: 423, reason: 'Interval Too Brief', minExpires: 120 });
    assert.deepEqual(h.last(), { attempt: 2, expires: 120, fresh: false });
    h.answer(ok(120));
    assert.equal(h.actor.state.expires, 120, 'refreshes ask 120 too');
    const bad = harness();
    bad.actor.post({ type: 'login' });
    bad.answer({ kind: 'tooBrief', status: 423, reason: 'Interval Too Brief', minExpires: null });
    assert.equal(bad.payload('client.loginFailed').sipStatus, 423);
  });

  test('3xx: followed (retarget + REGISTER), at most maxRedirects times', () => {
    const h = harness({ maxRedirects: 1 });
    h.actor.post({ type: 'login' });
    h.answer({ kind: 'redirect', status: 302, reason: 'Moved', target: 'sip:other.example.com' });
    assert.deepEqual(h.calls, ['retarget sip:other.example.com']);
    assert.equal(h.registers.length, 2);
    h.answer({ kind: 'redirect', status: 302, reason: 'Moved', target: 'sip:third.example.com' });
    assert.equal(h.payload('client.loginFailed').sipStatus, 302);
  });

  test('503 with Retry-After: regFailed says when, the retry comes exactly then', () => {
    const h = harness({ retryMaxMs: 60_000 });
    h.actor.post({ type: 'login' });
    h.answer(later(503, 7));
    assert.equal(h.actor.state.phase, 'registering');
    assert.equal(h.actor.state.step, 'waiting');
    assert.equal(h.payload('client.regFailed').retryInMs, 7000);
    h.clock.advance(6999);
    assert.equal(h.registers.length, 1);
    h.clock.advance(1);
    assert.equal(h.registers.length, 2);
    h.answer(ok());
    assert.equal(h.actor.state.phase, 'logged-in');
  });

  test('timeouts back off exponentially, capped, and loginFailed after maxLoginAttempts', () => {
    const h = harness({ maxLoginAttempts: 5, retryBaseMs: 1000, retryMaxMs: 3000 });
    h.actor.post({ type: 'login' });
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      h.answer(later(408));
      waits.push(h.payload('client.regFailed').retryInMs as number);
      h.clock.advance(waits.at(-1)!);
    }
    assert.deepEqual(waits, [1000, 2000, 3000, 3000], 'random 0.5 = no jitter; capped at retryMaxMs');
    h.answer({ kind: 'unsent', reason: 'no route' });
    assert.deepEqual(h.payload('client.loginFailed'), { account: 'alice', sipStatus: null, reason: 'no route' });
  });

  test('a 2xx without our Contact is a failed login, not a login', () => {
    const h = harness();
    h.actor.post({ type: 'login' });
    h.answer(status('noBinding', 200, 'OK (our Contact is not listed)'));
    assert.equal(h.actor.state.phase, 'idle');
    assert.equal(h.payload('client.loginFailed').sipStatus, 200);
  });

  test('answers to an older REGISTER are ignored', () => {
    const h = harness();
    h.actor.post({ type: 'login' });
    h.answer({ kind: 'challenge', status: 401, reason: 'Unauthorized', answerable: true });
    h.answer(status('rejected', 403, 'Forbidden'), 1);
    assert.equal(h.actor.state.phase, 'registering');
    assert.equal(h.events.length, 0);
  });
});

describe('guide §5.3.3 cancel login, §5.3.4 logout', () => {
  test('logout while the login REGISTER is in flight: its 2xx is followed by Expires: 0, then serverLogout', () => {
    const h = harness();
    h.actor.post({ type: 'login' });
    h.actor.post({ type: 'logout' });
    assert.equal(h.actor.state.phase, 'unregistering');
    h.answer(ok());
    assert.equal(h.last().expires, 0);
    assert.ok(!h.names().includes('client.serverLoginOk'), 'a cancelled login never reports success');
    h.answer(ok(0));
    assert.equal(h.actor.state.phase, 'idle');
    assert.equal(h.payload('client.serverLogout').requested, true);
  });

  test('logout while waiting to retry: logged out at once', () => {
    const h = harness();
    h.actor.post({ type: 'login' });
    h.answer(later());
    h.actor.post({ type: 'logout' });
    assert.equal(h.actor.state.phase, 'idle');
    assert.deepEqual(h.actor.runningTimers, []);
    assert.equal(h.payload('client.serverLogout').reason, null);
  });

  test('logout when logged in: Expires: 0; no answer within logoutTimeoutMs → serverLogout anyway', () => {
    const h = harness({ keepAliveMs: 5000, subscribe: true });
    h.actor.post({ type: 'login' });
    h.answer(ok());
    assert.deepEqual(h.calls, ['subscribe']);
    h.actor.post({ type: 'logout' });
    assert.deepEqual(h.last(), { attempt: 2, expires: 0, fresh: false });
    assert.deepEqual(h.actor.runningTimers, ['logoutDeadline']);
    h.clock.advance(2000);
    assert.equal(h.actor.state.phase, 'idle');
    assert.equal(h.payload('client.serverLogout').requested, true);
    h.answer(ok(0), 2);
    assert.equal(h.names().filter((n) => n === 'client.serverLogout').length, 1, 'late answer ignored');
  });

  test('a removal that cannot be sent ends in localLogout (guide: "发送失败")', () => {
    const h = harness();
    h.actor.post({ type: 'login' });
    h.answer(ok());
    h.actor.post({ type: 'logout' });
    h.answer({ kind: 'unsent', reason: 'transport stopped' });
    assert.equal(h.actor.state.phase, 'idle');
    assert.equal(h.payload('client.localLogout').reason, 'transport stopped');
  });
});

describe('guide §5.3.5 passive logout and refresh failures', () => {
  test('a final refresh failure → regFailed(refresh) + serverLogout TIMEOUT with the status', () => {
    const h = harness();
    h.actor.post({ type: 'login' });
    h.answer(ok(60));
    h.clock.advance(refreshDelay(60));
    h.answer(status('rejected', 403, 'Forbidden'));
    assert.equal(h.actor.state.phase, 'idle');
    assert.deepEqual(h.payload('client.serverLogout'), {
      account: 'alice',
      requested: false,
      reason: 'TIMEOUT',
      retryAfter: null,
      sipStatus: 403,
    });
    assert.equal(h.payload('client.regFailed').refresh, true);
  });

  test('transient refresh failures retry inside the lifetime; when it lapses → TIMEOUT', () => {
    const h = harness({ retryBaseMs: 1000, retryMaxMs: 1000 });
    h.actor.post({ type: 'login' });
    h.answer(ok(20)); // refresh at 18 s, expiry at 20 s
    h.clock.advance(18_000);
    h.answer(later(408));
    assert.equal(h.actor.state.step, 'waiting');
    h.clock.advance(1000);
    assert.equal(h.actor.state.step, 'refreshing');
    h.clock.advance(1000); // the retry hangs until the binding lapses
    assert.equal(h.actor.state.phase, 'idle');
    assert.equal(h.payload('client.serverLogout').reason, 'TIMEOUT');
  });

  test('reg-event DEACTIVATED and TIMEOUT → serverLogout with the reason, unsubscribed, idle', () => {
    for (const reason of ['DEACTIVATED', 'TIMEOUT'] as const) {
      const h = harness({ subscribe: true });
      h.actor.post({ type: 'login' });
      h.answer(ok());
      h.actor.post({ type: 'regEvent', reason, retryAfter: null });
      assert.equal(h.actor.state.phase, 'idle');
      assert.equal(h.payload('client.serverLogout').reason, reason);
      assert.deepEqual(h.calls, ['subscribe', 'unsubscribe']);
      assert.deepEqual(h.actor.runningTimers, []);
    }
  });

  test('reg-event PROBATION: serverLogout with retryAfter, then a new login after that delay', () => {
    const h = harness({ retryMaxMs: 60_000 });
    h.actor.post({ type: 'login' });
    h.answer(ok());
    h.actor.post({ type: 'regEvent', reason: 'PROBATION', retryAfter: 30 });
    assert.equal(h.payload('client.serverLogout').retryAfter, 30);
    assert.equal(h.actor.state.phase, 'registering');
    h.clock.advance(29_999);
    assert.equal(h.registers.length, 1);
    h.clock.advance(1);
    assert.equal(h.registers.length, 2);
    h.answer(ok());
    assert.equal(h.names().filter((n) => n === 'client.serverLoginOk').length, 2);
  });

  test('keep-alives run every keepAliveMs while logged in; a failed flow re-registers at once (RFC 5626 §4.4.1)', () => {
    const h = harness({ keepAliveMs: 1000 });
    h.actor.post({ type: 'login' });
    h.answer(ok());
    h.clock.advance(3000);
    assert.deepEqual(h.calls, ['keepAlive', 'keepAlive', 'keepAlive']);
    h.actor.post({ type: 'keepAliveFailed', reason: 'no pong' });
    assert.equal(h.registers.length, 2);
    assert.equal(h.actor.state.step, 'refreshing');
  });

  test('each keep-alive comes 80–100% of keepAliveMs after the last (RFC 5626 §4.4.1)', () => {
    const draws = [0, 0.95, 0.5, 0];
    const h = harness({ keepAliveMs: 10_000 }, () => draws.shift() ?? 0);
    h.actor.post({ type: 'login' });
    h.answer(ok());
    const count = () => h.calls.filter((c) => c === 'keepAlive').length;
    // Draw 0 → 8000 ms, then 0.95 → 9900 ms and 0.5 → 9000 ms, each after the one before.
    for (const [wait, expected] of [
      [8000, 1],
      [9900, 2],
      [9000, 3],
    ] as const) {
      h.clock.advance(wait - 1);
      assert.equal(count(), expected - 1, `not before ${wait} ms`);
      h.clock.advance(1);
      assert.equal(count(), expected, `after ${wait} ms`);
    }
  });

  test('a new mapped address reported as keepAliveFailed re-registers like a lost pong (RFC 5626 §4.4.2)', () => {
    const h = harness({ keepAliveMs: 1000 });
    h.actor.post({ type: 'login' });
    h.answer(ok());
    h.actor.post({ type: 'keepAliveFailed', reason: 'mapped address changed (RFC 5626 §4.4.2)' });
    assert.deepEqual(h.last(), { attempt: 2, expires: 60, fresh: false });
    h.answer(ok());
    assert.equal(h.actor.state.step, 'bound');
  });
});

describe('backoff', () => {
  test('keep-alive delays stay within 80–100% of the period', () => {
    for (const random of [0, 0.3, 0.999999]) {
      const delay = keepAliveDelay(30_000, () => random);
      assert.ok(delay >= 24_000 && delay <= 30_000, String(delay));
    }
  });

  test('jitter stays within ±25% and never above the cap', () => {
    for (const random of [0, 0.25, 0.999]) {
      for (let failures = 1; failures < 40; failures++) {
        const delay = retryDelay(failures, 100, 5000, () => random);
        const plain = Math.min(5000, 100 * 2 ** (failures - 1));
        assert.ok(delay >= plain * 0.75 - 1 && delay <= Math.min(5000, plain * 1.25 + 1), `${failures}: ${delay}`);
      }
    }
  });
  test('refresh lead: a tenth of the lifetime, 1–60 s, never before half', () => {
    assert.equal(refreshDelay(3600), 3_540_000);
    assert.equal(refreshDelay(60), 54_000);
    assert.equal(refreshDelay(3), 2000);
    assert.equal(refreshDelay(1), 500);
  });
});
