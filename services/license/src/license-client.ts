/**
 * The client half of licensing (guide §3): check this device's license, obtain one from a
 * license server, give it back. Activation and deactivation answer at once and report their
 * outcome as events, as the guide's callbacks do (§3.1.1, table 3-2); they run one at a time, in
 * call order, so their events come in that order too.
 */
import type { KeyObject } from 'node:crypto';
import {
  ErrorCode,
  TalkbusError,
  type EventMap,
  type EventName,
  type LicenseFile,
  type LicenseStatus,
} from '@talkbus/contracts';
import type { LicenseMode } from '@talkbus/runtime';
import { endpointUrl, postLicenseServer } from './http-client.ts';
import { checkLicense, decodeUnverifiedPayload, parseLicenseFile } from './license-file.ts';
import { deleteLicenseFile, readLicenseText, resolveLicensePath, writeLicenseFileAtomic } from './license-file-io.ts';

/** Broker errors that mean "no server answered", not "the server said no". */
const UNREACHABLE_ERRORS = new Set([
  'ServiceNotFoundError',
  'ServiceNotAvailableError',
  'RequestTimeoutError',
  'RequestRejectedError',
  'RequestSkippedError',
  'BrokerDisconnectedError',
]);

/** What the client needs from the node it runs in. */
export interface LicenseClientOptions {
  mode: LicenseMode;
  /** The configured license file (`license.path`). */
  licensePath: string;
  /** Where relative `path` parameters are resolved. */
  dataDir: string;
  deviceId: string;
  /** The license server's public key; required in client mode. */
  publicKey: KeyObject | null;
  /** Clock, epoch ms. */
  now: () => number;
  /** Bound on one HTTP exchange with the server, in ms. */
  httpTimeoutMs: number;
  /** Calls a `license-server.*` action over the broker. */
  callServer(
    action: 'license-server.issue' | 'license-server.release',
    params: Record<string, unknown>,
  ): Promise<unknown>;
  emit<N extends EventName>(name: N, payload: EventMap[N]): Promise<void>;
  logger: { info(...args: unknown[]): void; warn(...args: unknown[]): void };
}

/** `CODE: message` of any error, for an event's `reason`. */
export function reasonOf(err: unknown): string {
  const e = err as { name?: string; type?: unknown; message?: unknown };
  const code =
    e?.name === 'TalkbusError' && typeof e.type === 'string'
      ? e.type
      : (typeof e?.type === 'string' && e.type) || e?.name || 'ERROR';
  return `${code}: ${typeof e?.message === 'string' ? e.message : String(err)}`;
}

/** The `license` service's work, apart from Moleculer. */
export class LicenseClient {
  readonly #options: LicenseClientOptions;
  /** Tail of the activation/deactivation queue. */
  #tail: Promise<void> = Promise.resolve();
  #closing = false;

  constructor(options: LicenseClientOptions) {
    this.#options = options;
  }

  /**
   * `license.verify`: the license step of `Mtc_CliInit` (guide §3.1.2 step 2–3).
   * @throws TalkbusError `NEED_ACTIVATION` (no file), `LICENSE_MALFORMED`, `LICENSE_BAD_SIGNATURE`,
   *   `LICENSE_EXPIRED`, `LICENSE_OTHER_DEVICE`
   */
  async verify(): Promise<LicenseStatus> {
    const { mode, deviceId, licensePath } = this.#options;
    // Only client mode enforces a license: `off` is the embedded default, and a server does not license itself.
    if (mode !== 'client') return { status: 'off', mode, deviceId, license: null };
    const text = await readLicenseText(licensePath);
    if (text === null) {
      throw new TalkbusError(
        ErrorCode.NEED_ACTIVATION,
        `No license at ${licensePath}: activate this device with license.activate { server, key } (guide §3.1.2).`,
        { path: licensePath, deviceId },
      );
    }
    try {
      const license = checkLicense(text, this.#check());
      return { status: 'valid', mode, deviceId, license };
    } catch (err) {
      if (err instanceof TalkbusError) Object.assign(err.data as object, { path: licensePath });
      throw err;
    }
  }

  /**
   * `license.activate` (`Mtc_LcsActivate`, guide §3.1.2 step 3): accepted at once; the outcome
   * is the `license.activated` event. The license is checked (signature, device, expiry) before
   * it is written, atomically, to `path`.
   */
  async activate(params: { server: string; key: string; path?: string | undefined }): Promise<{ accepted: true }> {
    this.#assertCanChange();
    const file = await resolveLicensePath(params.path, this.#options.licensePath, this.#options.dataDir);
    this.#enqueue(() => this.#runActivation(params.server, params.key, file));
    return { accepted: true };
  }

  /**
   * `license.deactivateDevice` (`Mtc_LcsDeactivateDevice`, guide §3.1.3): fails at once with
   * `LICENSE_FILE_NOT_FOUND` when there is no license file, as the guide's example gets
   * `MTC_LCS_FILE_NOT_EXIST` back (§3.1.4), and with `LICENSE_MALFORMED` when the file is not a
   * license (it is then left alone). Otherwise accepted; the seat is released on the server,
   * then the file deleted, and the outcome is the `license.deviceDeactivated` event.
   */
  async deactivateDevice(params: { server: string; path?: string | undefined }): Promise<{ accepted: true }> {
    this.#assertCanChange();
    const file = await resolveLicensePath(params.path, this.#options.licensePath, this.#options.dataDir);
    const text = await readLicenseText(file);
    if (text === null) {
      throw new TalkbusError(
        ErrorCode.LICENSE_FILE_NOT_FOUND,
        `There is no license file at ${file}, so there is nothing to deactivate.`,
        {
          path: file,
        },
      );
    }
    // Read only to name the seat to the server; never deletes a file that is not a license.
    const licenseId = decodeUnverifiedPayload(parseLicenseFile(text)).licenseId;
    this.#enqueue(() => this.#runDeactivation(params.server, licenseId, file));
    return { accepted: true };
  }

  /** Stops taking changes and waits for the queued ones (each is bounded). */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#tail;
  }

  async #runActivation(server: string, key: string, file: string): Promise<void> {
    const { deviceId } = this.#options;
    try {
      const answer =
        server === 'broker'
          ? await this.#viaBroker('license-server.issue', { key, deviceId })
          : await postLicenseServer(
              endpointUrl(server, 'v1/activate'),
              { key, deviceId },
              { timeoutMs: this.#options.httpTimeoutMs },
            );
      // Trust nothing the server sent until it verifies with the configured key and names this device.
      const license = checkLicense(answer, this.#check());
      const licenseFile: LicenseFile = parseLicenseFile(answer);
      try {
        await writeLicenseFileAtomic(file, licenseFile);
      } catch (err) {
        throw new TalkbusError(
          ErrorCode.STORAGE_FAILED,
          `Cannot write the license to ${file}: ${(err as Error).message}`,
          { path: file },
        );
      }
      this.#options.logger.info(`License ${license.licenseId} activated for device ${deviceId}, saved to ${file}`);
      await this.#options.emit('license.activated', { activated: true, reason: null, license, path: file });
    } catch (err) {
      this.#options.logger.warn(`License activation failed: ${reasonOf(err)}`);
      await this.#options.emit('license.activated', {
        activated: false,
        reason: reasonOf(err),
        license: null,
        path: file,
      });
    }
  }

  async #runDeactivation(server: string, licenseId: string, file: string): Promise<void> {
    const { deviceId } = this.#options;
    try {
      const params = { deviceId, licenseId };
      const answer =
        server === 'broker'
          ? await this.#viaBroker('license-server.release', params)
          : await postLicenseServer(endpointUrl(server, 'v1/deactivate'), params, {
              timeoutMs: this.#options.httpTimeoutMs,
            });
      if ((answer as { released?: unknown } | null)?.released !== true) {
        // The server holds no such seat (already released, or another server): the device is free either way.
        this.#options.logger.info(
          `License server held no seat for license ${licenseId}; deleting the local file anyway`,
        );
      }
      await deleteLicenseFile(file);
      this.#options.logger.info(`Device ${deviceId} deactivated; license ${licenseId} removed from ${file}`);
      await this.#options.emit('license.deviceDeactivated', { deactivated: true, reason: null });
    } catch (err) {
      // The file stays: with the seat still bound on the server, the device can retry.
      this.#options.logger.warn(`License deactivation failed: ${reasonOf(err)}`);
      await this.#options.emit('license.deviceDeactivated', { deactivated: false, reason: reasonOf(err) });
    }
  }

  async #viaBroker(
    action: 'license-server.issue' | 'license-server.release',
    params: Record<string, unknown>,
  ): Promise<unknown> {
    try {
      return await this.#options.callServer(action, params);
    } catch (err) {
      const name = (err as { name?: string })?.name ?? '';
      if (UNREACHABLE_ERRORS.has(name)) {
        throw new TalkbusError(
          ErrorCode.LICENSE_SERVER_UNREACHABLE,
          `No license server answered on the broker (${reasonOf(err)}).`,
          {
            action,
          },
        );
      }
      throw err;
    }
  }

  #check() {
    const { publicKey, deviceId, now } = this.#options;
    if (!publicKey)
      throw new TalkbusError(ErrorCode.LICENSE_WRONG_MODE, 'No license.publicKey is configured on this node.');
    return { publicKey, deviceId, now: now() };
  }

  #assertCanChange(): void {
    if (this.#closing) throw new TalkbusError(ErrorCode.SHUTTING_DOWN, 'The license service is stopping.');
    if (this.#options.mode !== 'client') {
      throw new TalkbusError(
        ErrorCode.LICENSE_WRONG_MODE,
        `license.mode is '${this.#options.mode}' on this node; activation needs 'client' mode and license.publicKey (TALKBUS_LICENSE_MODE=client).`,
        { mode: this.#options.mode },
      );
    }
  }

  #enqueue(task: () => Promise<void>): void {
    // Tasks end in an event whatever happens; only a failing emit can get here, and it must not stop the queue.
    this.#tail = this.#tail
      .then(task)
      .catch((err: unknown) => this.#options.logger.warn(`License event could not be emitted: ${reasonOf(err)}`));
  }
}
