/**
 * dev() and getifaddrs() against the test namespace, whose devices and
 * addresses are known exactly; compared with `ip -j addr` and
 * os.networkInterfaces().
 */
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { dev, getifaddrs, type Interface } from '../lib';
import { describeLive, ipJson, macOf, T } from './support/netns';

interface IpAddr {
  ifname: string;
  flags: string[];
  address?: string;
  addr_info: Array<{ family: 'inet' | 'inet6'; local: string; prefixlen: number; broadcast?: string }>;
}

// Devices libpcap adds that are not network interfaces of the namespace.
const PSEUDO = /^(any|nflog|nfqueue|bluetooth-monitor|bluetooth\d+|dbus-system|dbus-session|usbmon\d+|dummy\d+)$/;

function prefixToMask(family: 'inet' | 'inet6', prefix: number): string {
  const bits = family === 'inet' ? 32 : 128;
  const bytes = new Uint8Array(bits / 8);
  for (let i = 0; i < prefix; i++) bytes[i >> 3]! |= 0x80 >> (i & 7);
  if (family === 'inet') return Array.from(bytes).join('.');
  // Same text form as os.networkInterfaces().
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

describeLive('devices in the test namespace', () => {
  let devices: Interface[];
  let ip: IpAddr[];

  beforeAll(async () => {
    devices = await getifaddrs();
    ip = ipJson<IpAddr[]>('addr');
  });

  test('getifaddrs() lists exactly the namespace interfaces plus libpcap pseudo-devices', () => {
    const names = devices.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    const real = names.filter((n) => !PSEUDO.test(n)).sort();
    expect(real).toEqual(ip.map((i) => i.ifname).sort());
    expect(real).toEqual(['lo', T.dev0, T.dev1].sort());
    expect(names).toContain('any');
  });

  test('every IPv4 and IPv6 address and netmask is the one the harness assigned (ip -j addr)', () => {
    for (const iface of ip) {
      const d = devices.find((x) => x.name === iface.ifname)!;
      const ours = d.addresses
        .filter((a) => a.family !== 'link')
        .map((a) => `${a.family} ${a.addr} ${a.netmask} ${a.family === 'inet' ? (a.broadaddr ?? 'none') : ''}`)
        .sort();
      const theirs = iface.addr_info
        .map(
          (a) =>
            `${a.family} ${a.local} ${prefixToMask(a.family, a.prefixlen)} ${a.family === 'inet' ? (a.broadcast ?? 'none') : ''}`,
        )
        .sort();
      expect(ours).toEqual(theirs);
    }
    const veth0 = devices.find((x) => x.name === T.dev0)!;
    expect(veth0.addresses).toEqual(
      expect.arrayContaining([
        { family: 'inet', addr: T.ip0, netmask: '255.255.255.0', broadaddr: '198.18.0.255' },
        expect.objectContaining({ family: 'inet6', addr: T.ip6_0, netmask: 'ffff:ffff:ffff:ffff::' }),
      ]),
    );
  });

  test('addresses agree with os.networkInterfaces(), link-local scope ids included', () => {
    const nodeView = os.networkInterfaces();
    for (const [name, infos] of Object.entries(nodeView)) {
      const d = devices.find((x) => x.name === name)!;
      expect(d).toBeDefined();
      for (const info of infos ?? []) {
        const family = info.family === 'IPv4' ? 'inet' : 'inet6';
        const match = d.addresses.find((a) => a.family === family && a.addr === info.address);
        expect(match).toBeDefined();
        expect(match!.netmask).toBe(info.netmask);
        if (family === 'inet6' && info.scopeid) expect(match!.scopeId).toBe(info.scopeid);
      }
    }
  });

  test('link-layer addresses and flags are reported', () => {
    for (const name of [T.dev0, T.dev1]) {
      const d = devices.find((x) => x.name === name)!;
      const link = d.addresses.find((a) => a.family === 'link');
      expect(link?.addr).toBe(macOf(name));
      expect(d.flags).toMatchObject({ loopback: false, up: true, running: true, wireless: false });
    }
    const lo = devices.find((x) => x.name === 'lo')!;
    expect(lo.flags).toMatchObject({ loopback: true, up: true, running: true, connectionStatus: 'not-applicable' });
    const veth0 = devices.find((x) => x.name === T.dev0)!;
    expect(veth0.flags.connectionStatus).toBe('connected');
    expect(veth0.addresses.find((a) => a.family === 'inet')!.broadaddr).toBe('198.18.0.255');
  });

  test('dev() returns a device that getifaddrs() lists, the first one', async () => {
    const name = await dev();
    expect(devices.map((d) => d.name)).toContain(name);
    expect(name).toBe(devices[0]!.name);
  });
});

describe('devices from worker threads', () => {
  const script = `
    const { parentPort } = require('node:worker_threads');
    const m = require(${JSON.stringify(path.resolve(__dirname, '..', 'dist'))});
    Promise.all([m.getifaddrs(), m.dev()]).then(
      ([devices, name]) => parentPort.postMessage({ names: devices.map((d) => d.name), name, version: m.libVersion() }),
      (e) => parentPort.postMessage({ error: e.code + ': ' + e.message }));`;

  function inWorker(): Promise<{ names: string[]; name: string; version: string; error?: string }> {
    return new Promise((resolve, reject) => {
      const w = new Worker(script, { eval: true });
      w.once('message', (m) => {
        resolve(m);
        void w.terminate();
      });
      w.once('error', reject);
    });
  }

  test("getifaddrs(), dev() and libVersion() work in a user's worker thread", async () => {
    const expected = (await getifaddrs()).map((d) => d.name);
    const r = await inWorker();
    expect(r.error).toBeUndefined();
    expect(r.names).toEqual(expected);
    expect(r.names).toContain(r.name);
    expect(r.version).toMatch(/^libpcap version/);
  });

  test('and in two workers at once (the addon is context-aware)', async () => {
    const expected = (await getifaddrs()).map((d) => d.name);
    const [a, b] = await Promise.all([inWorker(), inWorker()]);
    expect(a.names).toEqual(expected);
    expect(b.names).toEqual(expected);
  });
});

describe('device scan memory', () => {
  test('1,000 getifaddrs() calls do not grow RSS (libpcap list freed)', () => {
    // Three rounds of 1,000 calls after a warm-up; the heap settles in
    // steps, so the smallest round's growth is what a leak cannot hide
    // from: without pcap_freealldevs() every round grows by ~3.9 MB here.
    const script = `
      const m = require('./dist');
      const settle = async () => { gc(); await new Promise((r) => setTimeout(r, 50)); gc(); };
      (async () => {
        for (let i = 0; i < 300; i++) await m.getifaddrs();
        const rounds = [];
        for (let round = 0; round < 3; round++) {
          await settle();
          const before = process.memoryUsage().rss;
          for (let i = 0; i < 1000; i++) await m.getifaddrs();
          await settle();
          rounds.push(process.memoryUsage().rss - before);
        }
        console.log(JSON.stringify({ rounds, devices: (await m.getifaddrs()).length }));
      })();`;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], {
      cwd: path.resolve(__dirname, '..'),
      encoding: 'utf8',
    });
    const { rounds, devices } = JSON.parse(r.stdout) as { rounds: number[]; devices: number };
    process.stderr.write(`getifaddrs x1000 x3 (${devices} devices): RSS growth per round ${rounds.join(', ')} bytes\n`);
    expect(Math.min(...rounds)).toBeLessThan(2 * 1024 * 1024);
  });
});
