/**
 * RFC 3263 server location against a fake DNS (unit level): the §4.1/§4.2 shortcuts, NAPTR →
 * SRV → A/AAAA, the fallbacks, RFC 2782 ordering with an injected random source, and §4.3 failover.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseUri } from '../uri/uri.ts';
import type { SipUri } from '../uri/sip-uri.ts';
import { ServerFailover, shouldTryNextTarget, tryTargets } from './failover.ts';
import { locateServers, orderSrvRecords, type DnsResolver, type NaptrRecord, type SrvRecord } from './resolver.ts';
import { TransportError } from './transport-error.ts';

interface Zone {
  naptr?: Record<string, NaptrRecord[]>;
  srv?: Record<string, SrvRecord[]>;
  a?: Record<string, string[]>;
  aaaa?: Record<string, string[]>;
}

/** A fake DNS: answers from the zone, ENODATA otherwise, and records the queries. */
function fakeDns(zone: Zone, queries: string[] = []): DnsResolver {
  const answer = <T>(type: string, table: Record<string, T[]> | undefined, name: string): Promise<T[]> => {
    queries.push(`${type} ${name}`);
    const found = table?.[name];
    if (found === undefined)
      return Promise.reject(Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENODATA' }));
    return Promise.resolve(found);
  };
  return {
    resolveNaptr: (name) => answer('NAPTR', zone.naptr, name),
    resolveSrv: (name) => answer('SRV', zone.srv, name),
    resolve4: (name) => answer('A', zone.a, name),
    resolve6: (name) => answer('AAAA', zone.aaaa, name),
  };
}

const uri = (text: string) => parseUri(text) as SipUri;
const naptr = (order: number, preference: number, service: string, replacement: string): NaptrRecord => ({
  flags: 's',
  service,
  regexp: '',
  replacement,
  order,
  preference,
});
const srv = (name: string, port: number, priority = 10, weight = 0): SrvRecord => ({ name, port, priority, weight });
const brief = (targets: { protocol: string; address: string; port: number }[]) =>
  targets.map((t) => `${t.protocol} ${t.address}:${t.port}`);

describe('locateServers (RFC 3263 §4)', () => {
  it('numeric IP: no DNS; UDP for sip, TLS for sips, default ports, transport= honoured', async () => {
    const queries: string[] = [];
    const dns = fakeDns({}, queries);
    assert.deepEqual(brief(await locateServers(uri('sip:a@192.0.2.1'), { dns })), ['udp 192.0.2.1:5060']);
    assert.deepEqual(brief(await locateServers(uri('sips:a@192.0.2.1'), { dns })), ['tls 192.0.2.1:5061']);
    assert.deepEqual(brief(await locateServers(uri('sip:a@[::1]:5070;transport=tcp'), { dns })), ['tcp ::1:5070']);
    assert.deepEqual(brief(await locateServers(uri('sips:a@192.0.2.1;transport=tcp'), { dns })), [
      'tls 192.0.2.1:5061',
    ]);
    assert.deepEqual(brief(await locateServers(uri('sip:a@192.0.2.1;transport=ws'), { dns })), ['ws 192.0.2.1:80']);
    assert.deepEqual(queries, []);
  });
  it('explicit port: A/AAAA only', async () => {
    const queries: string[] = [];
    const dns = fakeDns({ a: { 'example.com': ['192.0.2.1'] }, aaaa: { 'example.com': ['2001:db8::1'] } }, queries);
    const targets = await locateServers(uri('sip:a@example.com:5080'), { dns });
    assert.deepEqual(brief(targets), ['udp 192.0.2.1:5080', 'udp 2001:db8::1:5080']);
    assert.deepEqual(queries, ['A example.com', 'AAAA example.com']);
    assert.equal(targets[0]!.serverName, 'example.com');
  });
  it('maddr replaces the host as TARGET', async () => {
    assert.deepEqual(brief(await locateServers(uri('sip:a@example.com;maddr=192.0.2.9'), { dns: fakeDns({}) })), [
      'udp 192.0.2.9:5060',
    ]);
  });
  it('NAPTR → SRV → A, by order and preference', async () => {
    const dns = fakeDns({
      naptr: {
        'example.com': [
          naptr(50, 50, 'SIP+D2U', '_sip._udp.example.com'),
          naptr(10, 60, 'SIP+D2T', '_sip._tcp.example.com'),
          naptr(10, 50, 'SIPS+D2T', '_sips._tcp.example.com'),
          naptr(5, 5, 'SIP+D2X', '_sip._x.example.com'),
        ],
      },
      srv: {
        '_sips._tcp.example.com': [srv('tls1.example.com', 5061)],
        '_sip._tcp.example.com': [srv('tcp1.example.com', 5060)],
        '_sip._udp.example.com': [srv('udp1.example.com', 5060)],
      },
      a: { 'tls1.example.com': ['192.0.2.11'], 'tcp1.example.com': ['192.0.2.12'], 'udp1.example.com': ['192.0.2.13'] },
    });
    assert.deepEqual(brief(await locateServers(uri('sip:a@example.com'), { dns })), [
      'tls 192.0.2.11:5061',
      'tcp 192.0.2.12:5060',
      'udp 192.0.2.13:5060',
    ]);
    // A sips URI keeps only SIPS+ services; unsupported protocols are skipped.
    assert.deepEqual(brief(await locateServers(uri('sips:a@example.com'), { dns })), ['tls 192.0.2.11:5061']);
    assert.deepEqual(brief(await locateServers(uri('sip:a@example.com'), { dns, protocols: ['udp', 'tcp'] })), [
      'tcp 192.0.2.12:5060',
      'udp 192.0.2.13:5060',
    ]);
  });
  it('NAPTR for WebSocket (SIP+D2W)', async () => {
    const dns = fakeDns({
      naptr: { 'ws.example.com': [naptr(10, 10, 'SIP+D2W', '_sip._ws.ws.example.com')] },
      srv: { '_sip._ws.ws.example.com': [srv('edge.example.com', 8080)] },
      aaaa: { 'edge.example.com': ['2001:db8::8'] },
    });
    assert.deepEqual(brief(await locateServers(uri('sip:a@ws.example.com'), { dns })), ['ws 2001:db8::8:8080']);
  });
  it('no NAPTR: SRV for _sip._udp, _sip._tcp, _sips._tcp', async () => {
    const queries: string[] = [];
    const dns = fakeDns(
      {
        srv: {
          '_sip._tcp.example.com': [srv('b.example.com', 5062)],
          '_sips._tcp.example.com': [srv('c.example.com', 5063)],
        },
        a: { 'b.example.com': ['192.0.2.2'], 'c.example.com': ['192.0.2.3'] },
      },
      queries,
    );
    assert.deepEqual(brief(await locateServers(uri('sip:a@example.com'), { dns, families: [4] })), [
      'tcp 192.0.2.2:5062',
      'tls 192.0.2.3:5063',
    ]);
    assert.deepEqual(
      queries.filter((q) => !q.startsWith('A ')),
      ['NAPTR example.com', 'SRV _sip._udp.example.com', 'SRV _sip._tcp.example.com', 'SRV _sips._tcp.example.com'],
    );
  });
  it('no NAPTR and no SRV: A/AAAA with default ports (UDP for sip, TLS for sips)', async () => {
    const dns = fakeDns({ a: { 'example.com': ['192.0.2.1'] }, aaaa: { 'example.com': ['2001:db8::1'] } });
    assert.deepEqual(brief(await locateServers(uri('sip:a@example.com'), { dns })), [
      'udp 192.0.2.1:5060',
      'udp 2001:db8::1:5060',
    ]);
    assert.deepEqual(brief(await locateServers(uri('sips:a@example.com'), { dns, families: [6, 4] })), [
      'tls 2001:db8::1:5061',
      'tls 192.0.2.1:5061',
    ]);
  });
  it('explicit transport without port: SRV for that transport, then A', async () => {
    const queries: string[] = [];
    const dns = fakeDns({ a: { 'example.com': ['192.0.2.1'] } }, queries);
    assert.deepEqual(brief(await locateServers(uri('sip:a@example.com;transport=tcp'), { dns, families: [4] })), [
      'tcp 192.0.2.1:5060',
    ]);
    assert.deepEqual(queries, ['SRV _sip._tcp.example.com', 'A example.com']);
  });
  it('fails with RESOLVE_FAILED when nothing is found or a transport is unsupported', async () => {
    await assert.rejects(
      locateServers(uri('sip:a@nowhere.example'), { dns: fakeDns({}) }),
      (error: unknown) => error instanceof TransportError && error.code === 'RESOLVE_FAILED',
    );
    await assert.rejects(
      locateServers(uri('sip:a@192.0.2.1;transport=sctp'), { dns: fakeDns({}) }),
      (error: unknown) => error instanceof TransportError && error.code === 'RESOLVE_FAILED',
    );
    const broken: DnsResolver = {
      ...fakeDns({}),
      resolve4: () => Promise.reject(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })),
    };
    await assert.rejects(locateServers(uri('sip:a@example.com:5060'), { dns: broken }), /DNS failed: timeout/);
  });
});

describe('orderSrvRecords (RFC 2782)', () => {
  it('orders by priority, then weighted random; "." targets are dropped', () => {
    const records = [srv('low', 1, 20, 0), srv('a', 1, 10, 10), srv('b', 1, 10, 90), srv('.', 1, 5, 0)];
    // random 0.05 → running sums a=10 ≥ 5 → a first; then only b.
    assert.deepEqual(
      orderSrvRecords(records, () => 0.05).map((r) => r.name),
      ['a', 'b', 'low'],
    );
    // random 0.5 → 50: a (10) < 50, b (100) ≥ 50 → b first.
    assert.deepEqual(
      orderSrvRecords(records, () => 0.5).map((r) => r.name),
      ['b', 'a', 'low'],
    );
  });
  it('follows the weights over many draws', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let heavyFirst = 0;
    for (let i = 0; i < 2000; i++)
      if (orderSrvRecords([srv('light', 1, 1, 20), srv('heavy', 1, 1, 80)], random)[0]!.name === 'heavy') heavyFirst++;
    assert.ok(heavyFirst > 1400 && heavyFirst < 1800, `heavy first ${heavyFirst}/2000`);
  });
  it('puts zero weights first in the running sum, so they are picked only at random 0', () => {
    assert.deepEqual(
      orderSrvRecords([srv('w', 1, 1, 5), srv('z', 1, 1, 0)], () => 0).map((r) => r.name),
      ['z', 'w'],
    );
    assert.deepEqual(
      orderSrvRecords([srv('w', 1, 1, 5), srv('z', 1, 1, 0)], () => 0.5).map((r) => r.name),
      ['w', 'z'],
    );
  });
});

describe('failover (RFC 3263 §4.3)', () => {
  const targets = [
    { protocol: 'udp' as const, address: '192.0.2.1', port: 5060, serverName: 'example.com' },
    { protocol: 'tcp' as const, address: '192.0.2.2', port: 5060, serverName: 'example.com' },
  ];
  it('moves on after a transport error, a timeout or a 503, not after other answers', () => {
    assert.equal(shouldTryNextTarget({ kind: 'transport-error' }), true);
    assert.equal(shouldTryNextTarget({ kind: 'timeout' }), true);
    assert.equal(shouldTryNextTarget({ kind: 'response', status: 503 }), true);
    assert.equal(shouldTryNextTarget({ kind: 'response', status: 486 }), false);
    const failover = new ServerFailover(targets);
    assert.equal(failover.current?.address, '192.0.2.1');
    assert.equal(failover.remaining, 1);
    assert.equal(failover.next({ kind: 'timeout' })?.address, '192.0.2.2');
    assert.equal(failover.next({ kind: 'transport-error' }), undefined);
  });
  it('tryTargets stops at the first answer that is not a failover', async () => {
    const tried: string[] = [];
    const result = await tryTargets(targets, async (target) => {
      tried.push(target.address);
      return target.address === '192.0.2.1'
        ? { outcome: { kind: 'response', status: 503 }, result: 503 }
        : { outcome: { kind: 'response', status: 200 }, result: 200 };
    });
    assert.equal(result, 200);
    assert.deepEqual(tried, ['192.0.2.1', '192.0.2.2']);
  });
});
