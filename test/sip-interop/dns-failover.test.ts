/**
 * RFC 3263 server location against a real DNS server: dnsmasq (Debian dnsmasq-base 2.90) serves
 * NAPTR, SRV and A records on a free 127.0.0.1 port, and `systemDnsResolver({ servers })` asks it
 * (the unit tests in packages/sip/src/transport/resolver.test.ts use a fake DNS).
 *
 * 1. NAPTR → SRV → A gives the targets in RFC 3263 §4.1 order (NAPTR order, then preference) and
 *    RFC 2782 order within each SRV set (priority, then weight, with the random source injected).
 * 2. Failover (§4.3): a talkbus UA sends OPTIONS to `sip:service@<domain>` whose first SRV target
 *    is a loopback port where nothing listens (UDP: Timer F runs out; TCP: connection refused) and
 *    whose second is a SIPp UAS; SIPp answers 200, within a bound set by the shortened T1.
 * 3. NXDOMAIN, NODATA and an unreachable DNS server fail at once: RESOLVE_FAILED from
 *    `locateServers`, a local 503 for the UA's request (§4.3), nothing sent, no hang.
 *
 * Addresses are 127.0.0.0/8 only; dnsmasq and SIPp are stopped by PID.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SipError,
  SipTransportLayer,
  SipUri,
  SipUserAgent,
  TransportError,
  locateServers,
  parseUri,
  systemDnsResolver,
  type DnsResolver,
  type LocateOptions,
  type SendTarget,
  type ServerTarget,
  type SipMessage,
  type Uri,
} from '@talkbus/sip';
import { dnsmasqPath, startDnsmasq, type Dnsmasq } from '../support/dnsmasq.ts';
import { freePort } from '../support/ports.ts';
import { hasSipp, RecordingTransport, runSipp, sippFailure, waitForBound } from './support.ts';
import { requirePeer } from '../support/peers.ts';

/** T1 for this file: Timer F (64*T1) against the dead UDP target is then 1.28 s. */
const T1 = 20;
const TIMER_F = 64 * T1;
/** RFC 2782 weighted draws against dnsmasq (5 queries each). */
const DRAWS = 200;

/** A request the UA handed to the transport, and where to. */
interface SentRequest {
  method: string;
  cseq: number | undefined;
  branch: string | undefined;
  destination: string;
}

/** Records each request's destination (the suite's RecordingTransport keeps only the messages). */
class DestinationLog extends RecordingTransport {
  readonly requestsSent: SentRequest[] = [];

  override send(message: SipMessage, target: SendTarget) {
    if (message.kind === 'request') {
      const { protocol, address, port } = target.destination;
      this.requestsSent.push({
        method: message.method,
        cseq: message.cseq?.seq,
        branch: message.topVia?.branch,
        destination: `${protocol} ${address}:${port}`,
      });
    }
    return super.send(message, target);
  }
}

const brief = (targets: ServerTarget[]) => targets.map((t) => `${t.protocol} ${t.address}:${t.port}`);
const sipUri = (text: string) => parseUri(text) as SipUri;
const since = (started: number) => Math.round(performance.now() - started);

requirePeer(dnsmasqPath() !== undefined && hasSipp(), 'dnsmasq or SIPp');
describe('RFC 3263 against dnsmasq (real DNS)', () => {
  let dnsmasq: Dnsmasq;
  let dns: DnsResolver;
  /** Loopback ports where nothing listens (the dead first targets), and SIPp's ports. */
  const ports = { deadUdp: 0, deadTcp: 0, sippUdp: 0, sippTcp: 0 };

  before(async () => {
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    const started = performance.now();
    dnsmasq = await startDnsmasq({
      localDomain: 'example.test',
      naptr: [
        // Case 1: order 10 first (SIPS+D2T, dropped when TLS is not offered), then within order 20
        // preference 10 (TCP) before 20 (UDP).
        naptr('example.test', 10, 10, 'SIPS+D2T', '_sips._tcp.example.test'),
        naptr('example.test', 20, 20, 'SIP+D2U', '_sip._udp.example.test'),
        naptr('example.test', 20, 10, 'SIP+D2T', '_sip._tcp.example.test'),
        // Case 2: one transport per domain.
        naptr('udp.example.test', 10, 10, 'SIP+D2U', '_sip._udp.udp.example.test'),
        naptr('tcp.example.test', 10, 10, 'SIP+D2T', '_sip._tcp.tcp.example.test'),
      ],
      srv: [
        srv('_sips._tcp.example.test', 'tls1.example.test', 5061, 10, 0),
        srv('_sip._tcp.example.test', 'tcp1.example.test', 5070, 10, 0),
        srv('_sip._udp.example.test', 'backup.example.test', 5080, 20, 0),
        srv('_sip._udp.example.test', 'light.example.test', 5082, 10, 10),
        srv('_sip._udp.example.test', 'heavy.example.test', 5084, 10, 90),
        srv('_sip._udp.udp.example.test', 'dead.example.test', ports.deadUdp, 10, 0),
        srv('_sip._udp.udp.example.test', 'sipp.example.test', ports.sippUdp, 20, 0),
        srv('_sip._tcp.tcp.example.test', 'dead.example.test', ports.deadTcp, 10, 0),
        srv('_sip._tcp.tcp.example.test', 'sipp.example.test', ports.sippTcp, 20, 0),
      ],
      hosts: {
        'tls1.example.test': '127.0.0.10',
        'tcp1.example.test': '127.0.0.11',
        'backup.example.test': '127.0.0.12',
        'light.example.test': '127.0.0.13',
        'heavy.example.test': '127.0.0.14',
        'dead.example.test': '127.0.0.1',
        'sipp.example.test': '127.0.0.1',
      },
      txt: ['empty.example.test'],
    });
    dns = systemDnsResolver({ servers: [dnsmasq.server], timeoutMs: 500, tries: 2 });
    if (process.env.TALKBUS_TEST_VERBOSE) console.log(`dnsmasq answered after ${since(started)} ms`);
  });
  after(() => dnsmasq?.stop());

  describe('NAPTR → SRV → A', () => {
    it('gives the targets by NAPTR order/preference, then SRV priority and weight (RFC 2782)', async () => {
      const locate = (random: () => number, options: Partial<LocateOptions> = {}) =>
        locateServers(sipUri('sip:alice@example.test'), {
          dns,
          random,
          protocols: ['udp', 'tcp', 'tls'],
          families: [4, 6],
          ...options,
        });
      // random 0.5 → 50 of the weight sum 100: heavy (90) is drawn first whatever order dnsmasq
      // lists the two in (light, heavy: 10 < 50 ≤ 100; heavy, light: 50 ≤ 90); priority 20 last.
      const targets = await locate(() => 0.5);
      assert.deepEqual(brief(targets), [
        'tls 127.0.0.10:5061',
        'tcp 127.0.0.11:5070',
        'udp 127.0.0.14:5084',
        'udp 127.0.0.13:5082',
        'udp 127.0.0.12:5080',
      ]);
      assert.ok(
        targets.every((t) => t.serverName === 'example.test'),
        'TLS name = the URI domain (RFC 5922 §7.2)',
      );
      // Over many draws (seeded, so the count is fixed for a given answer order) heavy comes first
      // about 90% of the time, and the priority-20 target is always last.
      let seed = 11;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      let heavyFirst = 0;
      for (let draw = 0; draw < DRAWS; draw++) {
        const udp = brief(await locate(random, { protocols: ['udp'], families: [4] }));
        assert.equal(udp[2], 'udp 127.0.0.12:5080');
        if (udp[0] === 'udp 127.0.0.14:5084') heavyFirst++;
      }
      assert.ok(heavyFirst > 0.8 * DRAWS && heavyFirst < 0.98 * DRAWS, `heavy first ${heavyFirst}/${DRAWS}`);
      // Without TLS (the UA's default protocols) SIPS+D2T is skipped; a sips URI keeps only it.
      assert.deepEqual(brief(await locate(() => 0.5, { protocols: ['udp', 'tcp'] })), [
        'tcp 127.0.0.11:5070',
        'udp 127.0.0.14:5084',
        'udp 127.0.0.13:5082',
        'udp 127.0.0.12:5080',
      ]);
      assert.deepEqual(
        brief(await locateServers(sipUri('sips:alice@example.test'), { dns, protocols: ['udp', 'tcp', 'tls'] })),
        ['tls 127.0.0.10:5061'],
      );
      // dnsmasq's log shows the chain: NAPTR, then SRV per NAPTR record, then A/AAAA per SRV target.
      const queries = dnsmasq.queries();
      for (const query of [
        'NAPTR example.test',
        'SRV _sips._tcp.example.test',
        'SRV _sip._tcp.example.test',
        'SRV _sip._udp.example.test',
        'A heavy.example.test',
        'AAAA heavy.example.test',
      ])
        assert.ok(queries.includes(query), `dnsmasq saw ${query}: ${queries.join(', ')}`);
    });
  });

  describe('failover to the next SRV target (RFC 3263 §4.3)', () => {
    for (const protocol of ['udp', 'tcp'] as const) {
      const failure = protocol === 'udp' ? 'Timer F' : 'connection refused';
      it(`OPTIONS sip:service@${protocol}.example.test: dead first target (${failure}), SIPp second answers 200`, async () => {
        const sippPort = protocol === 'udp' ? ports.sippUdp : ports.sippTcp;
        const deadPort = protocol === 'udp' ? ports.deadUdp : ports.deadTcp;
        const sipp = await runSipp({
          scenario: 'uas-options.xml',
          family: 4,
          protocol,
          port: sippPort,
          timeoutSeconds: 10,
        });
        const talkbus = await startUa(dns);
        try {
          await waitForBound(sipp, 4, protocol);
          const started = performance.now();
          const response = await talkbus.ua.request(`sip:service@${protocol}.example.test`, { method: 'OPTIONS' });
          const elapsed = since(started);
          assert.equal(response.status, 200, `${response.status} ${response.reason}`);
          const code = await sipp.result;
          assert.equal(code, 0, sippFailure(sipp, code));

          const sent = talkbus.log.requestsSent.filter((r) => r.method === 'OPTIONS');
          const toDead = sent.filter((r) => r.destination === `${protocol} 127.0.0.1:${deadPort}`);
          const toSipp = sent.filter((r) => r.destination === `${protocol} 127.0.0.1:${sippPort}`);
          assert.equal(toDead.length + toSipp.length, sent.length, JSON.stringify(sent));
          assert.equal(toSipp.length, 1);
          assert.ok(toDead.length >= 1);
          assert.equal(sent[0]!.destination, toDead[0]!.destination, 'the priority-10 target is tried first');
          // A new transaction: new branch, CSeq + 1 — the 200 echoes it.
          assert.equal(new Set(toDead.map((r) => r.branch)).size, 1);
          assert.notEqual(toSipp[0]!.branch, toDead[0]!.branch);
          assert.equal(toSipp[0]!.cseq, toDead[0]!.cseq! + 1);
          assert.equal(response.cseq?.seq, toSipp[0]!.cseq);
          if (protocol === 'udp') {
            // Nothing answers (the UA's unconnected UDP socket is told of no ICMP port-unreachable),
            // so the attempt ends by Timer F = 64*T1, after retransmissions at T1, 2T1, 4T1 … (§17.1.2.2).
            assert.ok(toDead.length >= 4, `retransmitted to the dead target: ${toDead.length}`);
            assert.ok(elapsed >= TIMER_F && elapsed < TIMER_F + 2000, `took ${elapsed} ms (Timer F ${TIMER_F} ms)`);
          } else {
            // Refused at connect: a transport error, no timer, no retransmission.
            assert.equal(toDead.length, 1);
            assert.ok(elapsed < TIMER_F, `took ${elapsed} ms`);
          }
          if (process.env.TALKBUS_TEST_VERBOSE) console.log(`${protocol} failover answered in ${elapsed} ms`);
        } finally {
          await talkbus.stop();
          await sipp.child.stop(1000);
        }
      });
    }
  });

  describe('no records: a quick local failure (RFC 3263 §4.3: 503)', () => {
    it('NXDOMAIN and NODATA: RESOLVE_FAILED "no records" from locateServers', async () => {
      for (const host of ['nowhere.example.test', 'empty.example.test']) {
        const started = performance.now();
        await assert.rejects(
          locateServers(sipUri(`sip:bob@${host}`), { dns, protocols: ['udp', 'tcp'] }),
          (error: unknown) =>
            error instanceof TransportError && error.code === 'RESOLVE_FAILED' && /no records/.test(error.message),
        );
        const elapsed = since(started);
        assert.ok(elapsed < 1000, `${host}: took ${elapsed} ms`);
        // §4.1/§4.2: NAPTR, then SRV per transport, then A/AAAA, each answered by dnsmasq.
        for (const query of [`NAPTR ${host}`, `SRV _sip._udp.${host}`, `SRV _sip._tcp.${host}`, `A ${host}`])
          assert.ok(dnsmasq.queries().includes(query), `dnsmasq saw ${query}`);
      }
    });

    it('the UA answers itself 503 (OPTIONS) and rejects TRANSPORT_FAILED (INVITE), sending nothing', async () => {
      const talkbus = await startUa(dns);
      try {
        let started = performance.now();
        const response = await talkbus.ua.request('sip:bob@nowhere.example.test', { method: 'OPTIONS' });
        assert.equal(response.status, 503);
        let elapsed = since(started);
        assert.ok(elapsed < 1000, `OPTIONS: took ${elapsed} ms`);
        started = performance.now();
        await assert.rejects(
          talkbus.ua.createUAC('sip:bob@empty.example.test', { localSdp: 'v=0\r\n' }),
          (error: unknown) => error instanceof SipError && error.code === 'TRANSPORT_FAILED' && error.status === 503,
        );
        elapsed = since(started);
        assert.ok(elapsed < 1000, `INVITE: took ${elapsed} ms`);
        assert.deepEqual(talkbus.log.requestsSent, []);
      } finally {
        await talkbus.stop();
      }
    });

    it('an unreachable DNS server: RESOLVE_FAILED with the DNS error, bounded by timeoutMs × tries', async () => {
      const deadDns = systemDnsResolver({ servers: [`127.0.0.1:${await freePort()}`], timeoutMs: 200, tries: 1 });
      const started = performance.now();
      await assert.rejects(
        locateServers(sipUri('sip:bob@example.test'), { dns: deadDns, protocols: ['udp', 'tcp'], families: [4] }),
        (error: unknown) =>
          error instanceof TransportError && error.code === 'RESOLVE_FAILED' && /DNS failed/.test(error.message),
      );
      const elapsed = since(started);
      assert.ok(elapsed < 3000, `took ${elapsed} ms`);
    });
  });
});

function naptr(name: string, order: number, preference: number, service: string, replacement: string) {
  return { name, order, preference, flags: 'S', service, replacement };
}

function srv(name: string, target: string, port: number, priority: number, weight: number) {
  return { name, target, port, priority, weight };
}

/** A talkbus UA on 127.0.0.1 (UDP + TCP, one port) whose RFC 3263 lookups go to dnsmasq. */
async function startUa(dns: DnsResolver): Promise<{ ua: SipUserAgent; log: DestinationLog; stop(): Promise<void> }> {
  const port = await freePort();
  const layer = new SipTransportLayer({
    listeners: [
      { protocol: 'udp', address: '127.0.0.1', port },
      { protocol: 'tcp', address: '127.0.0.1', port },
    ],
    user: { onMessage: () => undefined },
  });
  await layer.start();
  const log = new DestinationLog(layer);
  const resolve = (uri: Uri): Promise<ServerTarget[]> =>
    uri instanceof SipUri
      ? locateServers(uri, { dns, protocols: ['udp', 'tcp'] })
      : Promise.reject(new Error(`not a SIP URI: ${uri.toString()}`));
  const ua = new SipUserAgent({
    transport: log,
    timers: { T1, T2: 8 * T1, T4: 10 * T1 },
    from: 'sip:talkbus@127.0.0.1',
    resolve,
  });
  return {
    ua,
    log,
    async stop() {
      ua.close();
      await layer.stop();
    },
  };
}
