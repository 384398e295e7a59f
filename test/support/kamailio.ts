/**
 * A real Kamailio 5.6 for cross-process tests, its config built from parts: free loopback ports
 * per transport, the modules a test needs, digest authentication over a db_text `subscriber`
 * table when `users` are given, `tls` with a certificate, a WebSocket listener (a plain TCP
 * listener where `xhttp` takes the upgrade and `websocket` the frames), and the test's own
 * routes. Started with `-DD -E` (foreground, log to stderr), ready once its ctl socket answers
 * `kamcmd` and every stream listener accepts (bounded), stopped by PID. Facts from
 * ../shared/reference/peers.md.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';
import { startChild, type Child } from './process.ts';

const KAMAILIO = '/usr/sbin/kamailio';
const KAMCMD = '/usr/sbin/kamcmd';
const MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules';
const HOST = '127.0.0.1';
const run = promisify(execFile);

/** The modules every config loads besides the ones a test asks for. */
const BASE_MODULES = ['tm', 'sl', 'pv', 'maxfwd', 'usrloc', 'registrar', 'textops', 'siputils', 'xlog'];

/** Whether kamailio, kamcmd and the given modules (names without `.so`) are installed. */
export function kamailioAvailable(modules: string[] = []): boolean {
  return (
    existsSync(KAMAILIO) &&
    existsSync(KAMCMD) &&
    ['ctl', ...modules].every((module) => existsSync(join(MODULES, `${module}.so`)))
  );
}

/** A listener kind: `udp` and `tcp` share one port; `tls` and `ws` (over TCP) get their own. */
export type KamailioTransport = 'udp' | 'tcp' | 'tls' | 'ws';

/** Options of {@link startKamailio}. */
export interface KamailioOptions {
  /** Listeners, on free loopback ports. Default `['udp']`. */
  transports?: KamailioTransport[];
  /** Modules beyond the base set (tm, sl, pv, maxfwd, usrloc, registrar, textops, siputils, xlog). */
  modules?: string[];
  /** db_text subscribers (user → password, domain 127.0.0.1); loads auth and auth_db. */
  users?: Record<string, string>;
  /** Certificate and key of the `tls` listener (PEM). */
  tls?: { cert: string; key: string };
  /** `modparam` lines as [module, name, value]; strings are quoted, numbers are not. */
  params?: Array<[string, string, string | number]>;
  /** The routing blocks (`request_route { … }` and any event routes). */
  routes: string;
  /** Worker processes (`children`, and `tcp_children` when a stream listener exists). Default 2. */
  children?: number;
  /** Run `kamailio -c` on the config first (a config error then fails with Kamailio's message). */
  checkConfig?: boolean;
  /** Bound of the readiness wait, ms. Default 10 000. */
  readyTimeoutMs?: number;
}

/** A running Kamailio. */
export interface Kamailio {
  /** The port of the first listener. */
  port: number;
  ports: Partial<Record<KamailioTransport, number>>;
  child: Child;
  /** Runs `kamcmd` against its ctl socket; resolves with stdout. */
  kamcmd(...args: string[]): Promise<string>;
  /** `kamcmd ul.dump` output. */
  dump(): Promise<string>;
  /** Stops it by PID and removes its directory. */
  stop(): Promise<void>;
}

function tlsConfig(dir: string): string {
  return `[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = ${join(dir, 'key.pem')}
certificate = ${join(dir, 'cert.pem')}

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
`;
}

function config(options: KamailioOptions, dir: string, ports: Partial<Record<KamailioTransport, number>>): string {
  const transports = options.transports ?? ['udp'];
  const children = options.children ?? 2;
  const stream = transports.some((t) => t !== 'udp');
  const modules = [
    ...(options.tls ? ['tls'] : []),
    ...(options.users ? ['db_text'] : []),
    ...BASE_MODULES,
    ...(options.modules ?? []),
    ...(options.users ? ['auth', 'auth_db'] : []),
    'ctl',
    'kex',
    'corex',
  ];
  const params: Array<[string, string, string | number]> = [['ctl', 'binrpc', `unix:${dir}/ctl.sock`]];
  if (options.tls) params.push(['tls', 'config', join(dir, 'tls.cfg')]);
  if (options.users) {
    params.push(['auth_db', 'db_url', `text://${dir}/db`]);
    params.push(['auth_db', 'calculate_ha1', 1]);
    params.push(['auth_db', 'password_column', 'password']);
    params.push(['auth_db', 'use_domain', 0]);
  }
  params.push(['usrloc', 'db_mode', 0], ...(options.params ?? []));
  const lines = [
    '#!KAMAILIO',
    'debug=2',
    'log_stderror=yes',
    `children=${children}`,
    ...(stream ? [`tcp_children=${children}`] : []),
    'auto_aliases=no',
    ...(transports.includes('tls') ? ['enable_tls=yes'] : []),
    ...(transports.includes('ws') ? ['tcp_accept_no_cl=yes'] : []),
    ...transports.map((t) => `listen=${t === 'ws' ? 'tcp' : t}:${HOST}:${ports[t]}`),
    `mpath="${MODULES}"`,
    ...[...new Set(modules)].map((module) => `loadmodule "${module}.so"`),
    ...params.map(([module, name, value]) => {
      const text = typeof value === 'number' ? String(value) : `"${value}"`;
      return `modparam("${module}", "${name}", ${text})`;
    }),
    options.routes,
  ];
  return `${lines.join('\n')}\n`;
}

/** Resolves once a TCP connect to `port` succeeds; false after `deadline`. */
async function accepts(port: number, deadline: number): Promise<boolean> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: HOST, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts Kamailio and waits (bounded) until it is ready. */
export async function startKamailio(options: KamailioOptions): Promise<Kamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'talkbus-kamailio-'));
  if (options.users) {
    mkdirSync(join(dir, 'db'));
    writeFileSync(join(dir, 'db', 'version'), 'table_name(string) table_version(int)\nsubscriber:7\n');
    const rows = Object.entries(options.users).map(([user, password], i) => `${i + 1}:${user}:${HOST}:${password}:x:x`);
    writeFileSync(
      join(dir, 'db', 'subscriber'),
      `id(int,auto) username(string) domain(string) password(string) ha1(string) ha1b(string)\n${rows.join('\n')}\n`,
    );
  }
  if (options.tls) {
    writeFileSync(join(dir, 'cert.pem'), options.tls.cert);
    writeFileSync(join(dir, 'key.pem'), options.tls.key, { mode: 0o600 });
    writeFileSync(join(dir, 'tls.cfg'), tlsConfig(dir));
  }
  const ports: Partial<Record<KamailioTransport, number>> = {};
  for (const transport of options.transports ?? ['udp']) {
    const shared = transport === 'udp' ? ports.tcp : transport === 'tcp' ? ports.udp : undefined;
    ports[transport] = shared ?? (await freePort());
  }
  const file = join(dir, 'kamailio.cfg');
  writeFileSync(file, config(options, dir, ports));
  if (options.checkConfig) execFileSync(KAMAILIO, ['-c', '-f', file], { stdio: 'ignore', timeout: 20_000 });
  // Its own process group: Kamailio forks workers, which must not outlive a SIGKILLed main process.
  const child = startChild(KAMAILIO, ['-DD', '-E', '-m', '64', '-M', '8', '-f', file, '-Y', join(dir, 'run')], {
    detached: true,
  });
  const kamcmd = async (...args: string[]) =>
    (await run(KAMCMD, ['-s', `unix:${dir}/ctl.sock`, ...args], { timeout: 5000 })).stdout;
  const stop = async () => {
    await child.stop(3000);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
  try {
    for (;;) {
      try {
        await kamcmd('core.version');
        break;
      } catch (error) {
        if (Date.now() > deadline || child.process.exitCode !== null)
          throw new Error(`kamailio not ready: ${child.output().slice(-2000)}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    for (const transport of ['tcp', 'tls', 'ws'] as const) {
      const port = ports[transport];
      if (port !== undefined && !(await accepts(port, deadline)))
        throw new Error(`kamailio does not accept on ${transport} ${HOST}:${port}: ${child.output().slice(-2000)}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const first = (options.transports ?? ['udp'])[0] ?? 'udp';
  return { port: ports[first]!, ports, child, kamcmd, dump: () => kamcmd('ul.dump'), stop };
}
