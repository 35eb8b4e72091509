#!/usr/bin/env node
/*
 * Runs a command inside a private network namespace set up for the live
 * tests, so they are deterministic and send nothing outside:
 *
 *   lo     up (127.0.0.1, ::1)
 *   veth0  198.18.0.1/24, 2001:db8:e::1/64     (RFC 2544 / RFC 3849 test ranges)
 *   veth1  198.18.1.1/24, 2001:db8:e:1::1/64   the other end of the pair
 *   198.18.0.2 is a static neighbour on veth0 whose MAC is veth1's: kernel
 *   traffic to it leaves through veth0 and arrives on veth1.
 *
 * As root it uses `unshare --net`. An ordinary user gets a user namespace
 * where the kernel allows unprivileged ones: `unshare --user
 * --map-current-user --keep-caps --net` first, which keeps the user's own
 * uid inside (with the namespace's capabilities), so tcpdump does not
 * believe it is root and try to drop to its 'tcpdump' user (which fails in
 * a user namespace), and Jest's and tsx's caches in the temporary directory
 * (named after the uid) are the user's own, not root's. Where unshare lacks
 * --keep-caps (util-linux < 2.38) it falls back to `--map-root-user`, with
 * TMPDIR set to a directory of the real user's so those caches still do
 * not collide with root's (tcpdump then cannot read or write files). When neither
 * works it runs the command outside any namespace with EWPCAP_NETNS_SKIP set
 * to the reason, and the live tests report themselves skipped with it.
 *
 *   node scripts/netns.js <command> [args...]
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const TOPOLOGY = {
  EWPCAP_TEST_DEV0: 'veth0',
  EWPCAP_TEST_DEV1: 'veth1',
  EWPCAP_TEST_IP0: '198.18.0.1',
  EWPCAP_TEST_IP1: '198.18.1.1',
  EWPCAP_TEST_PEER: '198.18.0.2',
  EWPCAP_TEST_IP6_0: '2001:db8:e::1',
  EWPCAP_TEST_IP6_1: '2001:db8:e:1::1',
};

function run(cmd, args, options = {}) {
  return spawnSync(cmd, args, { stdio: 'inherit', ...options });
}

function setup() {
  const T = TOPOLOGY;
  const steps = [
    ['link', 'set', 'lo', 'up'],
    ['link', 'add', T.EWPCAP_TEST_DEV0, 'type', 'veth', 'peer', 'name', T.EWPCAP_TEST_DEV1],
    ['addr', 'add', `${T.EWPCAP_TEST_IP0}/24`, 'brd', '+', 'dev', T.EWPCAP_TEST_DEV0],
    ['addr', 'add', `${T.EWPCAP_TEST_IP1}/24`, 'brd', '+', 'dev', T.EWPCAP_TEST_DEV1],
    ['addr', 'add', `${T.EWPCAP_TEST_IP6_0}/64`, 'dev', T.EWPCAP_TEST_DEV0, 'nodad'],
    ['addr', 'add', `${T.EWPCAP_TEST_IP6_1}/64`, 'dev', T.EWPCAP_TEST_DEV1, 'nodad'],
    ['link', 'set', T.EWPCAP_TEST_DEV0, 'up'],
    ['link', 'set', T.EWPCAP_TEST_DEV1, 'up'],
  ];
  for (const step of steps) {
    const r = run('ip', step);
    if (r.status !== 0) throw new Error(`ip ${step.join(' ')} failed`);
  }
  const mac = JSON.parse(spawnSync('ip', ['-j', 'link', 'show', T.EWPCAP_TEST_DEV1]).stdout)[0].address;
  if (
    run('ip', ['neigh', 'add', T.EWPCAP_TEST_PEER, 'lladdr', mac, 'dev', T.EWPCAP_TEST_DEV0, 'nud', 'permanent'])
      .status !== 0
  ) {
    throw new Error('ip neigh add failed');
  }
  // No IPv6 router solicitations or other chatter of the kernel's own.
  spawnSync('sysctl', ['-qw', 'net.ipv6.conf.all.router_solicitations=0']);
}

/**
 * TMPDIR for a run as uid 0 of a user namespace: Jest (jest_0) and tsx
 * (tsx-0) name their caches after the uid they see, which would be root's.
 */
function ownTmpdir(env) {
  if (!process.getuid || process.getuid() === 0) return env;
  const dir = path.join(os.tmpdir(), `ewpcap-${process.getuid()}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { ...env, TMPDIR: dir };
}

function main() {
  const command = process.argv.slice(2);
  if (command.length === 0) {
    console.error('usage: node scripts/netns.js <command> [args...]');
    process.exit(2);
  }
  if (process.env.EWPCAP_NETNS_INSIDE === '1') {
    setup();
    const r = run(command[0], command.slice(1), { env: { ...process.env, ...TOPOLOGY, EWPCAP_NETNS: '1' } });
    process.exit(r.status ?? 1);
  }
  const env = { ...process.env, EWPCAP_NETNS_INSIDE: '1' };
  const self = [process.execPath, __filename, ...command];
  const asRoot = process.getuid && process.getuid() === 0;
  const attempts = asRoot
    ? [['--net'], ['--user', '--map-root-user', '--net']]
    : [
        ['--user', '--map-current-user', '--keep-caps', '--net'],
        ['--user', '--map-root-user', '--net'],
      ];
  const reasons = [];
  for (const flags of attempts) {
    // Probe first, so that a failing test run is never mistaken for a failing namespace.
    const probe = spawnSync(
      'unshare',
      [...flags, 'ip', 'link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1'],
      {
        encoding: 'utf8',
      },
    );
    if (probe.status !== 0) {
      reasons.push(`unshare ${flags.join(' ')}: ${(probe.stderr || probe.error?.message || '').trim()}`);
      continue;
    }
    const r = run('unshare', [...flags, ...self], { env: flags.includes('--map-root-user') ? ownTmpdir(env) : env });
    process.exit(r.status ?? 1);
  }
  const reason = `no private network namespace could be made (${reasons.join('; ')})`;
  console.warn(`ewpcap: live capture tests will be SKIPPED: ${reason}`);
  const r = run(command[0], command.slice(1), { env: { ...process.env, EWPCAP_NETNS_SKIP: reason } });
  process.exit(r.status ?? 1);
}

main();
