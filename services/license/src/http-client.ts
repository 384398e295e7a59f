/**
 * The client side of the license server's HTTP endpoint: one JSON POST, bounded in time and in
 * response size. Whatever goes wrong on the way (refused, reset, timeout, garbage) becomes
 * `LICENSE_SERVER_UNREACHABLE`; an error the server answered with keeps its own code.
 */
import http from 'node:http';
import https from 'node:https';
import { ErrorCode, TalkbusError, isErrorCode } from '@talkbus/contracts';

/** Options of {@link postLicenseServer}. */
export interface LicenseHttpRequestOptions {
  /** Bound on the whole exchange (connect, send, answer), in ms. */
  timeoutMs: number;
  /** Largest accepted answer, in bytes. Default 65 536. */
  maxResponseBytes?: number;
}

/** `server` + `endpoint`, keeping any base path of the server URL (`https://h/lic` → `https://h/lic/v1/activate`). */
export function endpointUrl(server: string, endpoint: string): URL {
  return new URL(endpoint, server.endsWith('/') ? server : `${server}/`);
}

/** The URL without credentials, for messages. */
function shown(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function unreachable(url: URL, why: string): TalkbusError {
  return new TalkbusError(ErrorCode.LICENSE_SERVER_UNREACHABLE, `License server ${shown(url)} ${why}`, {
    url: shown(url),
  });
}

/**
 * POSTs `body` as JSON and returns the 200 answer's JSON.
 * @throws TalkbusError with the server's code when it answered `{ error: { code, message } }`,
 *   `LICENSE_SERVER_UNREACHABLE` for everything else
 */
export function postLicenseServer(url: URL, body: unknown, options: LicenseHttpRequestOptions): Promise<unknown> {
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  const text = JSON.stringify(body);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | null, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    };
    const req = transport.request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        accept: 'application/json',
      },
    });
    const timer = setTimeout(() => {
      finish(unreachable(url, `did not answer within ${options.timeoutMs} ms.`));
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish(unreachable(url, `cannot be reached: ${err.code ?? err.message}.`)),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxResponseBytes) {
          finish(unreachable(url, `answered more than ${maxResponseBytes} bytes.`));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', () => finish(unreachable(url, 'cut the answer off.')));
      res.on('end', () => {
        let value: unknown;
        try {
          value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          finish(unreachable(url, `answered HTTP ${res.statusCode} with a body that is not JSON.`));
          return;
        }
        if (res.statusCode === 200) {
          finish(null, value);
          return;
        }
        const error = (value as { error?: { code?: unknown; message?: unknown; data?: unknown } } | null)?.error;
        if (error && isErrorCode(error.code)) {
          const data =
            error.data && typeof error.data === 'object' && !Array.isArray(error.data)
              ? (error.data as Record<string, unknown>)
              : {};
          finish(new TalkbusError(error.code, String(error.message ?? error.code), data));
          return;
        }
        const code = typeof error?.code === 'string' ? error.code : `HTTP ${res.statusCode}`;
        const message = typeof error?.message === 'string' ? `: ${error.message.slice(0, 500)}` : '';
        finish(unreachable(url, `refused the request (${code}${message}).`));
      });
    });
    req.end(text);
  });
}
