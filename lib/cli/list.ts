/** `ewpcap list`: the capture devices, as a table or as JSON. */
import type { Command } from 'commander';
import { getifaddrs, type Interface } from '../index';
import { action } from './action';

export function registerList(root: Command): void {
  root
    .command('list')
    .description('list the capture devices: name, flags, addresses, description')
    .option('--json', 'one JSON array, as getifaddrs() returns it')
    .action(
      action('list', async (_context, options: { json?: boolean }) => {
        const devices = await getifaddrs();
        process.stdout.write(options.json ? `${JSON.stringify(devices, null, 2)}\n` : table(devices));
        return 0;
      }),
    );
}

function flags(d: Interface): string {
  const f = d.flags;
  return (
    [f.up && 'UP', f.running && 'RUNNING', f.loopback && 'LOOPBACK', f.wireless && 'WIRELESS']
      .filter(Boolean)
      .join(',') || '-'
  );
}

function addresses(d: Interface): string {
  const list = d.addresses.filter((a) => a.family !== 'link').map((a) => a.addr);
  return list.length ? list.join(' ') : '-';
}

function table(devices: Interface[]): string {
  const rows = [
    ['NAME', 'FLAGS', 'ADDRESSES', 'DESCRIPTION'],
    ...devices.map((d) => [d.name, flags(d), addresses(d), d.description || '-']),
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell)).join('  ')).join('\n') + '\n';
}
