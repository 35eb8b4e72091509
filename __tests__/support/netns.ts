/**
 * The live-test namespace made by scripts/netns.js (see its header for the
 * topology). Live suites use describeLive: outside the namespace they are
 * reported as skipped, with the reason in their name and on stderr.
 */
import { execFileSync } from 'node:child_process';

export const live = process.env.EWPCAP_NETNS === '1';
export const skipReason =
  process.env.EWPCAP_NETNS_SKIP ?? 'not inside the test namespace: run the suite with `npm test` (scripts/netns.js)';

export const T = {
  dev0: process.env.EWPCAP_TEST_DEV0 ?? 'veth0',
  dev1: process.env.EWPCAP_TEST_DEV1 ?? 'veth1',
  ip0: process.env.EWPCAP_TEST_IP0 ?? '198.18.0.1',
  ip1: process.env.EWPCAP_TEST_IP1 ?? '198.18.1.1',
  peer: process.env.EWPCAP_TEST_PEER ?? '198.18.0.2',
  ip6_0: process.env.EWPCAP_TEST_IP6_0 ?? '2001:db8:e::1',
  ip6_1: process.env.EWPCAP_TEST_IP6_1 ?? '2001:db8:e:1::1',
};

export function describeLive(name: string, fn: () => void): void {
  if (live) {
    describe(name, fn);
  } else {
    process.stderr.write(`SKIPPED live suite "${name}": ${skipReason}\n`);
    describe.skip(`${name} [skipped: ${skipReason}]`, fn);
  }
}

export function ipJson<T = unknown>(...args: string[]): T {
  return JSON.parse(execFileSync('ip', ['-j', ...args], { encoding: 'utf8' })) as T;
}

export function macOf(device: string): string {
  return ipJson<Array<{ address: string }>>('link', 'show', device)[0]!.address;
}
