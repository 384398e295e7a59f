/**
 * Unit-test support (STYLE §8: fakes at this level only): a call actor on a `SimulatedClock`
 * with fake SIP, media and service ports that record what the actor asked for, and a peer
 * `MediaSession` that writes the other side's SDP.
 */
import type { MediaEndpointInfo, MediaStreamParams, MediaVideoInput, MediaVideoInputInfo } from '@talkbus/contracts';
import { MediaSession } from '@talkbus/sdp';
import { SimulatedClock } from '@talkbus/sip';
import { CallActor } from './call-actor.ts';
import { newCallData, type NewCall } from './call-data.ts';
import type { CallInput, HeaderList } from './call-model.ts';
import { DEFAULT_CALL_CONFIG, type CallConfig } from './call-steps.ts';
import type { CallMediaPort, CallServicePort, CallSipPort } from './ports.ts';
import { mediaSessionFor } from './media-session-factory.ts';

/** One thing the fake SIP port was asked to do. */
export interface SipCall {
  op: string;
  status?: number;
  sdp?: string | undefined;
  headers?: HeaderList | undefined;
  target?: string;
  requestId?: string;
  referTo?: string;
  fragStatus?: number;
  terminated?: boolean;
  body?: string;
}

/** Records SIP sends. */
export class FakeSip implements CallSipPort {
  readonly sent: SipCall[] = [];
  closed = false;
  invite(request: { target: string; sdp: string; headers: HeaderList }): void {
    this.sent.push({ op: 'INVITE', target: request.target, sdp: request.sdp, headers: request.headers });
  }
  cancel(): void {
    this.sent.push({ op: 'CANCEL' });
  }
  respond(status: number, options: { sdp?: string; headers?: HeaderList }): void {
    this.sent.push({ op: 'respond', status, sdp: options.sdp, headers: options.headers });
  }
  respondRequest(requestId: string, status: number, options: { sdp?: string; headers?: HeaderList }): void {
    this.sent.push({ op: 'respondRequest', requestId, status, sdp: options.sdp, headers: options.headers });
  }
  reoffer(request: { method: 'INVITE' | 'UPDATE'; sdp: string | null; headers: HeaderList }): void {
    this.sent.push({ op: `re-${request.method}`, sdp: request.sdp ?? undefined, headers: request.headers });
  }
  /** The status the next in-dialog MESSAGE gets. */
  messageStatus = 200;
  message(request: { contentType: string; body: string }): Promise<number> {
    this.sent.push({ op: 'MESSAGE', body: request.body });
    return Promise.resolve(this.messageStatus);
  }
  bye(headers?: HeaderList): void {
    this.sent.push({ op: 'BYE', headers });
  }
  refer(request: { referTo: string; headers: HeaderList }): void {
    this.sent.push({ op: 'REFER', referTo: request.referTo, headers: request.headers });
  }
  notify(request: { fragStatus: number; terminated: boolean }): void {
    this.sent.push({ op: 'NOTIFY', fragStatus: request.fragStatus, terminated: request.terminated });
  }
  info(request: { contentType: string; body: string }): void {
    this.sent.push({ op: 'INFO', body: request.body });
  }
  dialogIds() {
    return { callId: 'call-1', localTag: 'l1', remoteTag: 'r1' };
  }
  close(): void {
    this.closed = true;
  }
  /** The ops sent, in order. */
  get ops(): string[] {
    return this.sent.map((call) => (call.status ? `${call.op} ${call.status}` : call.op));
  }
  last(op: string): SipCall | undefined {
    return this.sent.filter((call) => call.op === op).at(-1);
  }
}

/** Records media RPCs; `create` answers an endpoint on 127.0.0.1. */
export class FakeMedia implements CallMediaPort {
  readonly calls: string[] = [];
  readonly updates: MediaStreamParams[][] = [];
  failCreate = false;
  async create(options: { video: boolean }): Promise<MediaEndpointInfo> {
    this.calls.push(`create${options.video ? '+video' : ''}`);
    if (this.failCreate) throw new Error('no ports');
    return {
      endpointId: 'e1',
      sessionId: 's',
      account: 'alice',
      workerPid: 1,
      address: '127.0.0.1',
      audio: { port: 40000, rtcpPort: 40000, srtp: null },
      video: options.video ? { port: 40002, rtcpPort: 40002, srtp: null } : null,
      negotiated: false,
      direction: null,
      bridgedTo: null,
      earlyMedia: 'network',
      mic: { muted: false },
      speaker: { muted: false },
      input: { kind: 'silence' },
      output: { kind: 'null' },
    };
  }
  async update(streams: MediaStreamParams[]): Promise<void> {
    this.calls.push(`update:${streams.map((s) => `${s.kind}/${s.direction}`).join(',')}`);
    this.updates.push(streams);
  }
  failAddVideo = false;
  async addVideo(): Promise<MediaEndpointInfo> {
    this.calls.push('addVideo');
    if (this.failAddVideo) throw new Error('no video port');
    const info = await this.create({ video: true });
    this.calls.pop(); // the `create+video` entry: only the info is wanted
    return info;
  }
  async video(input: MediaVideoInput): Promise<MediaVideoInputInfo> {
    this.calls.push(`video:${input.kind}`);
    return { sessionId: 's', input, pid: null, codec: null, payloadType: null };
  }
  async earlyMedia(mode: 'local-ringback' | 'network'): Promise<void> {
    this.calls.push(`earlyMedia:${mode}`);
  }
  async dtmf(digits: string): Promise<void> {
    this.calls.push(`dtmf:${digits}`);
  }
  async mute(options: { mic?: boolean; speaker?: boolean }): Promise<void> {
    this.calls.push(`mute:${JSON.stringify(options)}`);
  }
  async mix(mixed: boolean): Promise<void> {
    this.calls.push(`mix:${mixed}`);
  }
  async close(): Promise<void> {
    this.calls.push('close');
  }
}

/** Records events and cross-call requests. */
export class FakeService implements CallServicePort {
  readonly events: { event: string; payload: Record<string, unknown> }[] = [];
  readonly referred: { from: string; referTo: string; referredBy: string | null }[] = [];
  readonly disposedIds: string[] = [];
  readonly progress: number[] = [];
  emit(event: string, payload: Record<string, unknown>): void {
    this.events.push({ event, payload });
  }
  startReferredCall(fromSessionId: string, referTo: string, referredBy: string | null): void {
    this.referred.push({ from: fromSessionId, referTo, referredBy });
  }
  referredProgress(_toSessionId: string, status: number): void {
    this.progress.push(status);
  }
  disposed(sessionId: string): void {
    this.disposedIds.push(sessionId);
  }
  /** Event names without the `call.` prefix, in order. */
  get names(): string[] {
    return this.events.map((e) => e.event.replace(/^call\./, ''));
  }
  payload(event: string): Record<string, unknown> | undefined {
    return this.events.filter((e) => e.event === event).at(-1)?.payload;
  }
}

/** Lets promise chains (media RPCs) run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** An actor with fakes, and a peer MediaSession. */
export class Harness {
  readonly clock = new SimulatedClock(0);
  readonly sip = new FakeSip();
  readonly media = new FakeMedia();
  readonly service = new FakeService();
  readonly peer = new MediaSession({
    transport: { address: '127.0.0.2', audio: { port: 30000 }, video: { port: 30002 } },
  });
  readonly actor: CallActor;
  wall = 1_700_000_000_000;

  constructor(call: Partial<NewCall> & { direction: 'incoming' | 'outgoing' }, config: Partial<CallConfig> = {}) {
    this.actor = new CallActor({
      data: newCallData({
        sessionId: 'node1~c1',
        account: 'alice',
        target: 'sip:bob@127.0.0.2',
        peerUri: 'sip:bob@127.0.0.2',
        video: false,
        startedAt: this.wall,
        sessionInterval: 1800,
        ...call,
      }),
      config: { ...DEFAULT_CALL_CONFIG, ...config },
      clock: this.clock,
      wallClock: () => this.wall + this.clock.now(),
      random: () => 0.5,
      localUri: 'sip:alice@127.0.0.1',
      sip: this.sip,
      media: this.media,
      service: this.service,
      mediaSession: (endpoint) => mediaSessionFor(endpoint, {}),
    });
  }

  /** Posts an input and lets the media chain run. */
  async post(input: CallInput): Promise<void> {
    this.actor.post(input);
    await flush();
    await this.actor.settled();
    await flush();
  }

  /** Asks (as an action would) and lets the media chain run. */
  async ask(input: CallInput): Promise<void> {
    await this.actor.ask(input);
    await flush();
    await this.actor.settled();
    await flush();
  }

  /** Moves the clock and lets resulting work run. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await flush();
    await this.actor.settled();
    await flush();
  }

  /** The SDP of our last INVITE / re-INVITE / 200. */
  lastLocalSdp(): string {
    const call = [...this.sip.sent].reverse().find((sent) => sent.sdp);
    if (!call?.sdp) throw new Error('no local SDP sent');
    return call.sdp;
  }
}
