/**
 * The `license-server` service: the issuing role of licensing. Product keys with seat counts,
 * seats bound to device IDs, Ed25519-signed license files; state in LevelDB under
 * `<dataDir>/license-server`. It answers over the broker and, when `license.httpPort` is not 0,
 * over the HTTP JSON endpoint for devices outside the cluster.
 */
import path from 'node:path';
import type { ServiceSchema } from 'moleculer';
import { ErrorCode, TalkbusError, licenseServerActions } from '@talkbus/contracts';
import { actionsFrom, type ServiceContext, type ServiceFactory } from '@talkbus/runtime';
import { startLicenseHttpServer, type LicenseHttpServer } from './server-http.ts';
import { LicenseServerState } from './server-state.ts';

/** Extras of {@link createLicenseServerService}, mainly for tests. */
export interface LicenseServerServiceOptions {
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Largest HTTP request body, in bytes. Default 16 384. */
  maxBodyBytes?: number;
  /** Bound on one HTTP request, in ms. Default: the node's `requestTimeout`. */
  httpRequestTimeoutMs?: number;
}

/**
 * Makes the `license-server` service. It runs in whatever license mode its node has (the node
 * starts it by default only in `server` mode); its store is `<dataDir>/license-server`.
 */
export function createLicenseServerService(
  context: ServiceContext,
  options: LicenseServerServiceOptions = {},
): ServiceSchema {
  const { config } = context;
  let state: LicenseServerState | undefined;
  let httpServer: LicenseHttpServer | undefined;
  const ready = (): LicenseServerState => {
    if (!state) throw new TalkbusError(ErrorCode.SHUTTING_DOWN, 'The license server is not running.');
    return state;
  };

  return {
    name: 'license-server',
    actions: actionsFrom(licenseServerActions, {
      addKey: (params) => ready().addKey(params),
      listKeys: async () => ({ keys: await ready().listKeys() }),
      issue: (params) => ready().issue(params),
      release: (params) => ready().release(params),
      publicKey: async () => ({ publicKey: ready().publicKeyPem }),
    }),
    async started() {
      const broker = this.broker;
      state = await LicenseServerState.open({
        location: path.join(config.dataDir, 'license-server'),
        privateKeyPath: config.license.privateKeyPath,
        now: options.now ?? Date.now,
      });
      this.logger.info(`License server ready; public key:\n${state.publicKeyPem.trim()}`);
      if (config.license.httpPort === 0) return;
      // HTTP requests go through the broker to this very node, so they get the same parameter validation.
      const local = { nodeID: broker.nodeID, timeout: config.requestTimeout };
      try {
        httpServer = await startLicenseHttpServer({
          host: config.license.httpHost,
          port: config.license.httpPort,
          logger: this.logger,
          maxBodyBytes: options.maxBodyBytes,
          requestTimeoutMs: options.httpRequestTimeoutMs ?? config.requestTimeout,
          handlers: {
            activate: (body) => broker.call('license-server.issue', body, local),
            deactivate: (body) => broker.call('license-server.release', body, local),
            publicKey: () => broker.call('license-server.publicKey', {}, local),
          },
        });
      } catch (err) {
        await state.close().catch(() => undefined);
        state = undefined;
        throw err;
      }
      this.logger.info(`License HTTP endpoint listening on http://${httpServer.host}:${httpServer.port}/v1/`);
    },
    async stopped() {
      const http = httpServer;
      const store = state;
      httpServer = undefined;
      state = undefined;
      await http?.close();
      await store?.close();
    },
  };
}

createLicenseServerService satisfies ServiceFactory;
