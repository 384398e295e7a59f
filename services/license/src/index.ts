/**
 * @talkbus/service-license — licensing (guide §3): the `license` service (client role: verify,
 * activate, deactivate this device) and the `license-server` service (issuing role: product
 * keys, seats, Ed25519-signed license files, HTTP JSON endpoint). See README.md.
 */
export { createLicenseService, type LicenseServiceOptions } from './license-service.ts';
export { createLicenseServerService, type LicenseServerServiceOptions } from './license-server-service.ts';
export { deriveDeviceId, resolveDeviceId, type DeviceIdSources } from './device-id.ts';
export { checkLicense, signLicense, LICENSE_FORMAT } from './license-file.ts';
export { generateSigningKeyPair, type SigningKeyPair } from './signing.ts';
