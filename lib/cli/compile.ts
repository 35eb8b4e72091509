/** `ewpcap compile`: a filter expression's BPF program, printed as `tcpdump -d` prints it. */
import type { Command } from 'commander';
import { compile } from '../index';
import { action } from './action';
import { integer } from './options';

interface CompileCommandOptions {
  linktype: string;
  optimize: boolean;
  snaplen: number;
}

/** tcpdump's default snapshot length, which its `ret` instructions show. */
const TCPDUMP_SNAPLEN = 262144;

export function registerCompile(root: Command): void {
  root
    .command('compile')
    .description('print the BPF program of a filter expression, as tcpdump -d (no device needed)')
    .argument('<expression...>', 'filter expression, e.g. "tcp port 80"')
    .option('-y, --linktype <name>', 'link type the program is for, by name or number', 'EN10MB')
    .option('-O, --no-optimize', "do not run libpcap's optimiser (as tcpdump -O)")
    .option('-s, --snaplen <bytes>', "snapshot length, which a matching program returns (tcpdump's 262144)", integer(1))
    .addHelpText(
      'after',
      `
Examples:
  ewpcap compile 'tcp port 80'
  ewpcap compile -y LINUX_SLL2 -O 'udp and not port 53'`,
    )
    .action(
      action('compile', async (context, words: string[], o: CompileCommandOptions) => {
        const expression = words.join(' ');
        context.filter = expression;
        const linktype = /^\d+$/.test(o.linktype) ? Number(o.linktype) : o.linktype;
        const program = await compile(expression, {
          linktype,
          optimize: o.optimize,
          snaplen: o.snaplen ?? TCPDUMP_SNAPLEN,
        });
        process.stdout.write(`${program.dump()}\n`);
        return 0;
      }),
    );
}
