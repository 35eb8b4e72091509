/**
 * The capture threads' time slice: each pool thread asks the kernel for a
 * long slice (EWPCAP_CAPTURE_SLICE_MS, default 20), so that a waking main
 * thread runs before it. Checked on the threads themselves, through
 * /proc/self/task/<tid>/sched, in fresh processes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { warmupSavefile } from '../lib/warmup';

const root = path.resolve(__dirname, '..');

/** Linux 6.12 added per-thread slices for SCHED_OTHER (sched_attr.sched_runtime). */
function kernelHasSlices(): boolean {
  if (process.platform !== 'linux') return false;
  const [major = 0, minor = 0] = os.release().split(/[.-]/).map(Number);
  return major > 6 || (major === 6 && minor >= 12);
}

const schedReadable = process.platform === 'linux' && /se\.slice/.test(fs.readFileSync('/proc/self/sched', 'utf8'));

interface Probe {
  reported: number | undefined;
  main: number | null;
  others: Array<number | null>;
  /** The same while a savefile was open on that thread (probe(env, file)). */
  offline?: Array<number | null>;
  /** The same after a live capture job ran on that thread next (probe(env, file)). */
  again?: Array<number | null>;
  stderr: string;
}

/**
 * Starts `threads` capture threads in a fresh process and reads every
 * thread's slice; with `file`, also while that savefile is open on a thread,
 * and after a live capture job (one that fails: no such device) ran next.
 */
function probe(env: Record<string, string | undefined>, file?: string, threads = 1): Probe {
  const script = `
    const fs = require('fs');
    const e = require(${JSON.stringify(root)});
    const slice = (tid) => {
      const m = /se\\.slice\\s*:\\s*(\\d+)/.exec(fs.readFileSync('/proc/self/task/' + tid + '/sched', 'utf8'));
      return m ? Number(m[1]) : null;
    };
    const others = () => fs.readdirSync('/proc/self/task').filter((t) => t !== String(process.pid)).map(slice);
    e.prewarm(${threads}).then(async () => {
      const out = { reported: e.diagnostics().captureThreadSliceNs, main: slice(process.pid), others: others() };
      const file = ${JSON.stringify(file ?? null)};
      if (file) {
        const s = await e.openOffline(file);
        out.offline = others();
        await s.close();
        await e.open('ewpcap-no-such-device0').then((c) => c.close(), () => undefined);
        out.again = others();
      }
      console.log(JSON.stringify(out));
    });`;
  const r = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
    // NODE_NO_WARNINGS would hide the warning that a test looks for.
    env: { ...process.env, EWPCAP_CAPTURE_SLICE_MS: undefined, NODE_NO_WARNINGS: undefined, ...env },
  });
  expect(r.error).toBeUndefined();
  expect(r.status).toBe(0);
  return { ...(JSON.parse(r.stdout) as Omit<Probe, 'stderr'>), stderr: r.stderr };
}

const describeLinux = schedReadable ? describe : describe.skip;
if (!schedReadable) {
  console.warn(
    'thread-slice tests SKIPPED: no /proc/self/sched with se.slice on this system (not Linux, or an old kernel)',
  );
}

describeLinux('capture thread time slice', () => {
  if (!kernelHasSlices()) {
    test('a kernel without per-thread slices keeps its default and reports 0', () => {
      const p = probe({});
      expect(p.reported).toBe(0);
      expect(p.others.every((s) => s === p.main)).toBe(true);
    });
    return;
  }

  test('by default the capture thread runs with a 20 ms slice, and no other thread is touched', () => {
    const p = probe({});
    expect(p.reported).toBe(20_000_000);
    expect(p.others.filter((s) => s === 20_000_000)).toHaveLength(1);
    expect(p.main).not.toBe(20_000_000);
    // Every thread but the capture thread keeps the process's own slice.
    expect(p.others.filter((s) => s !== p.main)).toHaveLength(1);
  });

  test('a savefile is read with the kernel default slice, and the thread asks again for live captures', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewpcap-slice-'));
    try {
      // More packets than the 2 batches a savefile job posts ahead of its
      // consumer: with none, the job stays running (an empty file would end
      // it at once, and the thread goes back to the live slice after a job).
      const file = path.join(dir, 'five-batches.pcap');
      fs.writeFileSync(file, warmupSavefile(5000));
      const p = probe({}, file);
      expect(p.others.filter((s) => s === 20_000_000)).toHaveLength(1);
      expect(p.offline).toBeDefined();
      expect(p.offline!.every((s) => s === p.main)).toBe(true);
      expect(p.again!.filter((s) => s === 20_000_000)).toHaveLength(1);
      expect(p.reported).toBe(20_000_000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('EWPCAP_CAPTURE_SLICE_MS sets the slice, in milliseconds', () => {
    const p = probe({ EWPCAP_CAPTURE_SLICE_MS: '5' });
    expect(p.reported).toBe(5_000_000);
    expect(p.others.filter((s) => s === 5_000_000)).toHaveLength(1);
  });

  test('the slice reported is the one the kernel set: it raises less than 0.1 ms to 0.1 ms', () => {
    const p = probe({ EWPCAP_CAPTURE_SLICE_MS: '0.05' });
    expect(p.reported).toBe(100_000);
    expect(p.others.filter((s) => s === 100_000)).toHaveLength(1);
  });

  test('EWPCAP_CAPTURE_SLICE_MS=0 leaves every thread with the kernel default', () => {
    const p = probe({ EWPCAP_CAPTURE_SLICE_MS: '0' });
    expect(p.reported).toBe(0);
    expect(p.others.every((s) => s === p.main)).toBe(true);
  });

  test('a bad EWPCAP_CAPTURE_SLICE_MS is reported once as a warning, and the default is used', () => {
    for (const bad of ['fast', '-1', '101', 'Infinity']) {
      const p = probe({ EWPCAP_CAPTURE_SLICE_MS: bad }, undefined, 2);
      expect(p.reported).toBe(20_000_000);
      expect(p.others.filter((s) => s === 20_000_000)).toHaveLength(2);
      expect(p.stderr).toContain('EWPCAP_CAPTURE_SLICE_MS');
      expect(p.stderr.match(/EWPCAP_CAPTURE_SLICE_MS=/g)).toHaveLength(1);
    }
  });
});
