/**
 * decode() equals tshark, field by field, on every packet of ../shared/captures
 * whose link type the decoder supports (see support/decode-tshark.ts for the
 * fields, the tshark preferences and the differences accepted).
 */
import { compareWithTshark, present, report } from './support/decode-tshark';

if (!present)
  process.stderr.write(
    '\n*** SKIPPED: ../shared/captures or tshark/mergecap absent: decode-vs-tshark did not run. ***\n\n',
  );

(present ? describe : describe.skip)('decode() equals tshark on ../shared/captures', () => {
  test('every field of every packet of a supported link type', async () => {
    const c = await compareWithTshark();
    process.stdout.write(report(c));
    expect(c.failures.slice(0, 40)).toEqual([]);
    expect(c.packets).toBeGreaterThan(4000);
    expect(c.compared).toBeGreaterThan(40000);
  }, 120_000);
});
