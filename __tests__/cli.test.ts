/**
 * The `ewpcap` command (lib/cli): what it prints, against tcpdump and tshark
 * on the same files and the same traffic, and its exit codes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterTime, bin, endpoints, ewpcap, ewpcapSync, root, sample, tcpdumpRead, watched } from './support/cli';
import { describeLive, T } from './support/netns';
import dgram from 'node:dgram';

const shared = path.resolve(__dirname, '..', '..', 'shared', 'captures');

describe('ewpcap read, compile, --help and usage errors', () => {
  test('read with no file prints the sample capture, one line per packet, as tcpdump -n -q', () => {
    const r = ewpcapSync(['read']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const expected = tcpdumpRead(sample, '-n', '-q');
    expect(lines).toHaveLength(expected.length);
    expect(lines.length).toBeGreaterThanOrEqual(30);
    expect(lines.map(endpoints)).toEqual(expected.map(endpoints));
    expect(lines.map((l) => l.slice(0, 15))).toEqual(expected.map((l) => l.slice(0, 15)));
    expect(r.stderr).toContain('sample capture');
  });

  test('read -f and -c: the filtered packets, up to the count', () => {
    const r = ewpcapSync(['read', '-f', 'tcp', '-c', '5']);
    expect(r.status).toBe(0);
    const expected = tcpdumpRead(sample, '-n', '-q', '-c', '5', 'tcp');
    const lines = r.stdout.trim().split('\n');
    expect(lines.map(endpoints)).toEqual(expected.map(endpoints));
    expect(lines.every((l) => / TCP \[[SFRPUEW.]+\], length \d+$/.test(l))).toBe(true);
  });

  // Every 8th of the shared captures: a process each, and the whole set takes minutes on 2 CPUs.
  const captures = readdirSync(shared)
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .filter((_, i) => i % 8 === 0);
  (captures.length ? test : test.skip)(
    'read of shared captures prints one line per packet that tcpdump reads',
    () => {
      let files = 0;
      for (const f of captures) {
        const file = path.join(shared, f);
        const t = spawnSync('tcpdump', ['-n', '-q', '-r', file], { encoding: 'utf8' });
        if (t.status !== 0) continue; // files tcpdump itself rejects or cuts short
        const r = ewpcapSync(['read', file]);
        expect({ f, status: r.status }).toEqual({ f, status: 0 });
        const ours = r.stdout.split('\n').filter((l) => l !== '');
        // One line per packet. tcpdump continues some on indented lines, and
        // prints a packet with an impossible header without its time.
        const theirs = t.stdout.split('\n').filter((l) => l !== '' && !/^\s/.test(l));
        expect({ f, packets: ours.length }).toEqual({ f, packets: theirs.length });
        if (!theirs.some((l) => l.startsWith('[Invalid header'))) {
          const times = (lines: string[]) => lines.map((l) => l.slice(0, 15));
          expect({ f, times: times(ours) }).toEqual({ f, times: times(theirs) });
        }
        files++;
      }
      expect(files).toBeGreaterThan(20);
    },
    300_000,
  );

  test('read --json: one object per line with the decoded addresses and ports, as tshark reads them', () => {
    const r = ewpcapSync(['read', '--json']);
    expect(r.status).toBe(0);
    const packets = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { time: string; length: number; layers: Array<Record<string, unknown>> });
    const tshark = execFileSync(
      'tshark',
      [
        '-r',
        sample,
        '-T',
        'fields',
        '-E',
        'separator=,',
        '-E',
        'aggregator=;',
        '-e',
        'ip.src',
        '-e',
        'ip.dst',
        '-e',
        'ipv6.src',
      ].concat(['-e', 'ipv6.dst', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'tcp.srcport', '-e', 'tcp.dstport']),
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n');
    expect(packets).toHaveLength(tshark.length);
    packets.forEach((p, i) => {
      const layer = (kind: string) => p.layers.find((l) => l.kind === kind);
      const ip = layer('ipv4') ?? layer('ipv6');
      const transport = layer('udp') ?? layer('tcp');
      // tshark gives the quoted header of an ICMP error too: the first value is the packet's own.
      const [ip4s, ip4d, ip6s, ip6d, us, ud, ts, td] = tshark[i]!.split(',').map((v) => v.split(';')[0]);
      expect(p.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect([ip?.src ?? '', ip?.dst ?? '']).toEqual([ip4s || ip6s, ip4d || ip6d]);
      // For an ICMP error tshark gives the ports of the packet quoted inside it.
      if (!layer('icmp'))
        expect([transport?.srcPort ?? '', transport?.dstPort ?? ''].map(String)).toEqual([us || ts, ud || td]);
    });
    expect(packets.filter((p) => p.layers.some((l) => l.kind === 'tcp'))).toHaveLength(10);
  });

  test.each(
    [
      ['tcp port 80'],
      ['udp and not port 53'],
      ['ip6 and icmp6'],
      ['-O', 'tcp port 80'],
      ['-y', 'LINUX_SLL2', 'host 192.0.2.1'],
      ['-s', '65535', 'arp'],
    ].map((args) => [args.join(' '), args] as const),
  )('compile %s prints what tcpdump -d prints', (_name, args) => {
    const r = ewpcapSync(['compile', ...args]);
    expect(r.status).toBe(0);
    const tcpdump = execFileSync('tcpdump', ['-d', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(r.stdout).toBe(tcpdump);
  });

  test.each(['list', 'capture', 'read', 'send', 'compile'])(
    'ewpcap %s --help prints its usage and exits 0',
    (command) => {
      const r = ewpcapSync([command, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: ewpcap ${command} `));
    },
  );

  const oneLine = (text: string) => {
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    return text.trim();
  };

  test.each([
    [['read', '-c', 'ten'], /'ten' is not a whole number/],
    [['read', '--colour'], /unknown option '--colour'/],
    [['caputre'], /unknown command 'caputre'.*capture/],
    [['compile'], /missing required argument 'expression'/],
    [['capture', '-f', 'tcp', 'udp', 'port', '53'], /-f \('tcp'\) and as the expression \('udp port 53'\): give one/],
  ])('usage error %j: one line, exit code 2', (args, pattern) => {
    const r = ewpcapSync(args);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toMatch(pattern);
    expect(r.stdout).toBe('');
  });

  test('no command: the help on stderr, exit code 2', () => {
    const r = ewpcapSync([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^Usage: ewpcap /);
  });

  test("a bad filter: libpcap's text with the expression, exit code 2", () => {
    for (const args of [
      ['read', '-f', 'tcp prot 80'],
      ['compile', 'tcp prot 80'],
    ]) {
      const r = ewpcapSync(args);
      expect(r.status).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/bad filter expression.*'tcp prot 80'.*syntax error/);
    }
  });

  test('a missing file: one line naming it, exit code 1', () => {
    const r = ewpcapSync(['read', '/nonexistent/trace.pcap']);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/^ewpcap read: .*\/nonexistent\/trace\.pcap.*No such file/);
  });

  test('a file that is not a savefile: one line naming it, exit code 1', () => {
    const notPcap = path.join(root, 'package.json');
    const r = ewpcapSync(['read', notPcap]);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toBe(`ewpcap read: ${JSON.stringify(notPcap)}: unknown file format (EPCAP)`);
  });

  test('libpcap missing: the package to install, exit code 1', () => {
    const r = ewpcapSync(['read'], { EWPCAP_LIBPCAP: '/nonexistent/libpcap.so.1' });
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toMatch(
      /^ewpcap read: libpcap could not be loaded \(.*nonexistent.*\)\. Fix: sudo apt-get install libpcap0\.8$/,
    );
  });
});

function sendUdpFrom(port: number, payloads: string[]): Promise<void> {
  const sock = dgram.createSocket('udp4');
  return new Promise<void>((resolve) => sock.bind({ address: T.ip0, port }, resolve)).then(async () => {
    for (const p of payloads) await new Promise((r) => sock.send(p, 9, T.peer, r));
    sock.close();
  });
}

describeLive('ewpcap capture and send (in the test namespace)', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'ewpcap-cli-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('capture -c N prints N lines for N packets, as tcpdump prints them', async () => {
    const ref = spawnTcpdump(['-n', '-q', '-l', '-i', T.dev1, '-c', '5', 'udp port 9']);
    const cli = ewpcap(['capture', '-i', T.dev1, '-c', '5', 'udp', 'port', '9']);
    await cli.ready(/listening on veth1/);
    await ref.ready(/listening on/);
    await sendUdpFrom(40001, ['1', '22', '333', '4444', '55555', '666666', '7777777']);
    expect(await cli.exited).toBe(0);
    expect(await ref.exited).toBe(0);
    const ours = cli.output().stdout.trim().split('\n');
    const theirs = ref.output().stdout.trim().split('\n');
    expect(ours).toHaveLength(5);
    expect(ours.map(afterTime)).toEqual(theirs.map(afterTime));
    expect(ours[0]).toContain(`IP ${T.ip0}.40001 > ${T.peer}.9: UDP, length 1`);
    expect(cli.output().stderr).toMatch(
      /5 packets captured\n\d+ packets received by filter\n0 packets dropped by kernel\n$/,
    );
  }, 60_000);

  test('capture puts the device into promiscuous mode, as tcpdump does; -p leaves it out', async () => {
    const promiscuity = () =>
      (
        JSON.parse(execFileSync('ip', ['-d', '-j', 'link', 'show', T.dev1], { encoding: 'utf8' })) as Array<{
          promiscuity: number;
        }>
      )[0].promiscuity;
    const seen: number[] = [];
    for (const args of [[], ['-p']]) {
      const cli = ewpcap(['capture', '-i', T.dev1, '-c', '1', ...args, 'udp', 'port', '9']);
      await cli.ready(/listening on/);
      seen.push(promiscuity());
      await sendUdpFrom(40003, ['x']);
      expect(await cli.exited).toBe(0);
    }
    expect({ seen, after: promiscuity() }).toEqual({ seen: [1, 0], after: 0 });
  }, 60_000);

  test('capture --json: the decoded addresses and ports', async () => {
    const cli = ewpcap(['capture', '-i', T.dev1, '-c', '2', '--json', '-f', 'udp port 9']);
    await cli.ready(/listening on/);
    await sendUdpFrom(40002, ['a', 'b']);
    expect(await cli.exited).toBe(0);
    const packets = cli
      .output()
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { length: number; layers: Array<Record<string, unknown>> });
    expect(packets).toHaveLength(2);
    for (const p of packets) {
      expect(p.layers.find((l) => l.kind === 'ipv4')).toMatchObject({ src: T.ip0, dst: T.peer, protocol: 17 });
      expect(p.layers.find((l) => l.kind === 'udp')).toMatchObject({ srcPort: 40002, dstPort: 9 });
      expect(p.length).toBe(14 + 20 + 8 + 1);
    }
  }, 60_000);

  test('capture -w writes a file that tcpdump reads back as it captured the same traffic itself', async () => {
    const ours = path.join(dir, 'ours.pcap');
    const theirs = path.join(dir, 'theirs.pcap');
    const ref = spawnTcpdump(['-n', '-i', T.dev1, '-c', '20', '-w', theirs, 'udp port 9']);
    const cli = ewpcap(['capture', '-i', T.dev1, '-c', '20', '-w', ours, '-f', 'udp port 9']);
    await cli.ready(/listening on/);
    await ref.ready(/listening on/);
    await sendUdpFrom(
      40003,
      Array.from({ length: 25 }, (_, i) => 'x'.repeat(i + 1)),
    );
    expect(await cli.exited).toBe(0);
    expect(await ref.exited).toBe(0);
    expect(cli.output().stdout).toBe('');
    expect(cli.output().stderr).toMatch(/20 packets captured\n/);
    const a = tcpdumpRead(ours, '-n', '-t', '-x');
    expect(a.filter((l) => !l.startsWith('\t'))).toHaveLength(20);
    expect(a).toEqual(tcpdumpRead(theirs, '-n', '-t', '-x'));
  }, 60_000);

  test('send injects the frames of a file, which tcpdump sees byte for byte', async () => {
    const seen = path.join(dir, 'sent.pcap');
    const ref = spawnTcpdump(['-n', '-i', T.dev1, '-c', '34', '-w', seen]);
    await ref.ready(/listening on/);
    const r = ewpcapSync(['send', sample, '-i', T.dev0, '--rate', '2000']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^34 packets sent \(\d+ bytes\) on veth0/);
    expect(await ref.exited).toBe(0);
    expect(tcpdumpRead(seen, '-n', '-t', '-x')).toEqual(tcpdumpRead(sample, '-n', '-t', '-x'));
  }, 60_000);

  test('send --count and --rate: that many frames, at that pace', async () => {
    const started = Date.now();
    const r = ewpcapSync(['send', sample, '-i', T.dev0, '--rate', '50', '-c', '11']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^11 packets sent/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200); // 10 gaps of 20 ms
  }, 60_000);

  test('no privilege: the commands for a dedicated node in a pcap group, exit code 1', async () => {
    // Root without CAP_NET_RAW and CAP_NET_ADMIN, as an ordinary user is.
    const r = spawnSync(
      'setpriv',
      [
        '--bounding-set=-net_raw,-net_admin',
        '--inh-caps=-all',
        process.execPath,
        bin,
        'capture',
        '-i',
        T.dev1,
        '-c',
        '1',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    const line = r.stderr.trim().split('\n').pop()!;
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('ewpcap')),
    ).toHaveLength(1);
    expect(line).toMatch(/^ewpcap capture: no permission to capture on veth1 \(EPERM\)/);
    expect(line).toContain('sudo groupadd -f pcap && sudo usermod -aG pcap "$USER"');
    expect(line).toContain('sudo setcap cap_net_raw,cap_net_admin=eip /usr/local/bin/node-pcap');
    expect(line).not.toMatch(/setcap [^&]*\/node(\s|$)/);
  });

  test('no privilege to send: the same line, saying send, exit code 1', () => {
    const r = spawnSync(
      'setpriv',
      ['--bounding-set=-net_raw,-net_admin', '--inh-caps=-all', process.execPath, bin, 'send', sample, '-i', T.dev0],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    const line = r.stderr.trim();
    expect(line).toMatch(/^ewpcap send: no permission to send on veth0 \(EPERM\)/);
    expect(line).toContain('sudo setcap cap_net_raw,cap_net_admin=eip /usr/local/bin/node-pcap');
    expect(line).toMatch(/then run: node-pcap "\$\(command -v ewpcap\)" send \.\.\.$/);
  });

  test('no such device: names it and points at ewpcap list, exit code 1', () => {
    const r = ewpcapSync(['capture', '-i', 'nosuch0', '-c', '1']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^ewpcap capture: .*nosuch0.*`ewpcap list` shows the devices$/);
  });

  test('list shows the namespace devices with their addresses; --json is getifaddrs()', async () => {
    const r = ewpcapSync(['list']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^NAME +FLAGS +ADDRESSES +DESCRIPTION\n/);
    expect(r.stdout).toMatch(new RegExp(`^veth0 +UP,RUNNING +${T.ip0.replace(/\./g, '\\.')} `, 'm'));
    const json = JSON.parse(ewpcapSync(['list', '--json']).stdout) as Array<{ name: string }>;
    expect(json.map((d) => d.name)).toEqual(expect.arrayContaining([T.dev0, T.dev1, 'lo']));
    const { getifaddrs } = await import('../lib');
    expect(json.map((d) => d.name)).toEqual((await getifaddrs()).map((d) => d.name));
  }, 60_000);
});

function spawnTcpdump(args: string[]) {
  return watched('tcpdump', args);
}
