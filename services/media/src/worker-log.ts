/**
 * The mediasoup workers' log, tapped once per process.
 *
 * A SIP peer rarely announces its SSRC (RFC 5576 is optional), and mediasoup 3.27 routes a
 * PlainTransport packet to a producer only by SSRC, MID or RID (`RtpListener::GetProducer`).
 * What the worker does say, for each packet it cannot route, is a warning with the SSRC and the
 * payload type. The media service learns unknown SSRCs from that line (see `audio-stream.ts`):
 * this module parses it and hands it to whoever listens for that worker's pid.
 */
import * as mediasoup from 'mediasoup';

/** An RTP packet a worker could not route: its SSRC and payload type. */
export interface UnroutedPacket {
  ssrc: number;
  payloadType: number;
}

type Listener = (packet: UnroutedPacket) => void;
type LogSink = (level: 'warn' | 'error', text: string) => void;

const byPid = new Map<number, Listener>();
const sinks = new Set<LogSink>();
let installed = false;

// "[pid:123] RTC::Transport::ReceiveRtpPacket() | no suitable Producer for received RTP packet [ssrc:1234, payloadType:0]"
const UNROUTED = /^\[pid:(\d+)\] .*no suitable Producer for received RTP packet \[ssrc:(\d+), payloadType:(\d+)\]/;

function install(): void {
  if (installed) return;
  installed = true;
  mediasoup.setLogEventListeners({
    onwarn(namespace: string, log: string) {
      const match = UNROUTED.exec(log);
      if (match) {
        byPid.get(Number(match[1]))?.({ ssrc: Number(match[2]), payloadType: Number(match[3]) });
        return;
      }
      for (const sink of sinks) sink('warn', `${namespace} ${log}`);
    },
    onerror(namespace: string, log: string, error?: Error) {
      for (const sink of sinks) sink('error', `${namespace} ${log}${error ? `: ${error.message}` : ''}`);
    },
  });
}

/** Listens for unroutable packets of one worker; returns the function that stops listening. */
export function onUnroutedPacket(pid: number, listener: Listener): () => void {
  install();
  byPid.set(pid, listener);
  return () => {
    if (byPid.get(pid) === listener) byPid.delete(pid);
  };
}

/** Receives the workers' other warnings and errors; returns the function that stops it. */
export function onWorkerLog(sink: LogSink): () => void {
  install();
  sinks.add(sink);
  return () => sinks.delete(sink);
}
