/**
 * Settings of the media service: the node's validated `media.*` configuration, then the overrides
 * a factory caller passes.
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

/**
 * The settings for a node, from the validated `media.*` configuration (docs/configuration.md:
 * `TALKBUS_MEDIA_WORKERS`, `_LISTEN_IP`, `_ANNOUNCED_ADDRESS`, `_PORT_MIN`/`_MAX`, `_RTP_TIMEOUT`,
 * `_TONE_REGION`, `_WORKER_BIN`), then the overrides a factory caller passes.
 */
export function mediaSettings(
  config: TalkbusConfig,
  overrides: Partial<MediaSettings> = {},
  env: NodeJS.ProcessEnv = process.env,
): MediaSettings {
  const media = config.media;
  const settings: MediaSettings = {
    workers: media.workers > 0 ? media.workers : availableParallelism(),
    workerBin: overrides.workerBin ?? (media.workerBin || resolveWorkerBin(env)),
    listenIp: media.listenIp,
    announcedAddress: media.announcedAddress || undefined,
    portMin: media.portMin,
    portMax: media.portMax,
    rtpTimeoutMs: media.rtpTimeout,
    rtpCheckMs: 1000,
    dataDir: config.dataDir,
    toneRegion: media.toneRegion,
    ...overrides,
  };
  if (settings.portMax <= settings.portMin + 1)
    throw new ConfigError('media.portMax', 'overrides', 'must be above media.portMin + 1');
  return settings;
}
