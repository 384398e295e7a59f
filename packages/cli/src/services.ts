/**
 * Every service this build of talkbus knows, by name. The CLI is the composition root: the only
 * project allowed to import services (Nx tag `type:app`).
 */
import type { ServiceFactory } from '@talkbus/runtime';
import { createLicenseServerService, createLicenseService } from '@talkbus/service-license';
import { createMediaService } from '@talkbus/service-media';
import { createProfileService } from '@talkbus/service-profile';
import { createRecorderService } from '@talkbus/service-recorder';
import { createRegistrarClientService } from '@talkbus/service-registrar-client';
import { createImService, createSessionService } from '@talkbus/service-session';

/** Service name → factory. `license-server` runs by default only when `license.mode` is `server`. */
export const serviceFactories: Record<string, ServiceFactory> = {
  profile: createProfileService,
  license: createLicenseService,
  'license-server': createLicenseServerService,
  'registrar-client': createRegistrarClientService,
  media: createMediaService,
  session: createSessionService,
  im: createImService,
  recorder: createRecorderService,
};
