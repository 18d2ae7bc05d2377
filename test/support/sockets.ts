import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';

export interface ListeningSocket {
  address: string;
  port: number;
  inode: string;
}

/** `/proc/net/tcp` writes each 32-bit word of an address in host byte order; this reads the bytes in network order. */
function addressBytes(hex: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 8) {
    const word = hex
      .slice(i, i + 8)
      .match(/../g)!
      .map((b) => Number.parseInt(b, 16));
    bytes.push(...(endianness() === 'LE' ? word.reverse() : word));
  }
  return bytes;
}

function formatAddress(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  const mappedV4 = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mappedV4) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** The LISTEN entries of one /proc/net/tcp or tcp6 table. */
export function parseListening(table: string): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const line of table.trim().split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
    const fields = line.trim().split(/\s+/);
    const [local, state, inode] = [fields[1]!, fields[3], fields[9]!];
    if (state !== '0A') continue; // TCP_LISTEN
    const [hexAddress, hexPort] = local.split(':') as [string, string];
    sockets.push({
      address: formatAddress(addressBytes(hexAddress)),
      port: Number.parseInt(hexPort, 16),
      inode,
    });
  }
  return sockets;
}

/** Every TCP socket of this machine's network namespace in the LISTEN state. */
export function listeningSockets(): ListeningSocket[] {
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) => parseListening(readFileSync(file, 'utf8')));
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

/** The process and all its descendants, from the parent ids in /proc/<pid>/stat. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may contain spaces; the parent id is the second field after it.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // the process ended while we looked
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i] && !tree.includes(pid)) tree.push(pid);
  }
  return tree;
}

/** The listening sockets held open by these processes (socket inodes of their file descriptors). */
export function listeningSocketsOf(pids: number[]): ListeningSocket[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = target.match(/^socket:\[(\d+)\]$/)?.[1];
        if (inode) inodes.add(inode);
      } catch {
        // closed meanwhile
      }
    }
  }
  return listeningSockets().filter((socket) => inodes.has(socket.inode));
}
