/**
 * The `license` service: the client role of licensing (guide §3). It checks this device's
 * license (`license.verify`, the license step of `Mtc_CliInit`), obtains one
 * (`license.activate` → `license.activated`) and gives it back (`license.deactivateDevice` →
 * `license.deviceDeactivated`).
 */
import type { KeyObject } from 'node:crypto';
import type { ServiceSchema } from 'moleculer';
import { ErrorCode, TalkbusError, licenseActions } from '@talkbus/contracts';
import { ConfigError, actionsFrom, emit, type ServiceContext, type ServiceFactory } from '@talkbus/runtime';
import { resolveDeviceId, type DeviceIdSources } from './device-id.ts';
import { LicenseClient, reasonOf } from './license-client.ts';
import { SigningKeyError, loadPublicKey } from './signing.ts';

/** Extras of {@link createLicenseService}, mainly for tests. */
export interface LicenseServiceOptions {
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Bound on one HTTP exchange with a license server, in ms. Default: the node's `requestTimeout`. */
  httpTimeoutMs?: number;
  /** Where the derived device ID comes from when `license.deviceId` is not set. */
  deviceIdSources?: DeviceIdSources;
}

/**
 * Makes the `license` service. In client mode it needs `license.publicKey` (start fails with a
 * `ConfigError` naming it otherwise) and verifies the license at start: a missing or bad license
 * is logged, not fatal, so the application can still call `license.activate` (guide §3.1.2).
 */
export function createLicenseService(context: ServiceContext, options: LicenseServiceOptions = {}): ServiceSchema {
  const { config } = context;
  let client: LicenseClient | undefined;
  const ready = (): LicenseClient => {
    if (!client) throw new TalkbusError(ErrorCode.SHUTTING_DOWN, 'The license service is not running.');
    return client;
  };

  return {
    name: 'license',
    actions: actionsFrom(licenseActions, {
      verify: () => ready().verify(),
      activate: (params) => ready().activate(params),
      deactivateDevice: (params) => ready().deactivateDevice(params),
    }),
    async started() {
      const broker = this.broker;
      const deviceId = resolveDeviceId(config.license.deviceId, options.deviceIdSources);
      let publicKey: KeyObject | null = null;
      if (config.license.mode === 'client') {
        try {
          publicKey = loadPublicKey(config.license.publicKey);
        } catch (err) {
          if (!(err instanceof SigningKeyError)) throw err;
          throw new ConfigError(
            'license.publicKey',
            'configuration',
            `${err.message} (client mode checks licenses with it)`,
          );
        }
      }
      client = new LicenseClient({
        mode: config.license.mode,
        licensePath: config.license.path,
        dataDir: config.dataDir,
        deviceId,
        publicKey,
        now: options.now ?? Date.now,
        httpTimeoutMs: options.httpTimeoutMs ?? config.requestTimeout,
        callServer: (action, params) => broker.call(action, params, { timeout: config.requestTimeout }),
        emit: (name, payload) => emit(broker, name, payload),
        logger: this.logger,
      });
      if (config.license.mode !== 'client') {
        this.logger.info(
          `License checks are off on this node (license.mode=${config.license.mode}); device ID ${deviceId}`,
        );
        return;
      }
      try {
        const status = await client.verify();
        const until = status.license?.expiresAt
          ? `until ${new Date(status.license.expiresAt).toISOString()}`
          : 'with no expiry';
        this.logger.info(
          `License ${status.license?.licenseId} (${status.license?.product}) is valid for device ${deviceId} ${until}`,
        );
      } catch (err) {
        // Not fatal: the application learns it from license.verify and activates (guide §3.1.2).
        this.logger.warn(
          `This device (${deviceId}) needs activation before use: ${reasonOf(err)} ` +
            `Call license.activate { server: 'broker' | 'https://…', key } to get a license.`,
        );
      }
    },
    async stopped() {
      const stopping = client;
      client = undefined;
      await stopping?.close();
    },
  };
}

createLicenseService satisfies ServiceFactory;
