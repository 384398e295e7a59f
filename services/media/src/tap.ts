/**
 * Taps: a copy of one side of a call's RTP sent to a UDP address, for the recorder (in this
 * process or another; the same loopback path either way, ARCHITECTURE.md "Media").
 *
 *   source producer ─▶ PlainTransport consumer (the tap's own transport) ──RTP──▶ target ip:port
 *
 * The source is what we `receive` (the peer's producer) or what we `send` (the producer our
 * consumer towards the peer takes: Node's DirectTransport producer or the bridged call's). It
 * changes under the tap — SSRC learnt late, a re-INVITE that rebuilds the transport, a bridge —
 * so the manager re-checks every tap's source on a short period and re-wires it when it moved,
 * and closes the tap (event `media.tapClosed`) when the endpoint is gone.
 *
 * The tap sends with the router's payload types (mediasoup never rewrites them; see
 * `router-codecs.ts`), so {@link Tap.info} reports the codec to decode with.
 */
import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import {
  ErrorCode,
  TalkbusError,
  type EventMap,
  type MediaTapCodec,
  type MediaTapDirection,
  type MediaTapInfo,
} from '@talkbus/contracts';
import type { Clock, TimerHandle } from '@talkbus/runtime';
import type { Endpoint } from './endpoint.ts';
import type { MediaCore } from './media-core.ts';
import { DTMF_CARRIER_MIME } from './router-codecs.ts';

/** Where a tap sends: RTCP muxed on `port` unless `rtcpPort` is given. */
export interface TapTarget {
  ip: string;
  port: number;
  rtcpPort?: number | undefined;
}

/** The producer a tap copies, on the router it lives on. */
interface TapSource {
  router: types.Router;
  producerId: string;
}

type Publish = <N extends keyof EventMap>(name: N, payload: EventMap[N]) => void;

/** How often sources are re-checked, ms. */
const CHECK_MS = 100;

/**
 * The producer that one side of an endpoint's media comes from now, or undefined while there is
 * none (not negotiated, peer's SSRC not learnt, nothing sent).
 */
export function tapSourceOf(
  endpoint: Endpoint,
  kind: 'audio' | 'video',
  direction: MediaTapDirection,
): TapSource | undefined {
  const stream = kind === 'audio' ? endpoint.audio : endpoint.video;
  if (!stream?.params?.accepted || stream.closed) return undefined;
  if (direction === 'receive') {
    const producer = stream.producer;
    return producer && !producer.closed ? { router: stream.router, producerId: producer.id } : undefined;
  }
  if (kind === 'audio') {
    const consumer = endpoint.outConsumer;
    return consumer && !consumer.closed ? { router: stream.router, producerId: consumer.producerId } : undefined;
  }
  // Video we send is a bridged call's video (relayed on the same router, endpoint.ts #bridgeVideo).
  const theirs = endpoint.bridgedTo?.video?.producer;
  return theirs && !theirs.closed && endpoint.bridgedTo!.video!.router === stream.router
    ? { router: stream.router, producerId: theirs.id }
    : undefined;
}

/** One tap. */
export class Tap {
  readonly id = randomUUID();
  readonly endpoint: Endpoint;
  readonly kind: 'audio' | 'video';
  readonly direction: MediaTapDirection;
  readonly target: TapTarget;
  readonly requestKeyFrame: boolean;
  transport: types.PlainTransport | undefined;
  consumer: types.Consumer | undefined;
  producerId: string | undefined;
  closed = false;
  /** Serialises re-wiring: one attach or detach at a time. */
  queue: Promise<void> = Promise.resolve();

  constructor(
    endpoint: Endpoint,
    kind: 'audio' | 'video',
    direction: MediaTapDirection,
    target: TapTarget,
    keyFrame: boolean,
  ) {
    this.endpoint = endpoint;
    this.kind = kind;
    this.direction = direction;
    this.target = target;
    this.requestKeyFrame = keyFrame;
  }

  /** The tap as actions report it, from the node `nodeID`. */
  info(nodeID: string): MediaTapInfo {
    const codec = this.consumer && !this.consumer.closed ? this.consumer.rtpParameters.codecs[0] : undefined;
    const tapCodec: MediaTapCodec | null = codec
      ? {
          mimeType: codec.mimeType,
          payloadType: codec.payloadType,
          clockRate: codec.clockRate,
          ...(codec.channels ? { channels: codec.channels } : {}),
          parameters: { ...(codec.parameters as Record<string, string | number>) },
        }
      : null;
    return {
      tapId: this.id,
      nodeID,
      sessionId: this.endpoint.sessionId,
      account: this.endpoint.account,
      kind: this.kind,
      direction: this.direction,
      target: { ip: this.target.ip, port: this.target.port, rtcpPort: this.target.rtcpPort ?? null },
      codec: tapCodec,
      ssrc: tapCodec ? (this.consumer!.rtpParameters.encodings?.[0]?.ssrc ?? null) : null,
    };
  }

  /** Closes the transport (and its consumer). */
  detach(): void {
    if (this.transport && !this.transport.closed) this.transport.close();
    this.transport = undefined;
    this.consumer = undefined;
    this.producerId = undefined;
  }
}

/** The taps of a media service. */
export class TapManager {
  readonly taps = new Map<string, Tap>();
  readonly #core: MediaCore;
  readonly #clock: Clock;
  readonly #publish: Publish;
  readonly #log: (level: 'warn' | 'error', message: string) => void;
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(
    core: MediaCore,
    clock: Clock,
    publish: Publish,
    log: (level: 'warn' | 'error', message: string) => void,
  ) {
    this.#core = core;
    this.#clock = clock;
    this.#publish = publish;
    this.#log = log;
    this.#schedule();
  }

  /** Creates a tap and wires it to its source if there is one already. */
  async create(options: {
    sessionId: string;
    kind: 'audio' | 'video';
    direction: MediaTapDirection;
    target: TapTarget;
    requestKeyFrame: boolean;
  }): Promise<Tap> {
    const endpoint = this.#core.get(options.sessionId);
    if (!(options.kind === 'audio' ? endpoint.audio : endpoint.video)) {
      throw new TalkbusError(
        ErrorCode.MEDIA_NOT_NEGOTIATED,
        `Session ${options.sessionId} has no ${options.kind} stream`,
        {
          sessionId: options.sessionId,
          field: 'kind',
        },
      );
    }
    const tap = new Tap(endpoint, options.kind, options.direction, options.target, options.requestKeyFrame);
    this.taps.set(tap.id, tap);
    try {
      await this.#refresh(tap);
    } catch (err) {
      // A source this tap cannot consume now would fail again on every check: no tap at all.
      this.close(tap.id);
      if (TalkbusError.is(err)) throw err;
      throw new TalkbusError(
        ErrorCode.MEDIA_UNSUPPORTED,
        `Cannot tap the ${options.direction} ${options.kind} of session ${options.sessionId}: ${(err as Error).message}`,
        { sessionId: options.sessionId },
        { cause: err },
      );
    }
    return tap;
  }

  /** A tap by id, or MEDIA_ENDPOINT_NOT_FOUND naming the tap. */
  get(tapId: string): Tap {
    const tap = this.taps.get(tapId);
    if (!tap) throw new TalkbusError(ErrorCode.MEDIA_ENDPOINT_NOT_FOUND, `No media tap ${tapId}`, { tapId });
    return tap;
  }

  /** Closes a tap; false when there was none. */
  close(tapId: string): boolean {
    const tap = this.taps.get(tapId);
    if (!tap) return false;
    this.taps.delete(tapId);
    tap.closed = true;
    // An attach in progress sees `closed` after its next await and lets go of what it made.
    tap.detach();
    return true;
  }

  /** Closes the taps of an endpoint that is closing (event `media.tapClosed`). */
  closeSession(sessionId: string, reason: 'endpoint-closed' | 'shutdown'): void {
    for (const tap of [...this.taps.values()]) {
      if (tap.endpoint.sessionId !== sessionId) continue;
      this.close(tap.id);
      this.#publish('media.tapClosed', { tapId: tap.id, sessionId, account: tap.endpoint.account, reason });
    }
  }

  /** Asks the tap's source for a key frame (RTCP PLI/FIR towards the peer); false for audio or no source. */
  async keyFrame(tapId: string): Promise<boolean> {
    const tap = this.get(tapId);
    await tap.queue;
    if (tap.kind !== 'video' || !tap.consumer || tap.consumer.closed) return false;
    await tap.consumer.requestKeyFrame();
    return true;
  }

  /** Closes every tap (service stopping). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    for (const sessionId of new Set([...this.taps.values()].map((tap) => tap.endpoint.sessionId)))
      this.closeSession(sessionId, 'shutdown');
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      for (const tap of [...this.taps.values()]) void this.#refresh(tap);
      this.#schedule();
    }, CHECK_MS);
  }

  /** Follows the source: re-wires when it moved, detaches when it is gone, closes with the endpoint. */
  #refresh(tap: Tap): Promise<void> {
    const run = tap.queue.then(async () => {
      if (tap.closed) return;
      if (tap.endpoint.closed || this.#core.endpoints.get(tap.endpoint.sessionId) !== tap.endpoint) {
        this.closeSession(tap.endpoint.sessionId, 'endpoint-closed');
        return;
      }
      const source = tapSourceOf(tap.endpoint, tap.kind, tap.direction);
      const live = tap.consumer && !tap.consumer.closed;
      if (source?.producerId === tap.producerId && live) return;
      tap.detach();
      if (source) await this.#attach(tap, source);
    });
    tap.queue = run.catch((err: unknown) => {
      this.#log('warn', `${tap.endpoint.sessionId}: tap ${tap.id}: ${(err as Error).message}`);
      tap.detach();
    });
    return run;
  }

  async #attach(tap: Tap, source: TapSource): Promise<void> {
    const { ip, port, rtcpPort } = tap.target;
    const loopback = ip === '127.0.0.1' || ip === '::1';
    const listenIp = loopback ? ip : this.#core.settings.listenIp;
    const listenInfo: types.TransportListenInfo = { protocol: 'udp', ip: listenIp };
    const transport = await source.router.createPlainTransport({
      listenInfo,
      ...(rtcpPort !== undefined ? { rtcpListenInfo: listenInfo } : {}),
      rtcpMux: rtcpPort === undefined,
      comedia: false,
    });
    tap.transport = transport;
    if (tap.closed) return tap.detach();
    await transport.connect({ ip, port, ...(rtcpPort !== undefined ? { rtcpPort } : {}) });
    // Media codecs of this kind only: not the DTMF carrier, not RTX (the target takes plain RTP).
    const codecs = (source.router.rtpCapabilities.codecs ?? []).filter(
      (codec) => codec.kind === tap.kind && codec.mimeType !== DTMF_CARRIER_MIME && !/\/rtx$/i.test(codec.mimeType),
    );
    const consumer = await transport.consume({ producerId: source.producerId, rtpCapabilities: { codecs } });
    tap.consumer = consumer;
    tap.producerId = source.producerId;
    if (tap.closed) return tap.detach();
    // A source that closes (re-INVITE, endpoint closed) is followed at once, not at the next check.
    consumer.on('producerclose', () => void this.#refresh(tap));
    if (tap.kind === 'video' && tap.requestKeyFrame) await consumer.requestKeyFrame();
  }
}
