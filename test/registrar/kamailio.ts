/**
 * Kamailio as the registrar of the registrar-client tests: digest authentication over a db_text
 * subscriber table the test writes, UDP and TCP on one port, `kamcmd ul.dump` for the bindings
 * (launcher: ../support/kamailio.ts).
 *
 * Kamailio answers a wrong password with another 401 unless told otherwise; the guide (§5.3.2,
 * table 5-10) expects a login failure with 403, so the route answers 403 when `www_authorize`
 * returns -2 ("invalid password", auth_db docs) — what a production registrar is usually
 * configured to do. Short bindings come from `max_expires` (the account asks 60 s at least).
 */
import { kamailioAvailable as available, startKamailio as start, type Kamailio } from '../support/kamailio.ts';

export type { Kamailio };

/** Whether Kamailio with the modules we need is installed. */
export const kamailioAvailable = available(['auth_db']);

const routes = `request_route {
  if (is_method("REGISTER")) {
    if (!www_authorize("$td", "subscriber")) {
      # -2: invalid password → 403 (guide §5.3.2 expects a final failure), else challenge.
      if ($rc == -2) {
        sl_send_reply("403", "Forbidden");
        exit;
      }
      www_challenge("$td", "1");
      exit;
    }
    if (!save("location")) sl_reply_error();
    exit;
  }
  if (is_method("OPTIONS")) {
    sl_send_reply("200", "OK");
    exit;
  }
  sl_send_reply("404", "Not Here");
}`;

/** Starts Kamailio with the given subscribers (user → password); waits until its ctl socket answers. */
export function startKamailio(users: Record<string, string>, maxExpires = 3600): Promise<Kamailio> {
  return start({
    transports: ['udp', 'tcp'],
    users,
    params: [
      ['registrar', 'min_expires', 1],
      ['registrar', 'max_expires', maxExpires],
    ],
    routes,
  });
}
