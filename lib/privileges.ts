/**
 * How to get the privilege to capture, told by EPERM errors, the command
 * line tool and the docs from this one place.
 *
 * Giving the capabilities to the system's node binary would let every script
 * of every user capture and inject on every interface. Wireshark's model is
 * used instead: a dedicated copy of the executable (dumpcap there, node here)
 * that only members of a `pcap` group may run, with the capabilities on it.
 */

/** Where the dedicated copy of node goes. */
export const DEDICATED_NODE = '/usr/local/bin/node-pcap';

/** The shell commands that set the dedicated copy up, for a node executable at `nodePath`. */
export function dedicatedNodeCommands(nodePath: string, user = '"$USER"'): string[] {
  return [
    'sudo groupadd -f pcap',
    `sudo usermod -aG pcap ${user}`,
    `sudo install -o root -g pcap -m 0750 ${quote(nodePath)} ${DEDICATED_NODE}`,
    `sudo setcap cap_net_raw,cap_net_admin=eip ${DEDICATED_NODE}`,
  ];
}

function quote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, "'\\''")}'`;
}
