/**
 * Kamailio as registrar and proxy for the session tests: REGISTER with digest over a db_text
 * subscriber table, then INVITE/MESSAGE/REFER relayed to the registered contact (usrloc
 * lookup), record-routed, in-dialog requests loose-routed (launcher: ../support/kamailio.ts).
 */
import { kamailioAvailable as available, startKamailio as start, type Kamailio } from '../support/kamailio.ts';

export type { Kamailio };

/** Whether Kamailio with the modules we need is installed. */
export const kamailioAvailable = available(['auth_db', 'rr']);

const routes = `request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) t_relay(); exit; }
    sl_send_reply("404", "Not Here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
  if (is_method("REGISTER")) {
    if (!www_authorize("$td", "subscriber")) { www_challenge("$td", "1"); exit; }
    if (!save("location")) sl_reply_error();
    exit;
  }
  if (is_method("OPTIONS") && $rU == $null) { sl_send_reply("200", "OK"); exit; }
  if (is_method("INVITE|SUBSCRIBE|REFER")) record_route();
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  t_relay();
}`;

/** Starts Kamailio with the given subscribers (user → password). */
export function startKamailio(users: Record<string, string>): Promise<Kamailio> {
  return start({ transports: ['udp'], users, modules: ['rr'], params: [['registrar', 'min_expires', 1]], routes });
}
