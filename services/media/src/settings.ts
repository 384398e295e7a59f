/**
 * Settings of the media service: defaults, then `TALKBUS_MEDIA_*` environment variables, then
 * the overrides a factory caller passes. A bad value fails the start with a message naming it.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ConfigError, type TalkbusConfig } from '@talkbus/runtime';
import type { MediaSettings } from './media-core.ts';

const setupScript = fileURLToPath(new URL('../../../scripts/setup/media-worker.sh', import.meta.url));

/** The worker binary: `MEDIASOUP_WORKER_BIN`, else the path `scripts/setup/media-worker.sh` builds to. */
export function resolveWorkerBin(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['MEDIASOUP_WORKER_BIN'];
  if (fromEnv) return fromEnv;
  return (
    execFileSync('bash', [setupScript, '--print-path'], { encoding: 'utf8', timeout: 10_000 })
      .trim()
      .split('\n')
      .at(-1) ?? ''
  );
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(name, 'environment', `must be an integer in ${min}..${max}, got "${raw}"`);
  return value;
}

/**
 * The settings for a node.
 *
 * | env | default |
 * | --- | --- |
 * | `TALKBUS_MEDIA_WORKERS` | one per core |
 * | `TALKBUS_MEDIA_LISTEN_IP` | `127.0.0.1` |
 * | `TALKBUS_MEDIA_ANNOUNCED_ADDRESS` | none (the listen IP goes into SDP) |
 * | `TALKBUS_MEDIA_PORT_MIN` / `_MAX` | 20000 / 29999 (provisioning `mediaPortMin/Max` per call wins) |
 * | `TALKBUS_MEDIA_RTP_TIMEOUT` | 30000 ms |
 * | `TALKBUS_MEDIA_TONE_REGION` | `CN` |
 */
export function mediaSettings(
  config: TalkbusConfig,
  overrides: Partial<MediaSettings> = {},
  env: NodeJS.ProcessEnv = process.env,
): MediaSettings {
  const region = env['TALKBUS_MEDIA_TONE_REGION'] ?? 'CN';
  if (!['CN', 'US', 'EU'].includes(region))
    throw new ConfigError('TALKBUS_MEDIA_TONE_REGION', 'environment', `must be CN, US or EU, got "${region}"`);
  const settings: MediaSettings = {
    workers: integer(env, 'TALKBUS_MEDIA_WORKERS', availableParallelism(), 1, 64),
    workerBin: overrides.workerBin ?? resolveWorkerBin(env),
    listenIp: env['TALKBUS_MEDIA_LISTEN_IP'] || '127.0.0.1',
    announcedAddress: env['TALKBUS_MEDIA_ANNOUNCED_ADDRESS'] || undefined,
    portMin: integer(env, 'TALKBUS_MEDIA_PORT_MIN', 20000, 1024, 65535),
    portMax: integer(env, 'TALKBUS_MEDIA_PORT_MAX', 29999, 1024, 65535),
    rtpTimeoutMs: integer(env, 'TALKBUS_MEDIA_RTP_TIMEOUT', 30_000, 100, 3_600_000),
    rtpCheckMs: 1000,
    dataDir: config.dataDir,
    toneRegion: region as MediaSettings['toneRegion'],
    ...overrides,
  };
  if (settings.portMax <= settings.portMin + 1)
    throw new ConfigError('TALKBUS_MEDIA_PORT_MAX', 'environment', 'must be above TALKBUS_MEDIA_PORT_MIN + 1');
  return settings;
}
