/**
 * A real Kamailio 5.6 registrar for tests: started on a free loopback port (UDP and TCP) with
 * digest authentication over a db_text subscriber table the test writes, a ctl socket for
 * `kamcmd ul.dump`, stopped by PID. Facts from ../shared/reference/peers.md.
 *
 * Kamailio answers a wrong password with another 401 unless told otherwise; the guide (§5.3.2,
 * table 5-10) expects a login failure with 403, so the route answers 403 when `www_authorize`
 * returns -2 ("invalid password", auth_db docs) — what a production registrar is usually
 * configured to do. Short bindings come from `max_expires` (the account asks 60 s at least).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/ports.ts';
import { startChild, type Child } from '../support/process.ts';

const KAMAILIO = '/usr/sbin/kamailio';
const KAMCMD = '/usr/sbin/kamcmd';
const MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules';
const HOST = '127.0.0.1';
const run = promisify(execFile);

/** Whether Kamailio with the modules we need is installed. */
export const kamailioAvailable =
  existsSync(KAMAILIO) &&
  existsSync(KAMCMD) &&
  existsSync(join(MODULES, 'auth_db.so')) &&
  existsSync(join(MODULES, 'ctl.so'));

/** A running Kamailio. */
export interface Kamailio {
  port: number;
  child: Child;
  /** `kamcmd ul.dump` output. */
  dump(): Promise<string>;
  stop(): Promise<void>;
}

function config(port: number, dir: string, maxExpires: number): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
listen=udp:${HOST}:${port}
listen=tcp:${HOST}:${port}
mpath="${MODULES}"
loadmodule "db_text.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
loadmodule "ctl.so"
loadmodule "kex.so"
loadmodule "corex.so"
modparam("ctl", "binrpc", "unix:${dir}/ctl.sock")
modparam("auth_db", "db_url", "text://${dir}/db")
modparam("auth_db", "calculate_ha1", yes)
modparam("auth_db", "password_column", "password")
modparam("auth_db", "use_domain", 0)
modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", 1)
modparam("registrar", "max_expires", ${maxExpires})
request_route {
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
}
`;
}

/** Starts Kamailio with the given subscribers (user → password); waits until its ctl socket answers. */
export async function startKamailio(users: Record<string, string>, maxExpires = 3600): Promise<Kamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'talkbus-kamailio-'));
  mkdirSync(join(dir, 'db'));
  writeFileSync(join(dir, 'db', 'version'), 'table_name(string) table_version(int)\nsubscriber:7\n');
  const rows = Object.entries(users).map(([user, password], i) => `${i + 1}:${user}:${HOST}:${password}:x:x`);
  writeFileSync(
    join(dir, 'db', 'subscriber'),
    `id(int,auto) username(string) domain(string) password(string) ha1(string) ha1b(string)\n${rows.join('\n')}\n`,
  );
  const port = await freePort();
  const file = join(dir, 'kamailio.cfg');
  writeFileSync(file, config(port, dir, maxExpires));
  const child = startChild(KAMAILIO, ['-DD', '-E', '-m', '64', '-M', '8', '-f', file, '-Y', join(dir, 'run')]);
  const dump = async () => (await run(KAMCMD, ['-s', `unix:${dir}/ctl.sock`, 'ul.dump'], { timeout: 5000 })).stdout;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await dump();
      break;
    } catch (error) {
      if (Date.now() > deadline || child.process.exitCode !== null)
        throw new Error(`kamailio not ready: ${child.output().slice(-2000)}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    port,
    child,
    dump,
    async stop() {
      await child.stop(3000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
