/**
 * What the session's SIP agent reads from SIP messages and errors: Session-Expires (RFC 4028),
 * Allow: UPDATE (RFC 3311), bodies, a SipError's status, INFO DTMF (guide §6.2.7), and the From
 * of an account (guide §6.2.6 privacy).
 */
import { SipError, type SipMessage } from '@talkbus/sip';
import type { SessionExpiresValue } from './call-model.ts';
import type { SipAccount } from './sip-agent.ts';

/** Session-Expires of a message (RFC 4028 §4), or null. */
export function sessionExpiresOf(message: SipMessage | undefined): SessionExpiresValue | null {
  const value = message?.sessionExpires;
  if (!value) return null;
  const refresher = value.refresher === 'uac' || value.refresher === 'uas' ? value.refresher : null;
  return { interval: value.seconds, refresher };
}

/** The message's Allow lists UPDATE (RFC 3311 §5.1). */
export function allowsUpdate(message: SipMessage | undefined): boolean {
  try {
    return message?.allow.some((method) => method.toUpperCase() === 'UPDATE') ?? false;
  } catch {
    return false; // an unreadable Allow: assume the least (re-INVITE refresh)
  }
}

/** A message's body as text, or null when empty. */
export function bodyOf(message: { body: Buffer | string } | undefined): string | null {
  if (!message) return null;
  const text = typeof message.body === 'string' ? message.body : message.body.toString('utf8');
  return text.length > 0 ? text : null;
}

/** The SIP status of an error (500 when it carries none). */
export function statusOf(error: unknown): number {
  return error instanceof SipError ? error.status : 500;
}

/** `Signal=5` of an application/dtmf-relay body (guide §6.2.7 SIP INFO). */
export function dtmfOf(body: string): { key: string | null; durationMs: number } {
  const key = /Signal\s*=\s*([0-9*#A-Da-d])/.exec(body)?.[1] ?? null;
  const duration = Number(/Duration\s*=\s*(\d+)/.exec(body)?.[1] ?? 160);
  return { key: key?.toUpperCase() ?? null, durationMs: duration };
}

/** The from header of an account. */
export function fromOf(account: SipAccount): string {
  const uri = account.privacy === 'id' ? 'sip:anonymous@anonymous.invalid' : account.aor;
  return account.displayName && account.privacy !== 'id' ? `"${account.displayName}" <${uri}>` : `<${uri}>`;
}
