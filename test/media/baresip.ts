/**
 * A real baresip 1.0.0 (Debian `baresip-core`) for media interop tests: its config directory
 * written into a temp dir, pinned to 127.0.0.1 (`net_interface`, `sip_listen`), the `ausine`
 * source (440 Hz) as its microphone, the `sndfile` filter writing what it sends and what it
 * decodes to WAV files, and the `ctrl_tcp` control socket (JSON commands in netstrings). Started
 * and stopped by PID, every wait bounded. Facts: ../shared/reference/peers.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../support/ports.ts';
import { startChild, type Child } from '../support/process.ts';

/** True when `baresip` runs here. */
export function baresipAvailable(): boolean {
  try {
    execFileSync('baresip', ['-h'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch (error) {
    // `baresip -h` exits non-zero after printing its usage; only a missing binary counts.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** A reply or an event from baresip's control socket. */
export interface BaresipMessage {
  response?: boolean;
  ok?: boolean;
  data?: string;
  token?: string;
  event?: boolean;
  type?: string;
  [key: string]: unknown;
}

/** A running baresip. */
export interface Baresip {
  child: Child;
  /** Its config directory (also where `sndfile` writes its WAV dumps). */
  dir: string;
  sipPort: number;
  /** The SIP URI that reaches its account. */
  uri: string;
  /** Events seen on the control socket. */
  events: BaresipMessage[];
  /** Sends a long command (`callstat`, `hangup`, …) and resolves with its reply (bounded). */
  command(command: string, params?: string, timeoutMs?: number): Promise<BaresipMessage>;
  /** WAV files `sndfile` wrote (`dump-…-enc.wav` sent, `…-dec.wav` decoded). */
  dumps(): Promise<string[]>;
  stop(): Promise<void>;
}

function config(sipPort: number, controlPort: number, dir: string): string {
  return [
    'module_path /usr/lib/baresip/modules',
    `sip_listen 127.0.0.1:${sipPort}`,
    'net_interface 127.0.0.1',
    // No sound card: ausine is the microphone; aubridge is a player that plays nowhere.
    'audio_source ausine,440',
    // ausine makes 48 kHz only; baresip resamples to the codec's 8 kHz.
    'ausrc_srate 48000',
    'ausrc_channels 2',
    'audio_player aubridge,talkbus-test',
    'audio_alert aubridge,talkbus-test',
    'module g711.so',
    'module ausine.so',
    'module aubridge.so',
    // Audio filter: writes what the call sends (…-enc.wav) and what it decodes (…-dec.wav).
    'module sndfile.so',
    `snd_path ${dir}`,
    'module_app account.so',
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${controlPort}`,
    'rtp_stats yes',
    '',
  ].join('\n');
}

/** Starts baresip with an auto-answering PCMU account `bob` on free loopback ports. */
export async function startBaresip(timeoutMs = 10_000): Promise<Baresip> {
  const dir = await mkdtemp(path.join(tmpdir(), 'talkbus-baresip-'));
  const sipPort = await freePort();
  const controlPort = await freePort();
  await writeFile(path.join(dir, 'config'), config(sipPort, controlPort, dir));
  await writeFile(path.join(dir, 'accounts'), '<sip:bob@127.0.0.1>;regint=0;answermode=auto;audio_codecs=PCMU\n');
  await writeFile(path.join(dir, 'contacts'), '');
  const child = startChild('baresip', ['-f', dir]);
  let socket: Socket | undefined;
  try {
    await child.waitFor(/baresip is ready/, timeoutMs);
    socket = await new Promise<Socket>((resolve, reject) => {
      const attempt = connect(controlPort, '127.0.0.1', () => resolve(attempt));
      attempt.once('error', reject);
    });
  } catch (error) {
    await child.kill();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const control = socket;
  const events: BaresipMessage[] = [];
  const pending = new Map<string, (message: BaresipMessage) => void>();
  let buffer = Buffer.alloc(0);
  // Netstrings: `<length>:<bytes>,`.
  control.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const colon = buffer.indexOf(0x3a);
      if (colon < 0) return;
      const length = Number(buffer.subarray(0, colon).toString('ascii'));
      if (buffer.length < colon + 1 + length + 1) return;
      const text = buffer.subarray(colon + 1, colon + 1 + length).toString('utf8');
      buffer = buffer.subarray(colon + 2 + length);
      let message: BaresipMessage;
      try {
        message = JSON.parse(text) as BaresipMessage;
      } catch {
        continue;
      }
      if (message.event) events.push(message);
      else if (message.token !== undefined) pending.get(message.token)?.(message);
    }
  });
  control.on('error', () => undefined);
  let token = 0;
  return {
    child,
    dir,
    sipPort,
    uri: `sip:bob@127.0.0.1:${sipPort}`,
    events,
    command(command, params = '', waitMs = 3000) {
      const id = String(++token);
      const body = Buffer.from(JSON.stringify({ command, params, token: id }));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`baresip did not answer '${command}' within ${waitMs} ms`));
        }, waitMs);
        pending.set(id, (message) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(message);
        });
        control.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
      });
    },
    async dumps() {
      return (await readdir(dir)).filter((name) => name.endsWith('.wav')).map((name) => path.join(dir, name));
    },
    async stop() {
      control.destroy();
      await child.stop(3000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
