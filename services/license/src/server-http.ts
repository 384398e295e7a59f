/**
 * The license server's HTTP JSON endpoint, for devices outside the cluster:
 *
 * - `POST /v1/activate` `{ key, deviceId }` → 200 license file `{ payload, signature }`
 * - `POST /v1/deactivate` `{ deviceId, key?, licenseId? }` → 200 `{ released }`
 * - `GET /v1/public-key` → 200 `{ publicKey }`
 *
 * Errors are `{ error: { code, message, data? } }` with the talkbus error code and its status,
 * `VALIDATION_ERROR` (400) for bad fields, and protocol codes for the rest: `BAD_REQUEST` (400,
 * not JSON or not an object), `NOT_FOUND` (404), `METHOD_NOT_ALLOWED` (405), `REQUEST_TIMEOUT`
 * (408), `PAYLOAD_TOO_LARGE` (413), `UNSUPPORTED_MEDIA_TYPE` (415), `INTERNAL` (500). Every
 * request is bounded in size and time; garbage gets an error or a closed socket, never a crash.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the endpoint does with a request: the service passes the broker calls in. */
export interface LicenseHttpHandlers {
  activate(body: Record<string, unknown>): Promise<unknown>;
  deactivate(body: Record<string, unknown>): Promise<unknown>;
  publicKey(): Promise<unknown>;
}

/** Where errors go; the service passes its logger. */
export interface HttpLogger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** Options of {@link startLicenseHttpServer}. */
export interface LicenseHttpOptions {
  host: string;
  /** TCP port; 0 picks a free one (the bound port is in the result). */
  port: number;
  handlers: LicenseHttpHandlers;
  logger: HttpLogger;
  /** Largest accepted request body, in bytes. Default 16 384 (16 KiB). */
  maxBodyBytes?: number;
  /** Bound on one request, from its first byte to the response, in ms. Default 10 000. */
  requestTimeoutMs?: number;
}

/** A listening endpoint. */
export interface LicenseHttpServer {
  /** The address actually bound. */
  readonly host: string;
  readonly port: number;
  /** Stops listening, drops open connections and pending requests. */
  close(): Promise<void>;
}

/** An error the endpoint answers with a fixed status and code. */
class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

type Route = { method: 'GET' | 'POST'; run: (req: IncomingMessage, max: number) => Promise<unknown> };

/**
 * Starts the endpoint.
 * @throws Error when the address cannot be bound (in use, not permitted)
 */
export async function startLicenseHttpServer(options: LicenseHttpOptions): Promise<LicenseHttpServer> {
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const { handlers, logger } = options;
  const routes: Record<string, Route> = {
    '/v1/activate': { method: 'POST', run: async (req, max) => handlers.activate(await readJsonObject(req, max)) },
    '/v1/deactivate': { method: 'POST', run: async (req, max) => handlers.deactivate(await readJsonObject(req, max)) },
    '/v1/public-key': { method: 'GET', run: () => handlers.publicKey() },
  };
  const pending = new Set<NodeJS.Timeout>();

  const server = http.createServer(
    { maxHeaderSize: 8 * 1024, requestTimeout: requestTimeoutMs, headersTimeout: Math.min(requestTimeoutMs, 60_000) },
    (req, res) => {
      // A peer that resets mid-request must not become an unhandled 'error' event.
      req.on('error', () => undefined);
      res.on('error', () => undefined);
      // Our own bound as well: Node checks requestTimeout only every connectionsCheckingInterval.
      const timer = setTimeout(() => {
        send(
          res,
          408,
          { error: { code: 'REQUEST_TIMEOUT', message: `The request took longer than ${requestTimeoutMs} ms.` } },
          true,
        );
      }, requestTimeoutMs);
      pending.add(timer);
      res.once('close', () => {
        clearTimeout(timer);
        pending.delete(timer);
      });
      handle(req, res).catch((err: unknown) => {
        logger.error('License HTTP request failed unexpectedly', err);
        send(res, 500, { error: { code: 'INTERNAL', message: 'Internal error.' } }, true);
      });
    },
  );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      pathname = '';
    }
    const route = routes[pathname];
    try {
      if (!route)
        throw new HttpError(404, 'NOT_FOUND', `No such endpoint: ${req.method ?? ''} ${pathname.slice(0, 200)}`);
      if (req.method !== route.method) {
        res.setHeader('allow', route.method);
        throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${pathname} takes ${route.method}.`);
      }
      send(res, 200, await route.run(req, maxBodyBytes));
    } catch (err) {
      const { status, body, close } = errorResponse(err, logger);
      send(res, status, body, close);
    }
  }

  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Unparseable HTTP: answer 400 when the socket can still take it, then drop it.
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) =>
      reject(
        new Error(`License HTTP endpoint cannot listen on ${options.host}:${options.port}: ${err.message}`, {
          cause: err,
        }),
      );
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      server.on('error', (err) => logger.error('License HTTP endpoint error', err));
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  return {
    host: address.address,
    port: address.port,
    async close() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Reads a JSON object body of at most `max` bytes. */
async function readJsonObject(req: IncomingMessage, max: number): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/([a-z0-9.+-]*\+)?json\b/i.test(type)) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `The body is larger than ${max} bytes.`);
  const body = await readBody(req, max);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, 'BAD_REQUEST', `The body is not JSON: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new HttpError(400, 'BAD_REQUEST', 'The body must be a JSON object.');
  return value as Record<string, unknown>;
}

/**
 * Collects the body, refusing it past `max` bytes. Not `for await`: leaving that loop early
 * destroys the socket, and the 413 answer with it.
 */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        cleanup();
        req.pause();
        reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `The body is larger than ${max} bytes.`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = () => {
      cleanup();
      reject(new HttpError(400, 'BAD_REQUEST', 'The request body was cut off.'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onError);
  });
}

/** Maps what a handler threw to a response. Messages of unexpected errors are not leaked. */
function errorResponse(err: unknown, logger: HttpLogger): { status: number; body: unknown; close: boolean } {
  if (err instanceof HttpError) {
    // A body we stopped reading (too large, wrong type) must not be parsed as the next request.
    const close = err.status === 413 || err.status === 415;
    return { status: err.status, body: { error: { code: err.code, message: err.message } }, close };
  }
  const e = err as { name?: string; type?: string; code?: number; message?: string; data?: unknown };
  if (e?.name === 'TalkbusError' && typeof e.type === 'string') {
    const status = typeof e.code === 'number' && e.code >= 400 && e.code < 600 ? e.code : 500;
    return { status, body: { error: { code: e.type, message: e.message, data: e.data } }, close: false };
  }
  if (e?.name === 'ValidationError') {
    return {
      status: 400,
      body: { error: { code: 'VALIDATION_ERROR', message: e.message, data: e.data } },
      close: false,
    };
  }
  logger.error('License HTTP handler failed', err);
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Internal error.' } }, close: false };
}

function send(res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.setHeader('cache-control', 'no-store');
  if (close) res.setHeader('connection', 'close');
  res.end(text);
  // Drop a connection whose request we gave up on, once the answer is out.
  if (close) res.once('finish', () => res.req.socket?.destroy());
}
