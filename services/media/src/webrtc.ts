/**
 * A WebRTC peer (a browser) as the local side of a call (ARCHITECTURE.md, Media): one mediasoup
 * WebRtcTransport (ICE-lite, DTLS-SRTP) in the router of the call's audio stream.
 *
 *   browser mic ──SRTP──▶ WebRtcTransport ─▶ producer ─▶ the out consumer towards the SIP peer
 *                                                         (instead of Node's virtual input)
 *   browser ◀──SRTP── WebRtcTransport ◀─ consumer ◀── the SIP peer's producer
 *
 * mediasoup never transcodes: the browser's microphone must use the call's codec (PCMU/PCMA for
 * most SIP calls; browsers have both), and the browser must be able to receive it. Closing the
 * endpoint closes the transport (`Endpoint.close`).
 */
import type { types } from 'mediasoup';
import {
  ErrorCode,
  TalkbusError,
  type MediaWebRtcConsumerInfo,
  type MediaWebRtcTransportInfo,
  type mediaWebRtcActions,
} from '@talkbus/contracts';
import type { Handlers } from '@talkbus/runtime';
import type { Endpoint } from './endpoint.ts';
import type { MediaCore } from './media-core.ts';

/** Largest JSON of `rtpParameters` / `rtpCapabilities` the actions take. */
const MAX_JSON = 16 * 1024;

/** The browser side of one call. */
export class WebRtcPeer {
  readonly transport: types.WebRtcTransport;
  readonly router: types.Router;
  /** The browser's microphone. */
  producer: types.Producer | undefined;
  /** What the browser hears: the SIP peer's producer (piped when the call's router changed). */
  consumer: types.Consumer | undefined;
  #pipe: types.Producer | undefined;

  constructor(transport: types.WebRtcTransport, router: types.Router) {
    this.transport = transport;
    this.router = router;
  }

  /** Whether the browser's microphone is what the local side says now. */
  get speaking(): boolean {
    return this.producer !== undefined && !this.producer.closed;
  }

  /** Remembers a pipe producer made for the consumer (closed with the peer). */
  set pipe(producer: types.Producer | undefined) {
    if (this.#pipe && !this.#pipe.closed) this.#pipe.close();
    this.#pipe = producer;
  }

  close(): void {
    this.pipe = undefined;
    if (!this.transport.closed) this.transport.close();
  }
}

function jsonParam(value: unknown, field: string): void {
  const size = JSON.stringify(value ?? null).length;
  if (typeof value !== 'object' || value === null || size > MAX_JSON)
    throw new TalkbusError(ErrorCode.INVALID_PARAMETER, `The '${field}' field must be an object of at most 16 KiB`, {
      field,
    });
}

/** A mediasoup refusal (bad RTP parameters, codec not supported) as a TalkbusError. */
function refused(err: unknown, code: ErrorCode, sessionId: string, what: string): TalkbusError {
  if (TalkbusError.is(err)) return err;
  return new TalkbusError(code, `${what}: ${(err as Error).message}`, { sessionId }, { cause: err });
}

/** The browser peer of an endpoint, or MEDIA_NOT_NEGOTIATED when `media.webrtc.create` was not called. */
function peerOf(endpoint: Endpoint): WebRtcPeer {
  const peer = endpoint.browser;
  if (!peer || peer.transport.closed)
    throw new TalkbusError(ErrorCode.MEDIA_NOT_NEGOTIATED, `Session ${endpoint.sessionId} has no WebRTC transport`, {
      sessionId: endpoint.sessionId,
    });
  return peer;
}

/** The handlers of `mediaWebRtcActions`, over the running service's core. */
export function webrtcHandlers(core: () => MediaCore): Handlers<typeof mediaWebRtcActions> {
  return {
    async webrtcCreate(params) {
      const endpoint = core().get(params.sessionId);
      const stream = endpoint.audio;
      if (!stream)
        throw new TalkbusError(ErrorCode.MEDIA_NOT_NEGOTIATED, `Session ${params.sessionId} has no audio stream`, {
          sessionId: params.sessionId,
        });
      if (endpoint.browser && !endpoint.browser.transport.closed)
        throw new TalkbusError(
          ErrorCode.MEDIA_ENDPOINT_EXISTS,
          `Session ${params.sessionId} already has a WebRTC transport`,
          { sessionId: params.sessionId },
        );
      const announcedAddress = params.announcedAddress ?? stream.address.announcedAddress;
      const router = stream.router;
      const transport = await router.createWebRtcTransport({
        listenInfos: [
          {
            protocol: 'udp',
            ip: params.listenIp ?? stream.address.listenIp,
            ...(announcedAddress ? { announcedAddress } : {}),
          },
        ],
      });
      if (endpoint.closed) {
        transport.close();
        throw new TalkbusError(ErrorCode.MEDIA_ENDPOINT_NOT_FOUND, `Session ${params.sessionId} closed`, {
          sessionId: params.sessionId,
        });
      }
      endpoint.browser = new WebRtcPeer(transport, router);
      return {
        sessionId: endpoint.sessionId,
        transportId: transport.id,
        iceParameters: { ...transport.iceParameters },
        iceCandidates: transport.iceCandidates.map((candidate) => ({
          foundation: candidate.foundation,
          priority: candidate.priority,
          address: candidate.address,
          protocol: candidate.protocol,
          port: candidate.port,
          type: candidate.type,
          ...(candidate.tcpType ? { tcpType: candidate.tcpType } : {}),
        })),
        dtlsParameters: {
          ...(transport.dtlsParameters.role ? { role: transport.dtlsParameters.role } : {}),
          fingerprints: transport.dtlsParameters.fingerprints.map(({ algorithm, value }) => ({ algorithm, value })),
        },
        routerRtpCapabilities: structuredClone(router.rtpCapabilities) as Record<string, unknown>,
      } satisfies MediaWebRtcTransportInfo;
    },

    async webrtcConnect(params) {
      const peer = peerOf(core().get(params.sessionId));
      await peer.transport
        .connect({ dtlsParameters: params.dtlsParameters as types.DtlsParameters })
        .catch((err: unknown) => {
          throw refused(err, ErrorCode.INVALID_PARAMETER, params.sessionId, 'Cannot connect the WebRTC transport');
        });
      return { connected: true };
    },

    async webrtcProduce(params) {
      const endpoint = core().get(params.sessionId);
      const peer = peerOf(endpoint);
      jsonParam(params.rtpParameters, 'rtpParameters');
      const producer = await peer.transport
        .produce({ kind: params.kind, rtpParameters: params.rtpParameters as types.RtpParameters })
        .catch((err: unknown) => {
          throw refused(err, ErrorCode.MEDIA_UNSUPPORTED, params.sessionId, "Cannot take the browser's microphone");
        });
      const previous = peer.producer;
      peer.producer = producer;
      if (previous && !previous.closed) previous.close();
      // The out consumer towards the SIP peer now takes the microphone (endpoint.ts rewireOut).
      await endpoint.rewireOut();
      const negotiated = endpoint.audio?.params?.accepted === true && !endpoint.bridgedTo;
      if (negotiated && (!endpoint.outConsumer || endpoint.outConsumer.closed)) {
        producer.close();
        peer.producer = undefined;
        await endpoint.rewireOut();
        throw new TalkbusError(
          ErrorCode.MEDIA_UNSUPPORTED,
          `The browser's microphone cannot be sent as the call's ${endpoint.audio!.params!.codecs[0]!.name}`,
          { sessionId: params.sessionId, field: 'rtpParameters' },
        );
      }
      producer.on('transportclose', () => void endpoint.rewireOut().catch(() => undefined));
      return { producerId: producer.id };
    },

    async webrtcConsume(params) {
      const endpoint = core().get(params.sessionId);
      const peer = peerOf(endpoint);
      jsonParam(params.rtpCapabilities, 'rtpCapabilities');
      const stream = endpoint.audio;
      const source = stream?.producer;
      if (!stream || !source || source.closed)
        throw new TalkbusError(
          ErrorCode.MEDIA_NOT_NEGOTIATED,
          `Session ${params.sessionId}: the SIP peer's RTP has not started yet`,
          { sessionId: params.sessionId },
        );
      let producerId = source.id;
      peer.pipe = undefined;
      if (stream.router !== peer.router) {
        const { pipeProducer } = await stream.router.pipeToRouter({
          producerId: source.id,
          router: peer.router,
          keepId: false,
        });
        peer.pipe = pipeProducer;
        producerId = pipeProducer!.id;
      }
      const rtpCapabilities = params.rtpCapabilities as types.RtpCapabilities;
      if (!peer.router.canConsume({ producerId, rtpCapabilities }))
        throw new TalkbusError(
          ErrorCode.MEDIA_UNSUPPORTED,
          `The browser cannot receive the call's ${stream.params?.codecs[0]?.name ?? 'audio'}`,
          { sessionId: params.sessionId, field: 'rtpCapabilities' },
        );
      const consumer = await peer.transport.consume({ producerId, rtpCapabilities }).catch((err: unknown) => {
        throw refused(err, ErrorCode.MEDIA_UNSUPPORTED, params.sessionId, 'Cannot send the call to the browser');
      });
      const previous = peer.consumer;
      peer.consumer = consumer;
      if (previous && !previous.closed) previous.close();
      return {
        id: consumer.id,
        producerId: consumer.producerId,
        kind: consumer.kind,
        rtpParameters: structuredClone(consumer.rtpParameters) as unknown as Record<string, unknown>,
      } satisfies MediaWebRtcConsumerInfo;
    },

    async webrtcClose(params) {
      const endpoint = core().get(params.sessionId);
      const peer = endpoint.browser;
      if (!peer) return { closed: false };
      endpoint.browser = undefined;
      peer.close();
      await endpoint.rewireOut();
      return { closed: true };
    },
  };
}
