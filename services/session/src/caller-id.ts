/**
 * Caller ID (guide §6.2.6, `Mtc_SessGetPeerId`: "根据本地设置从 PAI 和 From 获取", with "对显示限制的处理"):
 * the P-Asserted-Identity (RFC 3325) when the network asserted one, else From; hidden when the
 * caller asked for privacy (RFC 3323 `Privacy: id` / `user` / `header`, or an anonymous From).
 */
import type { CallerId } from '@talkbus/contracts';
import { parseNameAddr, splitList } from '@talkbus/sip';

/** The headers caller ID reads, as raw values. */
export interface CallerIdHeaders {
  from: string;
  pAssertedIdentity?: string | undefined;
  privacy?: string | undefined;
}

function nameAddr(value: string, header: string): { uri: string; displayName: string | null } | null {
  try {
    const parsed = parseNameAddr(value, header);
    return { uri: parsed.uri.toString(), displayName: parsed.displayName ?? null };
  } catch {
    return null;
  }
}

/** Whether a From is the RFC 3323 §4.1.1.3 anonymous form. */
function isAnonymous(uri: string): boolean {
  return /^sips?:anonymous@anonymous\.invalid/i.test(uri) || /^sips?:anonymous@/i.test(uri);
}

/** Reads the caller ID of an incoming INVITE. */
export function callerId(headers: CallerIdHeaders): CallerId {
  const privacy = new Set(
    (headers.privacy ?? '')
      .split(';')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
  // RFC 3325 §9.3: `Privacy: id` hides the asserted identity; RFC 3323 `user`/`header` hide the From.
  const hideAsserted = privacy.has('id') || privacy.has('header') || privacy.has('user');
  let asserted: { uri: string; displayName: string | null } | null = null;
  if (headers.pAssertedIdentity) {
    // Several values (sip and tel) may be asserted; prefer the first SIP one.
    const values = splitList(headers.pAssertedIdentity)
      .map((part) => nameAddr(part, 'P-Asserted-Identity'))
      .filter((value) => value !== null);
    asserted = values.find((value) => /^sips?:/i.test(value.uri)) ?? values[0] ?? null;
  }
  const from = nameAddr(headers.from, 'From');
  const source = asserted ? 'p-asserted-identity' : 'from';
  const identity = asserted ?? from;
  const restricted = hideAsserted || !identity || isAnonymous(identity.uri);
  if (restricted) return { uri: null, displayName: null, source, restricted: true };
  return { uri: identity.uri, displayName: identity.displayName, source, restricted: false };
}
