/**
 * A call's media endpoint: its streams towards the SIP peer and what the local side says and
 * hears. Audio plumbing (made again after each negotiation that changes the transport):
 *
 *   peer ──RTP──▶ PlainTransport ─▶ producer ─┬─▶ DirectTransport consumer ─▶ Node (DTMF, WAV, mix)
 *                                             └─▶ a bridged call's PlainTransport consumer
 *   peer ◀──RTP── PlainTransport ◀─ consumer ◀── Node's DirectTransport producer (20 ms pacing)
 *                                             or the bridged call's producer (piped if on another router)
 */
import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import type { MediaEndpointInfo, MediaInput, MediaOutput, MediaStreamParams } from '@talkbus/contracts';
import type { TelephoneEventReport } from '@talkbus/rtp';
import { AudioOutput, WavSink } from './audio-output.ts';
import { LocalAudioSender, FRAME_SAMPLES, g711LawOf, silenceSource, type AudioSource } from './local-audio.ts';
import type { PeerStream } from './peer-stream.ts';
import { DTMF_KEY, codecKey } from './router-codecs.ts';
import type { VideoInput } from './video-input.ts';
import type { WebRtcPeer } from './webrtc.ts';
import type { WorkerSlot } from './worker-pool.ts';

/** What an endpoint needs from the service around it. */
export interface EndpointHost {
  now(): number;
  /** Input volume/mute of the input device and the source a `device` input reads. */
  inputState(): { muted: boolean; volume: number; source: () => AudioSource };
  /** Output gain (0 when the device is muted) and the WAV path of the `wav` output device. */
  outputState(sessionId: string): { gain: number; wavPath: string | undefined };
  dtmf(endpoint: Endpoint, report: TelephoneEventReport): void;
  log(level: 'warn' | 'error', message: string): void;
}

/** The state of one call's media. */
export class Endpoint {
  readonly id = randomUUID();
  readonly sessionId: string;
  readonly account: string;
  readonly address: string;
  readonly audio: PeerStream | undefined;
  /** Added later by `MediaCore.addVideo` when the call was made audio-only. */
  video: PeerStream | undefined;
  /** The RTP port range the endpoint was made with (for a stream added later). */
  readonly portRange: { portMin: number | undefined; portMax: number | undefined };
  readonly #host: EndpointHost;
  micMuted = false;
  speakerMuted = false;
  input: MediaInput = { kind: 'device' };
  output: MediaOutput = { kind: 'device' };
  earlyMedia: 'local-ringback' | 'network' = 'network';
  bridgedTo: Endpoint | undefined;
  /** A tone the local side hears instead of the network (ring.play, local ringback). */
  outputTone: AudioSource | undefined;
  inputSource: AudioSource = silenceSource;
  // audio plumbing
  direct: types.DirectTransport | undefined;
  sender: LocalAudioSender | undefined;
  outConsumer: types.Consumer | undefined;
  #pipeProducer: types.Producer | undefined;
  tap: types.Consumer | undefined;
  receiver: AudioOutput | undefined;
  sink: WavSink | undefined;
  negotiatedAt = 0;
  closed = false;
  /** What the local side shows (ffmpeg → RTP), started once video is negotiated. */
  videoInput: VideoInput | undefined;
  /** A browser's WebRTC transport (webrtc.ts): its microphone replaces the virtual input. */
  browser: WebRtcPeer | undefined;
  /** Set by the core: leaves the worker's load count and SSRC learning. */
  stopLearning: (() => void) | undefined;

  constructor(options: {
    sessionId: string;
    account: string;
    address: string;
    audio?: PeerStream;
    video?: PeerStream;
    portRange?: { portMin: number | undefined; portMax: number | undefined };
    host: EndpointHost;
  }) {
    this.portRange = options.portRange ?? { portMin: undefined, portMax: undefined };
    this.sessionId = options.sessionId;
    this.account = options.account;
    this.address = options.address;
    this.audio = options.audio;
    this.video = options.video;
    this.#host = options.host;
  }

  get slotPid(): number {
    return (this.audio ?? this.video)!.slot.pid;
  }

  /** The negotiated G.711 law of the audio stream, if it is G.711. */
  get law() {
    const codec = this.audio?.params?.codecs[0];
    return codec ? g711LawOf(codec.name) : undefined;
  }

  /** Applies a negotiation to each stream; re-wires audio when its transport changed. */
  async update(streams: readonly MediaStreamParams[]): Promise<void> {
    for (const params of streams) {
      const stream = params.kind === 'audio' ? this.audio : this.video;
      if (!stream) continue;
      const outcome = await stream.apply(params);
      if (this.negotiatedAt === 0) this.negotiatedAt = this.#host.now();
      if (outcome !== 'unchanged') {
        stream.producer = undefined;
        stream.rejectedSsrcs.clear();
        const announced = params.remote.ssrcs?.[0];
        if (stream.kind === 'audio') await this.wireAudio();
        else await this.videoInput?.start(stream);
        if (announced !== undefined && params.accepted) await this.adoptProducer(stream, announced, false);
      }
      await this.applyDirection(stream);
    }
  }

  /**
   * Whether the endpoint may still move to another worker: no RTP has started on it, no SSRC
   * trial is running, it is in no local mix, and no SRTP (a new transport has a new key, and ours is already in the SDP).
   */
  get movable(): boolean {
    const streams = [this.audio, this.video].filter((stream) => stream !== undefined);
    return (
      !this.closed &&
      !(this.receiver?.mixing ?? false) &&
      !streams.some((stream) => stream.rtpStarted || stream.trialRunning || stream.address.srtpSuite !== undefined)
    );
  }

  /**
   * Moves every stream to another worker (pool placement: a bridge's legs on one worker need no
   * `pipeToRouter`), then makes the audio plumbing and the known SSRCs' producers again there.
   */
  async moveTo(slot: WorkerSlot): Promise<void> {
    this.#closeAudioPlumbing();
    for (const stream of [this.audio, this.video]) {
      if (!stream) continue;
      const ssrc = stream.remoteSsrc;
      await stream.moveTo(slot);
      stream.remoteSsrc = null;
      if (stream.kind === 'audio') await this.wireAudio();
      else await this.videoInput?.start(stream);
      if (ssrc !== null && stream.params?.accepted) await this.adoptProducer(stream, ssrc, false);
      await this.applyDirection(stream);
    }
  }

  /** Pauses/resumes what flows, per direction and mute: hold really stops RTP. */
  async applyDirection(stream: PeerStream): Promise<void> {
    const producer = stream.producer;
    if (producer && !producer.closed) {
      if (stream.receives && producer.paused) await producer.resume();
      else if (!stream.receives && !producer.paused) await producer.pause();
    }
    if (stream === this.video) await this.videoInput?.applyDirection(stream.sends);
    if (stream === this.audio) {
      const consumer = this.outConsumer;
      const send = stream.sends && !(this.micMuted && (this.bridgedTo || this.browser?.speaking));
      if (consumer && !consumer.closed) {
        if (send && consumer.paused) await consumer.resume();
        else if (!send && !consumer.paused) await consumer.pause();
      }
    }
  }

  /** (Re)makes the audio plumbing after a negotiation: local producer, out consumer, tap. */
  async wireAudio(): Promise<void> {
    const stream = this.audio;
    this.#closeAudioPlumbing();
    if (!stream?.params?.accepted || !stream.params.codecs[0]) return;
    const law = this.law;
    const eventPayloadType =
      stream.params.telephoneEvent?.clockRate === 8000 ? stream.routerPayloadType(DTMF_KEY) : undefined;
    this.direct = await stream.router.createDirectTransport();
    if (law) {
      const codec = stream.params.codecs[0];
      const key = codecKey('audio', codec.name, codec.clockRate)!;
      const ssrc = (Math.random() * 0xffffffff) >>> 0;
      const payloadType = stream.routerPayloadType(key)!;
      const codecs: types.RtpCodecParameters[] = [
        { mimeType: `audio/${codec.name.toUpperCase()}`, payloadType, clockRate: 8000 },
      ];
      if (eventPayloadType !== undefined)
        codecs.push({ mimeType: 'audio/iLBC', payloadType: eventPayloadType, clockRate: 8000 });
      const producer = await this.direct.produce({ kind: 'audio', rtpParameters: { codecs, encodings: [{ ssrc }] } });
      this.sender = new LocalAudioSender({
        law,
        payloadType,
        ssrc,
        eventPayloadType,
        send: (packet) => producer.send(packet),
      });
      this.sender.source = this.inputSource;
      (this.sender as { producer?: types.Producer }).producer = producer;
    }
    this.receiver = new AudioOutput({
      law,
      eventPayloadType,
      now: () => this.#host.now(),
      onDtmf: (report) => this.#host.dtmf(this, report),
    });
    await this.rewireOut();
  }

  /** The producer our out consumer takes: the bridged call's, else Node's. */
  async rewireOut(): Promise<void> {
    const stream = this.audio;
    if (!stream?.params?.accepted || this.closed) return;
    if (this.outConsumer && !this.outConsumer.closed) this.outConsumer.close();
    this.outConsumer = undefined;
    if (this.#pipeProducer && !this.#pipeProducer.closed) this.#pipeProducer.close();
    this.#pipeProducer = undefined;
    let source: types.Producer | undefined;
    let sourceRouter = stream.router;
    const partner = this.bridgedTo?.audio;
    if (partner) {
      const producer = partner.producer;
      if (!producer || producer.closed) return; // wired when the partner's SSRC is known
      source = producer;
      sourceRouter = partner.router;
    } else if (this.browser?.speaking) {
      // A browser's microphone (webrtc.ts) says what the virtual input would.
      source = this.browser.producer;
      sourceRouter = this.browser.router;
    } else {
      source = (this.sender as { producer?: types.Producer } | undefined)?.producer;
    }
    if (!source) return;
    if (sourceRouter !== stream.router) {
      const { pipeProducer } = await sourceRouter.pipeToRouter({
        producerId: source.id,
        router: stream.router,
        keepId: false,
      });
      this.#pipeProducer = pipeProducer;
      source = pipeProducer;
    }
    if (!source) return;
    try {
      this.outConsumer = await stream.transport.consume({
        producerId: source.id,
        rtpCapabilities: stream.consumeCapabilities(),
        paused: true,
      });
    } catch (err) {
      this.#host.log(
        'warn',
        `${this.sessionId}: cannot send ${stream.params.codecs[0]!.name} to the peer: ${(err as Error).message}`,
      );
      return;
    }
    await this.applyDirection(stream);
  }

  /** Makes the producer of what the peer sends, for an SSRC; `trial` keeps it only if packets come. */
  async adoptProducer(stream: PeerStream, ssrc: number, trial: boolean): Promise<boolean> {
    const producer = await stream.transport.produce({
      kind: stream.kind,
      rtpParameters: stream.producerParameters(ssrc),
    });
    if (trial) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const stats = await producer.getStats().catch(() => []);
      if (!stats.some((entry) => entry.packetCount > 0) || stream.closed || this.closed) {
        producer.close();
        stream.rejectedSsrcs.add(ssrc);
        return false;
      }
    }
    const previous = stream.producer;
    stream.producer = producer;
    stream.remoteSsrc = ssrc;
    if (previous && !previous.closed) previous.close();
    await this.applyDirection(stream);
    if (stream === this.audio) {
      await this.#openTap();
      if (this.bridgedTo) await this.bridgedTo.rewireOut();
    } else if (this.bridgedTo?.video) await this.#bridgeVideo();
    return true;
  }

  /** The Node tap on the peer's audio: only the DTMF carrier unless audio is needed. */
  async #openTap(): Promise<void> {
    const stream = this.audio!;
    if (this.tap && !this.tap.closed) this.tap.close();
    this.tap = undefined;
    const producer = stream.producer;
    if (!producer || !this.direct || !this.receiver) return;
    // A consumer forwards only its codecs: a carrier-only tap costs Node nothing per audio packet.
    const caps = stream.router.rtpCapabilities.codecs ?? [];
    const wantAudio = this.needsAudio;
    const codecs = caps.filter((codec) =>
      codec.mimeType === 'audio/iLBC'
        ? stream.params?.telephoneEvent !== undefined
        : wantAudio && codec.mimeType.toUpperCase() === `AUDIO/${stream.params!.codecs[0]!.name.toUpperCase()}`,
    );
    if (codecs.length === 0) return;
    // mediasoup wants the media codec first when there is one.
    codecs.sort((a) => (a.mimeType === 'audio/iLBC' ? 1 : -1));
    this.tap = await this.direct.consume({ producerId: producer.id, rtpCapabilities: { codecs } });
    const receiver = this.receiver;
    this.tap.on('rtp', (data: Buffer) => {
      const pcm = receiver.receive(data);
      if (pcm && this.sink && !this.outputTone) {
        const { gain } = this.#host.outputState(this.sessionId);
        this.sink.write(pcm, this.speakerMuted ? 0 : gain);
      }
    });
  }

  /** Whether Node must read the peer's audio (a WAV output or a local mix). */
  get needsAudio(): boolean {
    return this.sink !== undefined || (this.receiver?.mixing ?? false);
  }

  /** Re-opens the tap after the output or mix changed. */
  async refreshTap(): Promise<void> {
    if (this.audio?.producer) await this.#openTap();
  }

  async #bridgeVideo(): Promise<void> {
    // Video follows audio: each side consumes the other's video producer (no Node processing).
    const mine = this.video;
    const theirs = this.bridgedTo?.video;
    if (!mine?.params?.accepted || !theirs?.producer || mine.router !== theirs.router) return;
    await mine.transport
      .consume({ producerId: theirs.producer.id, rtpCapabilities: mine.consumeCapabilities() })
      .catch(() => undefined);
  }

  /** One 20 ms tick: Node's audio for the peer and the local output's tone. */
  tick(): void {
    if (this.closed) return;
    const { muted, volume } = this.#host.inputState();
    // Only while the consumer towards the peer is live: a key press must not start into a paused or missing one.
    const live = this.outConsumer !== undefined && !this.outConsumer.closed && !this.outConsumer.paused;
    if (this.sender && !this.bridgedTo && live) this.sender.tick({ muted: muted || this.micMuted, volume });
    if (this.outputTone && this.sink) {
      const frame = new Int16Array(FRAME_SAMPLES);
      this.outputTone.read(frame);
      const { gain } = this.#host.outputState(this.sessionId);
      this.sink.write(frame, this.speakerMuted ? 0 : gain);
    }
    this.receiver?.poll();
  }

  /** Sets the WAV sink for an output (closing the previous one). */
  async setSink(path: string | undefined): Promise<void> {
    const previous = this.sink;
    this.sink = path === undefined ? undefined : new WavSink(path);
    await previous?.close();
    await this.refreshTap();
  }

  #closeAudioPlumbing(): void {
    this.sender?.close();
    this.sender = undefined;
    for (const closable of [this.tap, this.outConsumer, this.#pipeProducer, this.direct])
      if (closable && !closable.closed) closable.close();
    this.tap = undefined;
    this.outConsumer = undefined;
    this.#pipeProducer = undefined;
    this.direct = undefined;
  }

  /** Frees everything: transports (and their producers/consumers), sinks, pending DTMF. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.browser?.close();
    this.browser = undefined;
    this.#closeAudioPlumbing();
    await this.videoInput?.stop();
    this.audio?.close();
    this.video?.close();
    await this.sink?.close();
    this.sink = undefined;
  }

  /** The endpoint as actions report it. */
  info(): MediaEndpointInfo {
    const port = (stream: PeerStream | undefined) =>
      stream
        ? {
            port: stream.address.port,
            rtcpPort: stream.rtcpMux ? stream.address.port : stream.address.port + 1,
            srtp: stream.localSrtp,
          }
        : null;
    return {
      endpointId: this.id,
      sessionId: this.sessionId,
      account: this.account,
      workerPid: this.slotPid,
      address: this.address,
      audio: port(this.audio),
      video: port(this.video),
      negotiated: this.negotiatedAt > 0,
      direction: this.audio?.params?.direction ?? null,
      bridgedTo: this.bridgedTo?.sessionId ?? null,
      earlyMedia: this.earlyMedia,
      mic: { muted: this.micMuted },
      speaker: { muted: this.speakerMuted },
      input: this.input,
      output: this.output,
    };
  }
}
