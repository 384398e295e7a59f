/**
 * Free loopback ports for tests.
 *
 * A port is handed out only when both TCP and UDP could bind it on 127.0.0.1 (SIP peers such as
 * SIPp and Kamailio bind both), and never twice in one process, so parallel tests in a file do not
 * race for the same number. Another process can still take it between the check and its use;
 * choosing from a random window above the ephemeral range start keeps that rare.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const handedOut = new Set<number>();

function tcpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function udpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.unref();
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}

/** A port that was free for TCP and UDP on 127.0.0.1 (and ::1 when `ipv6`) a moment ago. */
export async function freePort(options: { ipv6?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    // 20000–29999 is the media range and 32768+ the kernel's ephemeral range: stay between them.
    const port = 30000 + Math.floor(Math.random() * 2700);
    if (handedOut.has(port)) continue;
    const hosts = options.ipv6 ? ['127.0.0.1', '::1'] : ['127.0.0.1'];
    let free = true;
    for (const host of hosts) {
      if (!(await tcpFree(port, host)) || !(await udpFree(port, host))) {
        free = false;
        break;
      }
    }
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port found in 200 attempts');
}
