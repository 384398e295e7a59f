/**
 * The registrar-client's STUN keep-alives end to end (RFC 5626 §4.4.2): an account with outbound
 * over UDP registers with a registrar made of a raw loopback UDP socket, which answers REGISTER
 * with 200 and STUN Binding requests on the same port with an XOR-MAPPED-ADDRESS it controls.
 * While the mapped address stays, keep-alives (every 0.8–1 s with keepAliveInterval 1) cause no
 * REGISTER; once it changes (a NAT rebinding), the account registers again at once. Every wait is
 * bounded; the socket is closed at the end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import {
  createBindingSuccess,
  createResponse,
  isStunPacket,
  parseMessage,
  parseStunMessage,
  serializeMessage,
} from '@talkbus/sip';
import { startRegistrarNode, type RegistrarNode } from './support.ts';

/** A UDP registrar that grants every REGISTER 60 s and answers STUN with `mapped`. */
async function startRegistrar() {
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const log = { registers: [] as number[], stun: [] as Array<{ at: number; answered: string }> };
  const state = { portShift: 0 };
  socket.on('message', (data, remote) => {
    if (isStunPacket(data)) {
      const request = parseStunMessage(data);
      // A NAT in front of the client would now map it to another port.
      const mapped = { address: remote.address, port: remote.port + state.portShift };
      log.stun.push({ at: Date.now(), answered: `${mapped.address}:${mapped.port}` });
      socket.send(createBindingSuccess(request.transactionId, mapped), remote.port, remote.address);
      return;
    }
    const message = parseMessage(data);
    if (message.kind !== 'request' || message.method !== 'REGISTER') return;
    log.registers.push(Date.now());
    const contact = message.headers.get('Contact');
    const response = createResponse(message, 200, {
      toTag: randomBytes(4).toString('hex'),
      headers: contact === undefined ? [] : [['Contact', `${contact};expires=60`]],
    });
    if (response) socket.send(serializeMessage(response), remote.port, remote.address);
  });
  return { socket, port: socket.address().port, log, state };
}

/** Polls `check` every 20 ms until it holds; fails after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('registrar-client: STUN keep-alives over UDP (RFC 5626 §4.4.2)', () => {
  let node: RegistrarNode;
  let registrar: Awaited<ReturnType<typeof startRegistrar>>;
  before(async () => {
    registrar = await startRegistrar();
    node = await startRegistrarNode({ nodeID: 'stun-keepalive-test' });
  });
  after(async () => {
    await node?.stop();
    registrar?.socket.close();
  });

  test(
    'same mapped address: no REGISTER; a new one (NAT rebinding): registered again at once',
    { timeout: 20_000 },
    async (t) => {
      const account = 'stun_alice';
      await node.account(account, {
        loginMode: 'server',
        sipUser: 'alice',
        domain: '127.0.0.1',
        registrar: `127.0.0.1:${registrar.port}`,
        transport: 'udp',
        outbound: true,
        keepAliveInterval: 1,
        registrationExpires: 60,
      });
      await node.call('registrar-client.start', { account });
      const from = node.events.length;
      await node.call('registrar-client.login', { account });
      await node.waitFor('client.serverLoginOk', account, 5000, from);
      const loggedInAt = Date.now();
      assert.equal(registrar.log.registers.length, 1);

      // Two keep-alives with the same mapping: nothing to do.
      await until('two STUN keep-alives', () => registrar.log.stun.length >= 2, 5000);
      const gaps = registrar.log.stun.map((s, i) => s.at - (i === 0 ? loggedInAt : registrar.log.stun[i - 1]!.at));
      assert.equal(registrar.log.registers.length, 1, 'no REGISTER while the mapping holds');
      // RFC 5626 §4.4.1: 80–100% of the 1 s period (plus scheduling slack on a loaded machine).
      for (const gap of gaps) assert.ok(gap >= 780 && gap <= 1500, `keep-alive gaps ${gaps.join(', ')} ms`);

      // The NAT rebinds: the next answer carries another port → the flow failed → REGISTER.
      const rebindAt = Date.now();
      const stunBefore = registrar.log.stun.length;
      const refresh = node.events.length;
      registrar.state.portShift = 1;
      const regOk = await node.waitFor('client.regOk', account, 5000, refresh);
      assert.equal(regOk.payload.refresh, true);
      const changed = registrar.log.stun[stunBefore]!;
      assert.equal(registrar.log.registers.length, 2);
      const reRegisterMs = registrar.log.registers[1]! - changed.at;
      assert.ok(reRegisterMs < 500, `REGISTER ${reRegisterMs} ms after the new mapping`);

      // The new mapping stays: later keep-alives cause no more REGISTERs.
      const count = registrar.log.stun.length;
      await until('two more keep-alives', () => registrar.log.stun.length >= count + 2, 5000);
      assert.equal(registrar.log.registers.length, 2);
      t.diagnostic(
        `keep-alive gaps ${gaps.join(', ')} ms; new mapping ${changed.at - rebindAt} ms after the switch; REGISTER ${reRegisterMs} ms after it`,
      );

      const out = node.events.length;
      await node.call('registrar-client.logout', { account });
      await node.waitFor('client.serverLogout', account, 5000, out);
    },
  );
});
