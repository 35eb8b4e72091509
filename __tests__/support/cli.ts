/** Runs the `ewpcap` command as users do (bin/ewpcap.js on dist/), for the CLI suites. */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';
import { sleep } from './traffic';

export const root = path.resolve(__dirname, '..', '..');
export const bin = path.join(root, 'bin', 'ewpcap.js');
export const sample = path.join(root, 'data', 'sample.pcap');

export function ewpcapSync(args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

/** A running process: its output so far, its exit, and a wait for a pattern in its output. */
export function watched(cmd: string, args: string[], cwd?: string) {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const ready = async (pattern: RegExp) => {
    for (let i = 0; i < 600 && !pattern.test(stderr + stdout); i++) await sleep(25);
    if (!pattern.test(stderr + stdout)) throw new Error(`no ${pattern} in the output of ${cmd}: ${stderr}${stdout}`);
  };
  return { child, exited, ready, output: () => ({ stdout, stderr }) };
}

/** A running `ewpcap`. */
export function ewpcap(args: string[]) {
  return watched(process.execPath, [bin, ...args]);
}

/** tcpdump's lines for a file, with its options. */
export function tcpdumpRead(file: string, ...options: string[]): string[] {
  const r = spawnSync('tcpdump', [...options, '-r', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tcpdump -r ${file}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** The part of a summary line after the time: "IP 198.18.0.1.5000 > 198.18.0.2.9: UDP, length 3". */
export function afterTime(line: string): string {
  return line.replace(/^\d\d:\d\d:\d\d\.\d+ /, '');
}

/** The addresses and ports of a tcpdump -n -q line: "IP 198.18.0.1.5000 > 198.18.0.2.9". */
export function endpoints(line: string): string {
  return afterTime(line).replace(/:.*$/, '');
}
