import net from 'node:net';

/**
 * The network block an address belongs to, as the unit that issuance limits count: its /24 for
 * IPv4 (IPv4-mapped IPv6 included), its /48 for IPv6 — roughly one site or one carrier NAT pool,
 * so one person cannot dodge a limit by hopping addresses inside it.
 */
export function addressBlock(address: string | undefined): string {
  if (!address) return 'unknown';
  const plain = address.split('%')[0]!;
  const mapped = plain.toLowerCase().startsWith('::ffff:') ? plain.slice(7) : plain;
  if (net.isIPv4(mapped)) {
    const [a, b, c] = mapped.split('.');
    return `${a}.${b}.${c}.0/24`;
  }
  if (!net.isIPv6(plain)) return plain;
  return `${ipv6Groups(plain).slice(0, 3).join(':')}::/48`;
}

/** The eight 16-bit groups of an IPv6 address, in lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  const count = (part: string): string[] => {
    if (!part) return [];
    const pieces = part.split(':');
    // An embedded IPv4 tail ("::ffff:1.2.3.4", "64:ff9b::1.2.3.4") takes two groups.
    const last = pieces.at(-1)!;
    if (net.isIPv4(last)) {
      const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
      pieces.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
    }
    return pieces;
  };
  const [head = '', tail] = address.split('::');
  const left = count(head);
  const right = tail === undefined ? [] : count(tail);
  const zeros = Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
}
