/**
 * Binding the listening sockets: a UDP socket per UDP listener, a net/tls server per TCP, TLS, WS
 * and WSS listener. Binding errors reject `bind*`; later socket errors are reported, never thrown.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { ListenerOptions, TlsOptions } from './transport-options.ts';
import { TransportError, TransportErrorCode } from './transport-error.ts';
import type { TransportProtocol } from './transport-types.ts';
import { familyOf } from './via-rules.ts';

/** A bound listener: what was asked and the address actually bound. */
export interface BoundListener {
  options: ListenerOptions;
  protocol: TransportProtocol;
  address: string;
  port: number;
  family: 4 | 6;
}

/** A bound UDP listener. */
export interface UdpListener extends BoundListener {
  socket: UdpSocket;
}

/** A bound stream listener. */
export interface StreamListener extends BoundListener {
  server: Server;
}

/** Callbacks of the bound sockets. */
export interface ListenerEvents {
  datagram(listener: UdpListener, data: Buffer, remote: RemoteInfo): void;
  connection(listener: StreamListener, socket: Socket): void;
  error(listener: BoundListener, error: Error): void;
}

function familyOrFail(options: ListenerOptions): 4 | 6 {
  const family = familyOf(options.address);
  if (family === undefined) {
    throw new TransportError(
      TransportErrorCode.NoTransport,
      `listener address ${options.address} is not an IP address`,
    );
  }
  return family;
}

/** Binds one UDP listener. */
export function bindUdp(options: ListenerOptions, events: ListenerEvents): Promise<UdpListener> {
  const family = familyOrFail(options);
  const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6 });
  return new Promise((resolve, reject) => {
    const onBindError = (error: Error) => {
      socket.close();
      reject(
        new TransportError(
          TransportErrorCode.NoTransport,
          `cannot bind udp ${options.address}:${options.port}: ${error.message}`,
          { cause: error },
        ),
      );
    };
    socket.once('error', onBindError);
    socket.bind(options.port, options.address, () => {
      socket.off('error', onBindError);
      const bound = socket.address();
      const listener: UdpListener = {
        options,
        protocol: 'udp',
        address: bound.address,
        port: bound.port,
        family,
        socket,
      };
      socket.on('message', (data, remote) => events.datagram(listener, data, remote));
      socket.on('error', (error) => events.error(listener, error));
      resolve(listener);
    });
  });
}

/** Binds one TCP/TLS/WS/WSS listener. TLS and WSS need `tls.cert` and `tls.key`. */
export function bindStream(
  options: ListenerOptions,
  tls: TlsOptions | undefined,
  handshakeTimeoutMs: number,
  events: ListenerEvents,
): Promise<StreamListener> {
  const family = familyOrFail(options);
  const secure = options.protocol === 'tls' || options.protocol === 'wss';
  if (secure && (tls?.cert === undefined || tls.key === undefined)) {
    return Promise.reject(
      new TransportError(TransportErrorCode.NoTransport, `${options.protocol} listener needs tls.cert and tls.key`),
    );
  }
  let listener: StreamListener | undefined;
  const onSocket = (socket: Socket) => {
    if (listener === undefined) socket.destroy();
    else events.connection(listener, socket);
  };
  const server: Server = secure
    ? createTlsServer(
        {
          cert: tls!.cert,
          key: tls!.key,
          ...(tls!.ca === undefined ? {} : { ca: tls!.ca }),
          requestCert: tls!.requestClientCertificate ?? false,
          rejectUnauthorized: tls!.requestClientCertificate === true && tls!.rejectUnauthorized !== false,
          handshakeTimeout: handshakeTimeoutMs,
        },
        onSocket,
      )
    : createServer(onSocket);
  return new Promise((resolve, reject) => {
    const onBindError = (error: Error) => {
      server.close();
      reject(
        new TransportError(
          TransportErrorCode.NoTransport,
          `cannot listen on ${options.protocol} ${options.address}:${options.port}: ${error.message}`,
          { cause: error },
        ),
      );
    };
    server.once('error', onBindError);
    server.listen({ port: options.port, host: options.address, ipv6Only: family === 6 }, () => {
      server.off('error', onBindError);
      const bound = server.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : options.port;
      listener = { options, protocol: options.protocol, address: options.address, port, family, server };
      server.on('error', (error) => events.error(listener!, error));
      // A failed TLS handshake (bad certificate, garbage, timeout) must not take anything down.
      server.on('tlsClientError', (error: Error, socket: Socket) => {
        socket.destroy();
        events.error(listener!, error);
      });
      resolve(listener);
    });
  });
}
