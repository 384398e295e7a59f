/** Test support (not exported): two or more user agents on one {@link MemoryNetwork}. */
import type { Dialog } from '../dialog/dialog.ts';
import { MemoryNetwork } from './test-network.ts';
import type { SipUserAgentOptions } from './ua-options.ts';
import { SipUserAgent } from './user-agent.ts';

/** An SDP offer/answer pair for tests. */
export function sdp(address: string, port: number, direction = 'sendrecv'): string {
  return [
    'v=0',
    `o=- 1 1 IN IP4 ${address}`,
    's=-',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    `a=${direction}`,
    '',
  ].join('\r\n');
}

/** Options every test UA gets: T1 100 ms, the network's clock and resolver. */
export function uaOn(
  network: MemoryNetwork,
  address: string,
  user: string,
  extra: Partial<SipUserAgentOptions> = {},
): SipUserAgent {
  return new SipUserAgent({
    transport: network.transport(address),
    clock: network.clock,
    resolve: network.resolve,
    timers: { T1: 100, T2: 400, T4: 500 },
    from: `sip:${user}@${address}`,
    random: () => 0.5,
    ...extra,
  });
}

/** Alice (10.0.0.1) and Bob (10.0.0.2). */
export function twoAgents(extra: { alice?: Partial<SipUserAgentOptions>; bob?: Partial<SipUserAgentOptions> } = {}) {
  const network = new MemoryNetwork();
  const alice = uaOn(network, '10.0.0.1', 'alice', extra.alice);
  const bob = uaOn(network, '10.0.0.2', 'bob', extra.bob);
  return { network, alice, bob };
}

/** Bob answers every INVITE with 180 then 200 (`sdp` answer); resolves his dialogs into `dialogs`. */
export function autoAnswer(bob: SipUserAgent, dialogs: Dialog[], answer = sdp('10.0.0.2', 20000)): void {
  bob.on('invite', (req, res) => {
    res.send(180);
    bob.createUAS(req, res, { localSdp: answer }).then(
      (dialog) => dialogs.push(dialog),
      () => undefined,
    );
  });
}

/** Sets up a confirmed call Alice → Bob and returns both dialogs. */
export async function establish(env: ReturnType<typeof twoAgents>): Promise<{ caller: Dialog; callee: Dialog }> {
  const callees: Dialog[] = [];
  autoAnswer(env.bob, callees);
  const pending = env.alice.createUAC('sip:bob@10.0.0.2', { localSdp: sdp('10.0.0.1', 10000) });
  await env.network.run(50);
  const caller = await pending;
  await env.network.run(20);
  if (callees[0] === undefined) throw new Error('the callee has no dialog');
  return { caller, callee: callees[0] };
}

/** Attaches handlers at once (so a rejection while the clock runs is not "unhandled"); await it later. */
export function capture<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}
