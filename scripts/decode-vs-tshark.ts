// By hand: npx tsx scripts/decode-vs-tshark.ts — every difference between decode() and tshark
// on ../shared/captures (the test prints only the first 40).
import { compareWithTshark, report } from '../__tests__/support/decode-tshark';

void compareWithTshark().then((c) => {
  process.stdout.write(c.failures.join('\n') + '\n' + report(c));
  process.exitCode = c.failures.length === 0 ? 0 : 1;
});
