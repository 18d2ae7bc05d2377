import { isIP } from 'node:net';

/**
 * SSRF guard for subscriber URLs. The service POSTs to URLs that API callers choose, from inside the deployment's
 * network: a URL must never reach the cloud metadata service, the VPC, loopback or anything else not on the public
 * internet. The guard runs before any connection: it parses the URL (the WHATWG parser turns decimal, octal and hex
 * IPv4 spellings into dotted form), resolves a host name and checks every address it resolves to, and answers the
 * checked address, to which the caller then connects, so a second DNS answer cannot swap in another address.
 */
export interface UrlPolicy {
  /** Local mode: http (and https) to 127.0.0.1, ::1 or localhost are allowed; nothing else private ever is. */
  allowLocalHttp: boolean;
}

export interface ResolvedTarget {
  url: URL;
  /** The checked address to connect to. */
  address: string;
  family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export class UnsafeWebhookUrl extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnsafeWebhookUrl';
  }
}

const MAX_URL_LENGTH = 2048;

type Range = readonly [base: number, bits: number];

const v4 = (text: string): number => text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);

/** IPv4 ranges that are not public unicast (RFC 6890 and friends). */
const BLOCKED_V4: ReadonlyArray<Range> = (
  [
    ['0.0.0.0', 8], // "this network", including 0.0.0.0
    ['10.0.0.0', 8],
    ['100.64.0.0', 10], // carrier-grade NAT
    ['127.0.0.0', 8],
    ['169.254.0.0', 16], // link-local, including the metadata service 169.254.169.254
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.88.99.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4], // multicast
    ['240.0.0.0', 4], // reserved, including 255.255.255.255
  ] as const
).map(([base, bits]) => [v4(base), bits] as const);

const inV4Range = (address: number, [base, bits]: Range) =>
  bits === 0 || Math.floor(address / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits));

/** The 16 bytes of an IPv6 address (with or without a dotted IPv4 tail), or undefined when it is not one. */
export function ipv6Bytes(text: string): number[] | undefined {
  if (isIP(text) !== 6) return undefined;
  let head = text.split('%')[0]!;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(head);
  if (dotted) {
    tail.push(...dotted[1]!.split('.').map(Number));
    head = head.slice(0, -dotted[1]!.length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left = '', right] = head.split('::');
  const groups = (part: string) => (part ? part.split(':').filter((g) => g !== '') : []);
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const missing = 8 - tail.length / 2 - l.length - r.length;
  const all = [...l, ...Array(right === undefined ? 0 : missing).fill('0'), ...r].map((g) => parseInt(g, 16));
  const bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  bytes.push(...tail);
  return bytes.length === 16 ? bytes : undefined;
}

function v4Allowed(address: string): boolean {
  const value = v4(address);
  return !BLOCKED_V4.some((range) => inV4Range(value, range));
}

const startsWith = (bytes: number[], prefix: number[], bits: number) => {
  for (let bit = 0; bit < bits; bit++) {
    const byte = Math.floor(bit / 8);
    const mask = 0x80 >> (bit % 8);
    if ((bytes[byte]! & mask) !== (prefix[byte]! & mask)) return false;
  }
  return true;
};

/**
 * IPv6: only global unicast (2000::/3) outside documentation, 6to4, Teredo and NAT64 prefixes (those embed IPv4
 * addresses that could be private). IPv4-mapped addresses (::ffff:a.b.c.d) are judged by their IPv4 address.
 */
function v6Allowed(bytes: number[]): boolean {
  const isMapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMapped) return v4Allowed(bytes.slice(12).join('.'));
  if (!startsWith(bytes, [0x20], 3)) return false; // ::, ::1, fc00::/7, fe80::/10, ff00::/8, 64:ff9b::/96 ...
  if (startsWith(bytes, [0x20, 0x01, 0x0d, 0xb8], 32)) return false; // documentation
  if (startsWith(bytes, [0x20, 0x02], 16)) return false; // 6to4
  if (startsWith(bytes, [0x20, 0x01, 0x00, 0x00], 32)) return false; // Teredo
  return true;
}

/** True for an address on the public internet. */
export function isPublicAddress(address: string): boolean {
  const kind = isIP(address);
  if (kind === 4) return v4Allowed(address);
  if (kind === 6) return v6Allowed(ipv6Bytes(address)!);
  return false;
}

export function isLoopbackAddress(address: string): boolean {
  if (isIP(address) === 4) return inV4Range(v4(address), [v4('127.0.0.0'), 8]);
  const bytes = ipv6Bytes(address);
  if (!bytes) return false;
  if (bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1) return true;
  const isMapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return isMapped && bytes[12] === 127;
}

/**
 * Checks a subscriber URL and resolves it to one address that passed the check.
 * 1. Parse it; refuse anything but https (http only to loopback, and only where local http is allowed) and refuse
 *    user info in the URL.
 * 2. An IP literal is checked as it is; `localhost` is loopback without asking DNS; any other name is resolved
 *    and every address must pass (one private answer is enough to refuse).
 * 3. Answer the first checked address, which the caller must connect to.
 */
export async function resolveWebhookTarget(
  raw: string,
  policy: UrlPolicy,
  resolve: Resolver,
): Promise<ResolvedTarget> {
  if (raw.length > MAX_URL_LENGTH) throw new UnsafeWebhookUrl(`must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeWebhookUrl('must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UnsafeWebhookUrl('must use https');
  if (url.username || url.password) throw new UnsafeWebhookUrl('must not contain user information');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!host) throw new UnsafeWebhookUrl('must name a host');

  const isLocalName = host === 'localhost' || host.endsWith('.localhost');
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else if (isLocalName) addresses = [{ address: '127.0.0.1', family: 4 }];
  else addresses = await resolve(host);
  if (addresses.length === 0) throw new UnsafeWebhookUrl('host does not resolve');

  for (const { address } of addresses) {
    if (isPublicAddress(address)) continue;
    if (policy.allowLocalHttp && isLoopbackAddress(address) && (isIP(host) || host === 'localhost')) continue;
    throw new UnsafeWebhookUrl('must not point at a private, loopback, link-local or reserved address');
  }
  const loopbackTarget = addresses.every(({ address }) => isLoopbackAddress(address));
  if (url.protocol === 'http:' && !(policy.allowLocalHttp && loopbackTarget)) {
    throw new UnsafeWebhookUrl('must use https');
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
