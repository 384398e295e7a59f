/**
 * A real Kamailio 5.6 as registrar and proxy for the session tests: REGISTER with digest over a
 * db_text subscriber table, then INVITE/MESSAGE/REFER relayed to the registered contact
 * (usrloc lookup), record-routed, in-dialog requests loose-routed. Started on a free loopback
 * port, stopped by PID. Facts from ../shared/reference/peers.md.
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
  existsSync(KAMAILIO) && existsSync(join(MODULES, 'auth_db.so')) && existsSync(join(MODULES, 'rr.so'));

/** A running Kamailio. */
export interface Kamailio {
  port: number;
  child: Child;
  dump(): Promise<string>;
  stop(): Promise<void>;
}

function config(port: number, dir: string): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=2
auto_aliases=no
listen=udp:${HOST}:${port}
mpath="${MODULES}"
loadmodule "db_text.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
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
request_route {
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
}
`;
}

/** Starts Kamailio with the given subscribers (user → password). */
export async function startKamailio(users: Record<string, string>): Promise<Kamailio> {
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
  writeFileSync(file, config(port, dir));
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
