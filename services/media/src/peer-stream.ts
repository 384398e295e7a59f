/**
 * One m-line towards the SIP peer: a PlainTransport on a router of the call's payload-type
 * profile, the producer of what the peer sends (its SSRC announced or learnt), and the consumer
 * of what we send. Changing the profile, rtcp-mux, the remote address or the SRTP key rebuilds
 * the transport on the same local port (mediasoup connects a PlainTransport once).
 */
import type { types } from 'mediasoup';
import { ErrorCode, TalkbusError, type MediaSrtpSuite, type MediaStreamParams } from '@talkbus/contracts';
import {
  DTMF_CARRIER_MIME,
  DTMF_KEY,
  capabilityOf,
  codecKey,
  profileName,
  routerCodecs,
  type PayloadProfile,
} from './router-codecs.ts';
import type { WorkerPool, WorkerSlot } from './worker-pool.ts';

/** Where the stream listens. */
export interface StreamAddress {
  listenIp: string;
  announcedAddress: string | undefined;
  port: number;
  comedia: boolean;
  srtpSuite: MediaSrtpSuite | undefined;
}

/** The payload types this stream sends with (RFC 3264 §5.1: the peer's numbers). */
export function profileOf(params: MediaStreamParams | undefined): PayloadProfile {
  const profile = new Map<string, number>();
  const codec = params?.codecs[0];
  if (params && codec) {
    const key = codecKey(params.kind, codec.name, codec.clockRate);
    if (key) profile.set(key, codec.payloadType);
    if (params.telephoneEvent && params.telephoneEvent.clockRate === 8000)
      profile.set(DTMF_KEY, params.telephoneEvent.payloadType);
  }
  return profile;
}

function transportKey(params: MediaStreamParams | undefined, rtcpMux: boolean): string {
  if (!params) return `none/${rtcpMux}`;
  const r = params.remote;
  return JSON.stringify([
    [...profileOf(params)],
    params.rtcpMux,
    r.address,
    r.port,
    r.rtcpPort,
    params.crypto?.remoteKeyBase64,
  ]);
}

/** One m-line's transport and the producer of the peer's media. */
export class PeerStream {
  readonly kind: 'audio' | 'video';
  /** The worker carrying it; changes only through {@link PeerStream.moveTo}. */
  slot: WorkerSlot;
  readonly #pool: WorkerPool;
  readonly address: StreamAddress;
  router!: types.Router;
  transport!: types.PlainTransport;
  params: MediaStreamParams | undefined;
  rtcpMux: boolean;
  #key = '';
  #connected = false;
  #builtProfile = '';
  #builtMux = true;
  /** What the peer sends us, once its SSRC is known. */
  producer: types.Producer | undefined;
  remoteSsrc: number | null = null;
  /** SSRCs that proved not to be this stream's (learning, see `ssrc-learning.ts`). */
  readonly rejectedSsrcs = new Set<number>();
  trialRunning = false;
  /** The producer's packet count at the last RTP check, and when it last grew. */
  lastPacketCount = 0;
  lastRtpAt = 0;
  rtpStarted = false;
  timedOut = false;
  closed = false;

  constructor(kind: 'audio' | 'video', slot: WorkerSlot, pool: WorkerPool, address: StreamAddress, rtcpMux: boolean) {
    this.kind = kind;
    this.slot = slot;
    this.#pool = pool;
    this.address = address;
    this.rtcpMux = rtcpMux;
  }

  /** The router codecs' payload type for a codec key (what goes on the wire). */
  routerPayloadType(key: string): number | undefined {
    return capabilityOf(this.router.rtpCapabilities.codecs ?? [], key)?.preferredPayloadType;
  }

  /** Creates the transport (before negotiation: the default profile). */
  async open(): Promise<void> {
    await this.#build();
  }

  async #build(): Promise<void> {
    this.router = await this.#pool.router(this.slot, profileOf(this.params));
    const { listenIp, announcedAddress, port, comedia, srtpSuite } = this.address;
    const listen = (p: number): types.TransportListenInfo => ({
      protocol: 'udp',
      ip: listenIp,
      ...(announcedAddress ? { announcedAddress } : {}),
      port: p,
    });
    // The old socket closes asynchronously in the worker: a rebuild may find its port still taken.
    for (let attempt = 0; ; attempt++) {
      try {
        this.transport = await this.router.createPlainTransport({
          listenInfo: listen(port),
          ...(this.rtcpMux ? {} : { rtcpListenInfo: listen(port + 1) }),
          rtcpMux: this.rtcpMux,
          comedia,
          ...(srtpSuite ? { enableSrtp: true, srtpCryptoSuite: srtpSuite } : {}),
        });
        break;
      } catch (err) {
        if (attempt >= 10 || !/in use|EADDRINUSE/i.test(String(err))) throw err;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    this.#builtProfile = profileName(profileOf(this.params));
    this.#builtMux = this.rtcpMux;
  }

  /**
   * Moves the stream to another worker: a new transport there, on the same port, connected to
   * the same remote. Its producer and consumers closed with the old transport: the caller makes
   * them again. Worth it only before RTP starts (a live stream would drop a few packets).
   */
  async moveTo(slot: WorkerSlot): Promise<void> {
    this.#closeTransport();
    this.slot = slot;
    this.#connected = false;
    await this.#build();
    if (this.params) {
      await this.#connect(this.params);
      this.#connected = true;
    }
  }

  /** Our SRTP key, when SRTP is on. */
  get localSrtp(): { suite: MediaSrtpSuite; keyBase64: string } | null {
    const srtp = this.transport.srtpParameters;
    return srtp ? { suite: srtp.cryptoSuite as MediaSrtpSuite, keyBase64: srtp.keyBase64 } : null;
  }

  /**
   * Applies a negotiation. Anything but `unchanged` means the caller must make its producers
   * and consumers again (on a rebuild they closed with the old transport and router).
   */
  async apply(params: MediaStreamParams): Promise<'unchanged' | 'connected' | 'rebuilt'> {
    if (params.crypto && params.crypto.suite !== this.address.srtpSuite) {
      throw new TalkbusError(
        ErrorCode.MEDIA_UNSUPPORTED,
        `SRTP suite ${params.crypto.suite} differs from the endpoint's (${this.address.srtpSuite ?? 'none'})`,
        {
          field: 'crypto.suite',
        },
      );
    }
    if (!params.crypto && this.address.srtpSuite) {
      throw new TalkbusError(ErrorCode.MEDIA_UNSUPPORTED, 'The endpoint uses SRTP but the negotiation has no key', {
        field: 'crypto',
      });
    }
    for (const codec of params.codecs.slice(0, 1)) {
      if (!codecKey(params.kind, codec.name, codec.clockRate)) {
        throw new TalkbusError(
          ErrorCode.MEDIA_UNSUPPORTED,
          `Codec ${codec.name}/${codec.clockRate} is not routed by talkbus`,
          { field: 'codecs' },
        );
      }
    }
    this.params = params;
    this.rtcpMux = params.rtcpMux;
    const key = transportKey(params, params.rtcpMux);
    if (this.#connected && key === this.#key) return 'unchanged';
    // mediasoup connects a PlainTransport once: a new remote means a new transport, same port.
    const rebuild =
      this.#connected || profileName(profileOf(params)) !== this.#builtProfile || params.rtcpMux !== this.#builtMux;
    if (rebuild) {
      this.#closeTransport();
      await this.#build();
    }
    await this.#connect(params);
    this.#connected = true;
    this.#key = key;
    return rebuild ? 'rebuilt' : 'connected';
  }

  async #connect(params: MediaStreamParams): Promise<void> {
    const srtpParameters = params.crypto
      ? { cryptoSuite: params.crypto.suite, keyBase64: params.crypto.remoteKeyBase64 }
      : undefined;
    if (this.address.comedia) {
      // comedia: the first packet from the peer sets the tuple (NAT latching); only keys here.
      if (srtpParameters) await this.transport.connect({ srtpParameters });
      return;
    }
    if (params.remote.port === 0) return;
    await this.transport.connect({
      ip: params.remote.address,
      port: params.remote.port,
      ...(params.rtcpMux ? {} : { rtcpPort: params.remote.rtcpPort ?? params.remote.port + 1 }),
      ...(srtpParameters ? { srtpParameters } : {}),
    });
  }

  /** The producer's RTP parameters for an SSRC: the peer's payload types (ours in SDP). */
  producerParameters(ssrc: number): types.RtpParameters {
    const params = this.params!;
    const codec = params.codecs[0]!;
    const key = codecKey(params.kind, codec.name, codec.clockRate)!;
    const capability = capabilityOf(routerCodecs(new Map()), key)!;
    const codecs: types.RtpCodecParameters[] = [
      {
        mimeType: capability.mimeType,
        payloadType: codec.localPayloadType,
        clockRate: codec.clockRate,
        ...(capability.channels ? { channels: capability.channels } : {}),
        parameters: capability.parameters ?? {},
        // Video: key frame requests (a recorder's tap, a new consumer) reach the peer as PLI or FIR.
        ...(params.kind === 'video'
          ? {
              rtcpFeedback: [
                { type: 'nack', parameter: 'pli' },
                { type: 'ccm', parameter: 'fir' },
              ],
            }
          : {}),
      },
    ];
    if (params.telephoneEvent && params.telephoneEvent.clockRate === 8000) {
      codecs.push({
        mimeType: DTMF_CARRIER_MIME,
        payloadType: params.telephoneEvent.localPayloadType,
        clockRate: 8000,
      });
    }
    return { codecs, encodings: [{ ssrc }], rtcp: { reducedSize: false } };
  }

  /** Capabilities for consuming towards the peer: the negotiated codec and the DTMF carrier. */
  consumeCapabilities(): types.RtpCapabilities {
    const params = this.params!;
    const codec = params.codecs[0]!;
    const keys = [codecKey(params.kind, codec.name, codec.clockRate)!];
    if (params.telephoneEvent?.clockRate === 8000) keys.push(DTMF_KEY);
    const codecs = this.router.rtpCapabilities.codecs ?? [];
    return { codecs: keys.map((key) => capabilityOf(codecs, key)!).filter(Boolean) };
  }

  /** Whether we may send (direction sendrecv/sendonly) and receive (sendrecv/recvonly). */
  get sends(): boolean {
    return (
      this.params !== undefined &&
      this.params.accepted &&
      (this.params.direction === 'sendrecv' || this.params.direction === 'sendonly')
    );
  }
  get receives(): boolean {
    return (
      this.params !== undefined &&
      this.params.accepted &&
      (this.params.direction === 'sendrecv' || this.params.direction === 'recvonly')
    );
  }

  #closeTransport(): void {
    this.producer = undefined;
    if (this.transport && !this.transport.closed) this.transport.close();
  }

  /** Closes the transport and everything on it. */
  close(): void {
    this.closed = true;
    this.#closeTransport();
  }
}
