/**
 * Kernel drops are reported: when a burst overflows the capture's ring, the
 * socket emits one 'warning' with how many were dropped and which option
 * helps, and no more than one per DROP_WARNING_INTERVAL_MS.
 */
import { open } from '../lib';
import { DROP_WARNING_INTERVAL_MS } from '../lib/drops';
import { describeLive, T } from './support/netns';
import { FRAME_FILTER, frame, framer, sendFrames, sleep } from './support/traffic';

interface Warned {
  at: number;
  message: string;
}

/** "dropped N packets ... (T in all)" */
function counts(message: string): { dropped: number; total: number } {
  const m = /dropped (\d+) packets? .*\((\d+) in all\)/.exec(message);
  if (!m) throw new Error(`not a drop warning: ${message}`);
  return { dropped: Number(m[1]), total: Number(m[2]) };
}

describeLive('kernel drops', () => {
  test('a burst that overflows the ring gives exactly the rate-limited warnings', async () => {
    const s = await open(T.dev1, { filter: FRAME_FILTER, buffer: 1 << 20, maxBatchesInFlight: 1 });
    const w = await open(T.dev0);
    const big = await open(T.dev1, { filter: FRAME_FILTER, buffer: 32 << 20, maxBatchesInFlight: 1 });
    const warned: Warned[] = [];
    const bigWarned: string[] = [];
    s.on('warning', (message: string) => warned.push({ at: Date.now(), message }));
    big.on('warning', (message: string) => bigWarned.push(message));
    big.on('packet', () => undefined);
    const make = framer();
    // The capture thread is held back (one batch in flight, nothing consumed)
    // while 300 frames arrive back to back: a 1 MiB immediate-mode ring has
    // ~15 slots of 64 KiB, so most of them are dropped. The 32 MiB ring of a
    // socket that consumes holds them.
    const burst = async (from: number): Promise<void> => {
      await sendFrames(w, 300, (i) => make(from + i), 50, 0);
    };
    try {
      await w.write(frame(0));
      await sleep(100);
      const t0 = Date.now();
      await burst(1);
      await sleep(600);
      expect(warned).toHaveLength(1);
      const first = counts(warned[0]!.message);
      const afterFirst = (await s.stats()).drop;
      expect(first.dropped).toBeGreaterThan(0);
      expect(first.total).toBe(first.dropped);
      expect(first.total).toBe(afterFirst);
      expect(warned[0]!.message).toMatch(/since the capture began/);
      expect(warned[0]!.message).toMatch(/`buffer` option \(now 1 MiB\)/);
      expect(warned[0]!.message).toMatch(/timeout: 10/);

      // Drops again within the interval: no second warning until it has
      // passed, then one with what was dropped meanwhile.
      await burst(301);
      await sleep(600);
      const afterSecond = (await s.stats()).drop;
      expect(afterSecond).toBeGreaterThan(afterFirst);
      expect(warned).toHaveLength(1);
      while (Date.now() - warned[0]!.at < DROP_WARNING_INTERVAL_MS + 1000) await sleep(100);
      expect(warned).toHaveLength(2);
      expect(warned[1]!.at - warned[0]!.at).toBeGreaterThanOrEqual(DROP_WARNING_INTERVAL_MS - 50);
      const second = counts(warned[1]!.message);
      expect(second).toEqual({ dropped: afterSecond - afterFirst, total: afterSecond });
      expect(warned[1]!.message).toMatch(/since the last warning/);
      expect(Date.now() - t0).toBeLessThan(DROP_WARNING_INTERVAL_MS + 3000);

      // The large ring lost nothing and said nothing.
      expect((await big.stats()).drop).toBe(0);
      expect(bigWarned).toEqual([]);
    } finally {
      await Promise.all([s.close(), w.close(), big.close()]);
    }
  }, 20_000);

  test("immediate mode's default buffer holds a held-back burst that 8 MiB drops", async () => {
    // 500 frames while the capture thread is held back: 8 MiB is ~127
    // immediate-mode slots, the default (32 MiB) ~500.
    const burst = async (options: { buffer?: number }) => {
      const s = await open(T.dev1, { filter: FRAME_FILTER, maxBatchesInFlight: 1, ...options });
      const w = await open(T.dev0);
      const warnings: string[] = [];
      s.on('warning', (m: string) => warnings.push(m));
      try {
        await w.write(frame(0));
        await sleep(100);
        await sendFrames(w, 450, framer(), 50, 0);
        await sleep(300);
        let got = 0;
        s.on('packet', () => got++);
        const deadline = Date.now() + 3000;
        while (got < 451 && Date.now() < deadline) await sleep(20);
        return { got, drop: (await s.stats()).drop, warned: warnings.length };
      } finally {
        await Promise.all([s.close(), w.close()]);
      }
    };
    const small = await burst({ buffer: 8 << 20 });
    expect(small.drop).toBeGreaterThan(0);
    expect(small.warned).toBe(1);
    expect(await burst({})).toEqual({ got: 451, drop: 0, warned: 0 });
  }, 20_000);
});
