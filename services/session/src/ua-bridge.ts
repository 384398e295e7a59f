/**
 * Puts a `SipUserAgent` on the node's shared SIP stack (runtime `SipStack`). The stack's
 * transaction layer already owns the transport (REGISTER, SUBSCRIBE, OPTIONS of the
 * registrar-client); the UA gets its own transaction layer, and inbound messages are split
 * between the two by method: the session's methods (INVITE, ACK, CANCEL, BYE, UPDATE, INFO,
 * REFER, PRACK, MESSAGE, refer NOTIFYs) and their responses go to the UA, the rest to the stack.
 *
 * NOTE: until the runtime offers a user agent on its endpoint, this is the one place that knows
 * both layers share a transport; it restores the stack's own user when released.
 */
import { SipUserAgent, type SipMessage, type SipUserAgentOptions, type TransportUser } from '@talkbus/sip';
import type { SipStack } from '@talkbus/runtime';

const SESSION_METHODS = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'UPDATE', 'INFO', 'REFER', 'PRACK', 'MESSAGE']);

/** Whether a message belongs to the session's user agent. */
export function isSessionMessage(message: SipMessage): boolean {
  const method = message.kind === 'request' ? message.method : message.cseq?.method;
  if (!method) return false;
  if (SESSION_METHODS.has(method)) return true;
  // NOTIFYs of a REFER subscription (RFC 3515) are ours; reg-event NOTIFYs (RFC 3680) are not.
  if (method === 'NOTIFY') return message.kind === 'request' ? /^refer\b/i.test(message.event?.value ?? '') : true;
  return false;
}

/** A UA on the stack, and how to take it off again. */
export interface BridgedAgent {
  ua: SipUserAgent;
  release(): void;
}

/** Attaches a user agent to the shared stack (with the stack's DNS unless `options.dns` is given). */
export function bridgeUserAgent(
  stack: SipStack,
  options: Omit<SipUserAgentOptions, 'transport' | 'clock'>,
): BridgedAgent {
  const transport = stack.transport;
  const stackUser: TransportUser = stack.transactions as unknown as TransportUser;
  let uaUser: TransportUser | undefined;
  const ua = new SipUserAgent({
    // RFC 3263 lookups go to the node's DNS servers (`sip.dnsServers`).
    dns: stack.dns,
    ...options,
    clock: stack.clock,
    transport: {
      send: (message, target) => transport.send(message, target),
      localAddressFor: (destination) => transport.localAddressFor(destination),
      responseTarget: (request, inbound) => transport.responseTarget(request, inbound),
      retainConnection: (id) => transport.retainConnection?.(id) ?? (() => undefined),
      setUser: (user: TransportUser) => {
        uaUser = user;
      },
    },
  });
  transport.setUser({
    onMessage(inbound) {
      (uaUser && isSessionMessage(inbound.message) ? uaUser : stackUser).onMessage(inbound);
    },
    onMalformed(error, source) {
      stackUser.onMalformed?.(error, source);
    },
    onConnectionClosed(id, failure) {
      stackUser.onConnectionClosed?.(id, failure);
      uaUser?.onConnectionClosed?.(id, failure);
    },
  });
  return {
    ua,
    release() {
      ua.close();
      transport.setUser(stackUser);
    },
  };
}
