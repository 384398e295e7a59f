/**
 * @talkbus/service-media — the `media` Moleculer service: per call a media endpoint on a pool of
 * mediasoup workers, what the local side says and hears, the virtual audio devices (guide
 * §4.3.1), ring tones and early media (guide §6.9), local mixing and DTMF (RFC 4733).
 *
 * The actions are exactly the contract's `mediaActions`; the events are `media.rtpStarted`,
 * `media.rtpTimeout`, `media.dtmfReceived` and `media.endpointFailed`.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger, ServiceBroker, ServiceSchema } from 'moleculer';
import {
  AUDIO_INPUT_DEVICES,
  AUDIO_OUTPUT_DEVICES,
  ErrorCode,
  TalkbusError,
  mediaActions,
  mediaTapActions,
  mediaWebRtcActions,
  type MediaOutput,
} from '@talkbus/contracts';
import {
  actionsFrom,
  emit,
  systemClock,
  type Clock,
  type TimerHandle,
  type Handlers,
  type ServiceContext,
  type ServiceFactory,
} from '@talkbus/runtime';
import { AudioDevices } from './devices.ts';
import type { Endpoint } from './endpoint.ts';
import { fileSource, silenceSource, steadyTone, toneSource } from './local-audio.ts';
import { MediaCore, type MediaSettings } from './media-core.ts';
import { mediaSettings } from './settings.ts';
import { tapHandlers } from './tap-actions.ts';
import { TapManager } from './tap.ts';
import { setVideoInput } from './video-input.ts';
import { webrtcHandlers } from './webrtc.ts';
import { onWorkerLog } from './worker-log.ts';

export type { MediaSettings } from './media-core.ts';

/** What the media service takes: the node's context, plus overrides for tests and tools. */
export interface MediaServiceContext extends ServiceContext {
  /** Overrides of the settings (workers, ports, RTP timeout, …). */
  settings?: Partial<MediaSettings>;
  clock?: Clock;
}

/** Makes the `media` service for a node. Workers start in `started` and stop in `stopped`. */
export function createMediaService(context: MediaServiceContext): ServiceSchema {
  const clock = context.clock ?? systemClock;
  let core: MediaCore | undefined;
  let broker: ServiceBroker | undefined;
  let logger: Logger | undefined;
  let stopLog: (() => void) | undefined;
  let taps: TapManager | undefined;
  const ringTimers = new Map<string, TimerHandle>();

  function started(): MediaCore {
    if (!core || broker?.stopping) throw new TalkbusError(ErrorCode.SHUTTING_DOWN, 'The media service is not running');
    return core;
  }

  /** A path for a WAV output: inside the node's data directory only. */
  function wavPath(relativeOrAbsolute: string): string {
    const root = path.resolve(started().devices.mediaDir, '..');
    const resolved = path.resolve(started().devices.mediaDir, relativeOrAbsolute);
    if (resolved !== root && !resolved.startsWith(root + path.sep)) {
      throw new TalkbusError(
        ErrorCode.PATH_NOT_ALLOWED,
        `WAV output ${relativeOrAbsolute} is outside the data directory`,
        { field: 'output.path' },
      );
    }
    return resolved;
  }

  async function setOutput(endpoint: Endpoint, output: MediaOutput): Promise<void> {
    let target: string | undefined;
    if (output.kind === 'wav') {
      if (!output.path)
        throw new TalkbusError(ErrorCode.INVALID_PARAMETER, "The 'output.path' field is required for a wav output", {
          field: 'output.path',
        });
      target = wavPath(output.path);
    } else if (output.kind === 'device') target = started().devices.wavPath(endpoint.sessionId);
    if (target) await mkdir(path.dirname(target), { recursive: true });
    await endpoint.setSink(target);
    endpoint.output = output;
  }

  const info = async (sessionId: string) => started().get(sessionId).info();
  const devices = () => started().devices;

  const handlers: Handlers<typeof mediaActions> = {
    async endpointCreate(params) {
      const endpoint = await started().create({
        sessionId: params.sessionId,
        account: params.account,
        audio: params.audio ?? true,
        video: params.video ?? false,
        comedia: params.comedia ?? false,
        rtcpMux: params.rtcpMux ?? true,
        srtpSuite: params.srtpSuite,
        portMin: params.portMin,
        portMax: params.portMax,
        listenIp: params.listenIp,
        announcedAddress: params.announcedAddress,
        colocateWith: params.colocateWith,
      });
      return endpoint.info();
    },
    endpointVideo: (params) =>
      setVideoInput(started().get(params.sessionId), params.input, (level, message) =>
        logger?.[level](`${params.sessionId}: ${message}`),
      ),
    async endpointUpdate(params) {
      const endpoint = params.video ? await started().addVideo(params.sessionId) : started().get(params.sessionId);
      await endpoint.update(params.streams);
      return endpoint.info();
    },
    async endpointClose(params) {
      taps?.closeSession(params.sessionId, 'endpoint-closed');
      await started().close(params.sessionId);
      return { closed: true };
    },
    endpointGet: (params) => info(params.sessionId),
    endpointList: async () => ({ endpoints: [...started().endpoints.values()].map((endpoint) => endpoint.info()) }),
    async endpointInput(params) {
      const endpoint = started().get(params.sessionId);
      const input = params.input;
      const source =
        input.kind === 'device'
          ? devices().inputSource()
          : input.kind === 'silence'
            ? silenceSource
            : input.kind === 'tone'
              ? toneSource(steadyTone(input.frequencies ?? [1000], input.levelDbm0 ?? -10))
              : input.path
                ? await fileSource(input.path, input.loop ?? true)
                : (() => {
                    throw new TalkbusError(
                      ErrorCode.INVALID_PARAMETER,
                      "The 'input.path' field is required for a file input",
                      { field: 'input.path' },
                    );
                  })();
      endpoint.inputSource = source;
      if (endpoint.sender) endpoint.sender.source = source;
      endpoint.input = input;
      return endpoint.info();
    },
    async endpointOutput(params) {
      const endpoint = started().get(params.sessionId);
      await setOutput(endpoint, params.output);
      return endpoint.info();
    },
    async endpointBridge(params) {
      const endpoint = started().get(params.sessionId);
      const other = started().get(params.otherSessionId);
      if (endpoint === other)
        throw new TalkbusError(ErrorCode.INVALID_PARAMETER, 'A call cannot be bridged to itself', {
          field: 'otherSessionId',
        });
      // One worker for both legs where possible (placement.ts); else the bridge pipes between routers.
      await started().colocate(endpoint, other);
      for (const previous of [endpoint.bridgedTo, other.bridgedTo]) if (previous) previous.bridgedTo = undefined;
      endpoint.bridgedTo = other;
      other.bridgedTo = endpoint;
      await endpoint.rewireOut();
      await other.rewireOut();
      return endpoint.info();
    },
    async endpointUnbridge(params) {
      const endpoint = started().get(params.sessionId);
      const other = endpoint.bridgedTo;
      endpoint.bridgedTo = undefined;
      if (other) {
        other.bridgedTo = undefined;
        await other.rewireOut();
      }
      await endpoint.rewireOut();
      return endpoint.info();
    },
    async endpointEarlyMedia(params) {
      // Guide §6.9.2: a 18x without SDP → local ringback; with early-media SDP → the network's audio.
      const endpoint = started().get(params.sessionId);
      endpoint.earlyMedia = params.mode;
      endpoint.outputTone = params.mode === 'local-ringback' ? started().tone('ringback', undefined) : undefined;
      return endpoint.info();
    },
    async endpointMute(params) {
      const endpoint = started().get(params.sessionId);
      if (params.mic !== undefined) endpoint.micMuted = params.mic;
      if (params.speaker !== undefined) endpoint.speakerMuted = params.speaker;
      if (endpoint.audio) await endpoint.applyDirection(endpoint.audio);
      return endpoint.info();
    },
    async endpointDtmf(params) {
      const endpoint = started().get(params.sessionId);
      const sender = endpoint.sender;
      if (!sender || !endpoint.audio?.sends) {
        throw new TalkbusError(
          ErrorCode.MEDIA_NOT_NEGOTIATED,
          `Session ${params.sessionId} does not send G.711 audio now`,
          { sessionId: params.sessionId },
        );
      }
      const durationMs = params.durationMs ?? 100;
      await sender.sendDigits(params.digits, durationMs, params.gapMs ?? 60);
      return { sent: params.digits.toUpperCase(), durationMs };
    },
    async endpointStats(params) {
      const endpoint = started().get(params.sessionId);
      const stream = endpoint.audio;
      if (!stream?.params) return { audio: null };
      const received =
        stream.producer && !stream.producer.closed ? await stream.producer.getStats().catch(() => []) : [];
      const sent =
        endpoint.outConsumer && !endpoint.outConsumer.closed
          ? await endpoint.outConsumer.getStats().catch(() => [])
          : [];
      const packetsReceived = received.reduce((sum, entry) => sum + entry.packetCount, 0);
      const packetsLost = received.reduce((sum, entry) => sum + Math.max(0, entry.packetsLost), 0);
      const outbound = sent.find((entry) => entry.type === 'outbound-rtp');
      return {
        audio: {
          packetsReceived,
          packetsLost,
          lossRatio: packetsReceived + packetsLost === 0 ? 0 : packetsLost / (packetsReceived + packetsLost),
          fractionLost: (received[0]?.fractionLost ?? 0) / 256,
          jitter: received[0]?.jitter ?? 0,
          packetsSent: outbound?.packetCount ?? 0,
          remoteSsrc: stream.remoteSsrc,
        },
      };
    },
    async mixStart(params) {
      return { mixId: await started().startMix(params.sessionIds), sessionIds: params.sessionIds };
    },
    async mixStop(params) {
      started().stopMix(params.mixId);
      return { stopped: true };
    },
    async ringPlay(params) {
      const key = params.sessionId ?? '';
      const source = started().tone(params.tone, params.region);
      const endpoints = params.sessionId ? [started().get(params.sessionId)] : [...started().endpoints.values()];
      for (const endpoint of endpoints) endpoint.outputTone = source;
      const ring = ringTimers.get(key);
      if (ring !== undefined) clock.clearTimeout(ring);
      if (params.durationMs !== undefined) {
        ringTimers.set(
          key,
          clock.setTimeout(() => {
            for (const endpoint of endpoints) if (endpoint.outputTone === source) endpoint.outputTone = undefined;
          }, params.durationMs),
        );
      }
      return { playing: true };
    },
    async ringStop(params) {
      const endpoints = params.sessionId ? [started().get(params.sessionId)] : [...started().endpoints.values()];
      for (const endpoint of endpoints)
        endpoint.outputTone =
          endpoint.earlyMedia === 'local-ringback' ? started().tone('ringback', undefined) : undefined;
      return { stopped: true };
    },
    inputDeviceCount: async () => ({ count: AUDIO_INPUT_DEVICES.length }),
    inputDeviceName: async (params) => ({ device: AudioDevices.byIndex('input', params.index) }),
    getInputDevice: async () => ({ device: devices().inputDevice }),
    async setInputDevice(params) {
      devices().inputDevice = AudioDevices.check('input', params.device);
      for (const endpoint of started().endpoints.values()) {
        if (endpoint.input.kind !== 'device') continue;
        endpoint.inputSource = devices().inputSource();
        if (endpoint.sender) endpoint.sender.source = endpoint.inputSource;
      }
      return { device: params.device };
    },
    getInputVolume: async () => ({ volume: devices().inputVolume }),
    setInputVolume: async (params) => ({ volume: (devices().inputVolume = params.volume) }),
    muteInput: async (params) => ({ muted: (devices().inputMuted = params.muted) }),
    outputDeviceCount: async () => ({ count: AUDIO_OUTPUT_DEVICES.length }),
    outputDeviceName: async (params) => ({ device: AudioDevices.byIndex('output', params.index) }),
    getOutputDevice: async () => ({ device: devices().outputDevice }),
    async setOutputDevice(params) {
      devices().outputDevice = AudioDevices.check('output', params.device);
      for (const endpoint of started().endpoints.values())
        if (endpoint.output.kind === 'device') await setOutput(endpoint, endpoint.output);
      return { device: params.device };
    },
    getOutputVolume: async () => ({ volume: devices().outputVolume }),
    setOutputVolume: async (params) => ({ volume: (devices().outputVolume = params.volume) }),
    muteOutput: async (params) => ({ muted: (devices().outputMuted = params.muted) }),
  };

  return {
    name: 'media',
    actions: {
      ...actionsFrom(mediaActions, handlers),
      ...actionsFrom(
        mediaTapActions,
        tapHandlers(
          () => taps,
          () => broker?.nodeID ?? '',
        ),
      ),
      ...actionsFrom(mediaWebRtcActions, webrtcHandlers(started)),
    },

    created() {
      broker = this.broker;
      logger = this.logger;
    },

    async started() {
      const settings = mediaSettings(context.config, context.settings);
      const serviceBroker = this.broker;
      stopLog = onWorkerLog((level, text) => logger?.[level](text));
      const mediaCore = new MediaCore(
        settings,
        clock,
        (name, payload) => {
          emit(serviceBroker, name, payload).catch((err: unknown) =>
            logger?.warn(`Could not emit ${name}: ${(err as Error).message}`),
          );
        },
        (level, message) => logger?.[level](message),
      );
      await mediaCore.start();
      core = mediaCore;
      taps = new TapManager(
        mediaCore,
        clock,
        (name, payload) => void emit(serviceBroker, name, payload).catch(() => undefined),
        (level, message) => logger?.[level](message),
      );
      this.logger.info(
        `Media: ${settings.workers} mediasoup worker(s), RTP ports ${settings.portMin}-${settings.portMax} on ${settings.listenIp}`,
      );
    },

    async stopped() {
      const mediaCore = core;
      core = undefined;
      taps?.stop();
      taps = undefined;
      for (const timer of ringTimers.values()) clock.clearTimeout(timer);
      ringTimers.clear();
      await mediaCore?.stop();
      stopLog?.();
    },
  };
}

createMediaService satisfies ServiceFactory;
