/**
 * Opening an outbound TCP/TLS socket with a clock-driven timeout. TLS verifies the peer by
 * default (chain and name: RFC 5922 §7.2 for SIP domains, the IP SANs when only an address is
 * known); `rejectUnauthorized: false` is for tests with self-signed certificates.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Clock } from '../clock.ts';
import type { TlsOptions } from './transport-options.ts';
import { TransportError, TransportErrorCode } from './transport-error.ts';
import type { TransportAddress } from './transport-types.ts';

/** What {@link openSocket} needs. */
export interface OpenSocketOptions {
  destination: TransportAddress;
  /** TLS name to verify (a SIP domain); default the destination address. */
  serverName?: string | undefined;
  tls: TlsOptions | undefined;
  clock: Clock;
  timeoutMs: number;
}

/**
 * Connects, and calls `adopt` with the connected socket in the same tick as the connect event
 * (so no socket error can go unhandled in between).
 * @throws TransportError CONNECT_FAILED (refused, unreachable, timed out, certificate rejected)
 */
export function openSocket<T>(options: OpenSocketOptions, adopt: (socket: Socket) => T): Promise<T> {
  const { destination, tls, clock } = options;
  const secure = destination.protocol === 'tls' || destination.protocol === 'wss';
  const serverName =
    options.serverName !== undefined && isIP(options.serverName) === 0 ? options.serverName : undefined;
  const socket = secure
    ? tlsConnect({
        host: destination.address,
        port: destination.port,
        ...(serverName === undefined ? {} : { servername: serverName }),
        ...(tls?.ca === undefined ? {} : { ca: tls.ca }),
        ...(tls?.cert === undefined ? {} : { cert: tls.cert }),
        ...(tls?.key === undefined ? {} : { key: tls.key }),
        rejectUnauthorized: tls?.rejectUnauthorized ?? true,
      })
    : netConnect({ host: destination.address, port: destination.port });
  return new Promise<T>((resolve, reject) => {
    const fail = (message: string, cause?: unknown) => {
      clock.clearTimeout(timer);
      socket.removeAllListeners(secure ? 'secureConnect' : 'connect');
      socket.on('error', () => undefined); // late errors of a socket we gave up on
      socket.destroy();
      reject(new TransportError(TransportErrorCode.ConnectFailed, message, { destination, cause }));
    };
    const timer = clock.setTimeout(
      () => fail(`connect to ${destination.address}:${destination.port} timed out after ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
    const onError = (error: Error) =>
      fail(
        `connect to ${destination.protocol} ${destination.address}:${destination.port} failed: ${error.message}`,
        error,
      );
    socket.once('error', onError);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      clock.clearTimeout(timer);
      socket.off('error', onError);
      try {
        resolve(adopt(socket));
      } catch (error) {
        socket.destroy();
        reject(error);
      }
    });
  });
}
