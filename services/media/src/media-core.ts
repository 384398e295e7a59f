/**
 * The media service without Moleculer: the worker pool, the endpoints by session, ports, the
 * 20 ms pacer, RTP start/timeout checks, SSRC learning, local mixes and ring tones.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, TalkbusError, type EventMap, type MediaTone } from '@talkbus/contracts';
import { G711Mixer, tonePlan, type TelephoneEventReport, type ToneRegion, type ToneType } from '@talkbus/rtp';
import { Pacer, type Clock, type TimerHandle } from '@talkbus/runtime';
import { AudioDevices } from './devices.ts';
import { Endpoint } from './endpoint.ts';
import { FRAME_SAMPLES, toneSource } from './local-audio.ts';
import { PeerStream } from './peer-stream.ts';
import { colocate, placeNear } from './placement.ts';
import { PortAllocator } from './ports.ts';
import { WorkerPool, type WorkerSlot } from './worker-pool.ts';
import type { UnroutedPacket } from './worker-log.ts';

/** Settings of the media service. */
export interface MediaSettings {
  workers: number;
  workerBin: string;
  listenIp: string;
  announcedAddress: string | undefined;
  portMin: number;
  portMax: number;
  /** No RTP for this long → `media.rtpTimeout`, ms. */
  rtpTimeoutMs: number;
  /** How often producers' counters are read, ms. */
  rtpCheckMs: number;
  dataDir: string;
  toneRegion: ToneRegion;
}

type Publish = <N extends keyof EventMap>(name: N, payload: EventMap[N]) => void;

/** A local mix (3-way conference) of several G.711 calls. */
interface Mix {
  id: string;
  endpoints: Endpoint[];
  mixer: G711Mixer;
  /** The local input's frame and each input's mix-minus-one output (index 0: the local side). */
  local: Uint8Array;
  outputs: Uint8Array[];
}

/** The media service's state. */
export class MediaCore {
  readonly settings: MediaSettings;
  readonly devices: AudioDevices;
  readonly endpoints = new Map<string, Endpoint>();
  readonly mixes = new Map<string, Mix>();
  readonly pool: WorkerPool;
  readonly #clock: Clock;
  readonly #publish: Publish;
  readonly #log: (level: 'warn' | 'error', message: string) => void;
  readonly #ports: PortAllocator;
  readonly #pacer: Pacer;
  #checkTimer: TimerHandle | undefined;
  #mixCounter = 0;

  constructor(
    settings: MediaSettings,
    clock: Clock,
    publish: Publish,
    log: (level: 'warn' | 'error', message: string) => void,
  ) {
    this.settings = settings;
    this.#clock = clock;
    this.#publish = publish;
    this.#log = log;
    this.devices = new AudioDevices(settings.dataDir);
    this.#ports = new PortAllocator(settings.portMin, settings.portMax);
    this.pool = new WorkerPool({
      size: settings.workers,
      workerBin: settings.workerBin,
      clock,
      onWorkerDied: (slot, error) => this.#workerDied(slot, error),
      onRestartFailed: (slot, error) =>
        log('error', `mediasoup worker ${slot.index} did not restart: ${error.message}`),
    });
    this.#pacer = new Pacer(clock, 20, () => this.#tick());
  }

  async start(): Promise<void> {
    await this.pool.start();
    this.#pacer.start();
    this.#scheduleCheck();
  }

  /** Closes every endpoint and worker; every port, timer and file is released. */
  async stop(): Promise<void> {
    this.#pacer.stop();
    if (this.#checkTimer !== undefined) this.#clock.clearTimeout(this.#checkTimer);
    this.mixes.clear();
    await Promise.allSettled([...this.endpoints.values()].map((endpoint) => this.close(endpoint.sessionId)));
    this.pool.close();
  }

  /** The endpoint of a session, or MEDIA_ENDPOINT_NOT_FOUND. */
  get(sessionId: string): Endpoint {
    const endpoint = this.endpoints.get(sessionId);
    if (!endpoint)
      throw new TalkbusError(ErrorCode.MEDIA_ENDPOINT_NOT_FOUND, `No media endpoint for session ${sessionId}`, {
        sessionId,
      });
    return endpoint;
  }

  /** Creates an endpoint: a PlainTransport per kind on the least loaded worker. */
  async create(options: {
    sessionId: string;
    account: string;
    audio: boolean;
    video: boolean;
    comedia: boolean;
    rtcpMux: boolean;
    srtpSuite: PeerStream['address']['srtpSuite'];
    portMin: number | undefined;
    portMax: number | undefined;
    listenIp: string | undefined;
    announcedAddress: string | undefined;
    /** Placement hint: the worker of this session's endpoint, when it is alive. */
    colocateWith?: string | undefined;
  }): Promise<Endpoint> {
    if (this.endpoints.has(options.sessionId)) {
      throw new TalkbusError(
        ErrorCode.MEDIA_ENDPOINT_EXISTS,
        `Session ${options.sessionId} already has a media endpoint`,
        { sessionId: options.sessionId },
      );
    }
    const slot = placeNear(
      this.pool,
      options.colocateWith === undefined ? undefined : this.endpoints.get(options.colocateWith),
    );
    if (!slot) throw new TalkbusError(ErrorCode.MEDIA_WORKER_UNAVAILABLE, 'No mediasoup worker is running');
    const listenIp = options.listenIp ?? this.settings.listenIp;
    const announcedAddress = options.announcedAddress ?? this.settings.announcedAddress;
    const streams: PeerStream[] = [];
    const kinds = [...(options.audio ? (['audio'] as const) : []), ...(options.video ? (['video'] as const) : [])];
    const address = { listenIp, announcedAddress, comedia: options.comedia, srtpSuite: options.srtpSuite };
    const range = { portMin: options.portMin, portMax: options.portMax };
    try {
      for (const kind of kinds) streams.push(await this.#openStream(kind, slot, address, options.rtcpMux, range));
    } catch (err) {
      for (const stream of streams) this.#release(stream);
      throw err;
    }
    const endpoint = new Endpoint({
      sessionId: options.sessionId,
      account: options.account,
      address: announcedAddress ?? listenIp,
      portRange: range,
      ...(options.audio ? { audio: streams[0]! } : {}),
      ...(options.video ? { video: streams[options.audio ? 1 : 0]! } : {}),
      host: {
        now: () => this.#clock.now(),
        inputState: () => ({
          muted: this.devices.inputMuted,
          volume: this.devices.inputVolume,
          source: () => this.devices.inputSource(),
        }),
        outputState: (sessionId) => ({ gain: this.devices.outputGain, wavPath: this.devices.wavPath(sessionId) }),
        dtmf: (source, report) => this.#dtmf(source, report),
        log: this.#log,
      },
    });
    endpoint.inputSource = this.devices.inputSource();
    this.endpoints.set(options.sessionId, endpoint);
    this.#place(endpoint, slot);
    const wav = this.devices.wavPath(options.sessionId);
    if (wav) {
      await mkdir(path.dirname(wav), { recursive: true });
      await endpoint.setSink(wav);
    }
    return endpoint;
  }

  /** Binds an even port in the range and opens a PlainTransport stream on it. */
  #openStream(
    kind: 'audio' | 'video',
    slot: WorkerSlot,
    address: Omit<PeerStream['address'], 'port'>,
    rtcpMux: boolean,
    range: { portMin: number | undefined; portMax: number | undefined },
  ): Promise<PeerStream> {
    return this.#ports.bind(
      range.portMin ?? this.settings.portMin,
      range.portMax ?? this.settings.portMax,
      async (port) => {
        const candidate = new PeerStream(kind, slot, this.pool, { ...address, port }, rtcpMux);
        await candidate.open();
        return candidate;
      },
    );
  }

  /**
   * Adds a video PlainTransport to an endpoint made audio-only (guide §6.3, `Mtc_SessUpdate`
   * adding video, or the peer's re-INVITE adding it), on the audio's worker and with its
   * address, comedia, rtcp-mux and SRTP suite. A no-op when the endpoint has video.
   */
  async addVideo(sessionId: string): Promise<Endpoint> {
    const endpoint = this.get(sessionId);
    if (endpoint.video || !endpoint.audio) return endpoint;
    const { port: _port, ...address } = endpoint.audio.address;
    endpoint.video = await this.#openStream(
      'video',
      endpoint.audio.slot,
      address,
      endpoint.audio.rtcpMux,
      endpoint.portRange,
    );
    if (endpoint.closed) {
      this.#release(endpoint.video);
      endpoint.video = undefined;
    }
    return endpoint;
  }

  /** Counts the endpoint on a worker and listens there for its peers' unroutable packets. */
  #place(endpoint: Endpoint, slot: WorkerSlot): void {
    slot.load++;
    const learn = (packet: UnroutedPacket) => this.#learn(endpoint, packet);
    slot.unrouted.add(learn);
    endpoint.stopLearning = () => {
      slot.unrouted.delete(learn);
      slot.load = Math.max(0, slot.load - 1);
    };
  }

  /** See {@link colocate}: moves one endpoint of a bridge to the other's worker when it can. */
  colocate(endpoint: Endpoint, other: Endpoint): Promise<boolean> {
    return colocate(endpoint, other, (moving, slot) => {
      moving.stopLearning?.();
      this.#place(moving, slot);
    });
  }

  #release(stream: PeerStream): void {
    stream.close();
    this.#ports.release(stream.address.port);
  }

  /** Closes an endpoint and frees its ports, transports, files; leaves mixes and bridges. */
  async close(sessionId: string): Promise<void> {
    const endpoint = this.get(sessionId);
    this.endpoints.delete(sessionId);
    endpoint.stopLearning?.();
    const partner = endpoint.bridgedTo;
    endpoint.bridgedTo = undefined;
    if (partner) {
      partner.bridgedTo = undefined;
      await partner.rewireOut().catch(() => undefined);
    }
    for (const mix of this.mixes.values()) if (mix.endpoints.includes(endpoint)) this.stopMix(mix.id);
    await endpoint.close();
    for (const stream of [endpoint.audio, endpoint.video]) if (stream) this.#ports.release(stream.address.port);
  }

  /** SSRC learning: an unroutable packet on this endpoint's worker may be its peer's. */
  #learn(endpoint: Endpoint, packet: UnroutedPacket): void {
    for (const stream of [endpoint.audio, endpoint.video]) {
      const params = stream?.params;
      if (
        !stream ||
        !params?.accepted ||
        stream.producer ||
        stream.trialRunning ||
        stream.rejectedSsrcs.has(packet.ssrc) ||
        // An SSRC the SDP announced (a=ssrc, e.g. baresip) gets its producer from `update`; a
        // trial for it here races that one ("ssrc already exists in RTP listener").
        params.remote.ssrcs?.includes(packet.ssrc)
      )
        continue;
      if (params.codecs[0]?.localPayloadType !== packet.payloadType) continue;
      stream.trialRunning = true;
      endpoint
        .adoptProducer(stream, packet.ssrc, true)
        .then((adopted) => {
          if (adopted) this.#started(endpoint, stream);
        })
        .catch((err: unknown) =>
          this.#log('warn', `${endpoint.sessionId}: SSRC ${packet.ssrc}: ${(err as Error).message}`),
        )
        .finally(() => (stream.trialRunning = false));
    }
  }

  #started(endpoint: Endpoint, stream: PeerStream): void {
    if (stream.rtpStarted) return;
    stream.rtpStarted = true;
    stream.lastRtpAt = this.#clock.now();
    this.#publish('media.rtpStarted', {
      sessionId: endpoint.sessionId,
      account: endpoint.account,
      kind: stream.kind,
      ssrc: stream.remoteSsrc ?? 0,
      payloadType: stream.params?.codecs[0]?.localPayloadType ?? 0,
    });
  }

  #scheduleCheck(): void {
    this.#checkTimer = this.#clock.setTimeout(() => {
      void this.#checkRtp().finally(() => this.#scheduleCheck());
    }, this.settings.rtpCheckMs);
  }

  /** Reads producers' counters: RTP started, RTP timeout (no packet for `rtpTimeoutMs`). */
  async #checkRtp(): Promise<void> {
    const now = this.#clock.now();
    for (const endpoint of [...this.endpoints.values()]) {
      for (const stream of [endpoint.audio, endpoint.video]) {
        if (!stream?.params?.accepted || !stream.receives || endpoint.closed) continue;
        const stats =
          stream.producer && !stream.producer.closed ? await stream.producer.getStats().catch(() => []) : [];
        const count = stats.reduce((sum, entry) => sum + entry.packetCount, 0);
        if (count > stream.lastPacketCount) {
          stream.lastPacketCount = count;
          stream.lastRtpAt = now;
          stream.timedOut = false;
          this.#started(endpoint, stream);
          continue;
        }
        const since = stream.lastRtpAt || endpoint.negotiatedAt;
        if (!stream.timedOut && now - since >= this.settings.rtpTimeoutMs) {
          stream.timedOut = true;
          this.#publish('media.rtpTimeout', {
            sessionId: endpoint.sessionId,
            account: endpoint.account,
            kind: stream.kind,
            silentForMs: Math.round(now - since),
          });
        }
      }
    }
  }

  #dtmf(endpoint: Endpoint, report: TelephoneEventReport): void {
    if (!report.key) return;
    this.#publish('media.dtmfReceived', {
      sessionId: endpoint.sessionId,
      account: endpoint.account,
      key: report.key,
      event: report.event,
      durationMs: Math.round(report.durationMs),
      method: 'rfc4733',
    });
  }

  #workerDied(slot: WorkerSlot, error: Error): void {
    this.#log('error', `mediasoup worker ${slot.index} (pid ${slot.pid}) died: ${error.message}; restarting`);
    for (const endpoint of [...this.endpoints.values()]) {
      if ((endpoint.audio ?? endpoint.video)!.slot !== slot) continue;
      this.#publish('media.endpointFailed', {
        sessionId: endpoint.sessionId,
        account: endpoint.account,
        reason: 'worker-died',
        message: `The media worker carrying this call died: ${error.message}`,
      });
      void this.close(endpoint.sessionId).catch(() => undefined);
    }
  }

  /** One 20 ms tick: local mixes first (they feed the senders), then every endpoint. */
  #tick(): void {
    for (const mix of this.mixes.values()) this.#mixTick(mix);
    for (const endpoint of this.endpoints.values()) endpoint.tick();
  }

  /**
   * One frame of a local mix: every call gets the sum of the local input and the other calls
   * (the rtp package's mix-minus-one, so no call hears itself), sent on its next tick.
   */
  #mixTick(mix: Mix): void {
    const first = mix.endpoints[0]?.sender;
    if (!first) return;
    const input = { muted: this.devices.inputMuted, volume: this.devices.inputVolume };
    first.readInput(input, mix.local);
    const inputs: (Uint8Array | undefined)[] = [mix.local];
    for (const endpoint of mix.endpoints) {
      const frame = endpoint.receiver?.frames.shift();
      inputs.push(frame && !endpoint.speakerMuted ? frame : undefined);
    }
    mix.mixer.mixMinusOne(inputs, mix.outputs);
    mix.endpoints.forEach((endpoint, index) => {
      if (endpoint.sender && !endpoint.micMuted) endpoint.sender.nextEncoded = mix.outputs[index + 1];
    });
  }

  /** Local mix on (guide: 3-way conference): each call hears the others. G.711 only. */
  async startMix(sessionIds: string[]): Promise<string> {
    const endpoints = sessionIds.map((id) => this.get(id));
    const law = endpoints[0]!.law;
    for (const endpoint of endpoints) {
      if (!endpoint.audio?.params)
        throw new TalkbusError(
          ErrorCode.MEDIA_NOT_NEGOTIATED,
          `Session ${endpoint.sessionId} has no negotiated audio`,
          { sessionId: endpoint.sessionId },
        );
      if (!endpoint.law || endpoint.law !== law) {
        throw new TalkbusError(
          ErrorCode.MEDIA_CODEC_NOT_G711,
          `Mixing needs G.711 with one law on every call; ${endpoint.sessionId} uses ${endpoint.audio.params.codecs[0]?.name}`,
          {
            sessionId: endpoint.sessionId,
          },
        );
      }
    }
    const id = `mix-${++this.#mixCounter}`;
    const outputs = Array.from({ length: endpoints.length + 1 }, () => new Uint8Array(FRAME_SAMPLES));
    const mix: Mix = {
      id,
      endpoints,
      mixer: new G711Mixer({ law: law! }),
      local: new Uint8Array(FRAME_SAMPLES),
      outputs,
    };
    this.mixes.set(id, mix);
    for (const endpoint of endpoints) {
      endpoint.receiver!.mixing = true;
      await endpoint.refreshTap();
    }
    return id;
  }

  /** Local mix off. */
  stopMix(id: string): void {
    const mix = this.mixes.get(id);
    if (!mix) throw new TalkbusError(ErrorCode.MEDIA_MIX_NOT_FOUND, `No local mix ${id}`, { mixId: id });
    this.mixes.delete(id);
    for (const endpoint of mix.endpoints) {
      if (endpoint.sender) endpoint.sender.nextEncoded = undefined;
      if (endpoint.receiver) {
        endpoint.receiver.mixing = false;
        endpoint.receiver.frames.length = 0;
      }
      void endpoint.refreshTap().catch(() => undefined);
    }
  }

  /** A ring/tone for the local side of a call (guide §6.9.1), as a source. */
  tone(tone: MediaTone, region: ToneRegion | undefined) {
    return toneSource(tonePlan(region ?? this.settings.toneRegion, tone as ToneType));
  }
}
