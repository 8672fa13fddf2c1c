/** IP and CIDR values with the parsing rules of Go's net/netip as the Kubernetes CEL libraries apply them. */

export class IPAddr {
  constructor(readonly bytes: Uint8Array) {}

  get family(): 4 | 6 {
    return this.bytes.length === 4 ? 4 : 6;
  }

  equals(other: IPAddr): boolean {
    return this.bytes.length === other.bytes.length && this.bytes.every((b, i) => b === other.bytes[i]);
  }

  isUnspecified(): boolean {
    return this.bytes.every((b) => b === 0);
  }

  isLoopback(): boolean {
    if (this.family === 4) return this.bytes[0] === 127;
    return this.bytes.slice(0, 15).every((b) => b === 0) && this.bytes[15] === 1;
  }

  isMulticast(): boolean {
    return this.family === 4 ? (this.bytes[0] & 0xf0) === 0xe0 : this.bytes[0] === 0xff;
  }

  isLinkLocalMulticast(): boolean {
    if (this.family === 4) return this.bytes[0] === 224 && this.bytes[1] === 0 && this.bytes[2] === 0;
    return this.bytes[0] === 0xff && (this.bytes[1] & 0x0f) === 0x02;
  }

  isLinkLocalUnicast(): boolean {
    if (this.family === 4) return this.bytes[0] === 169 && this.bytes[1] === 254;
    return this.bytes[0] === 0xfe && (this.bytes[1] & 0xc0) === 0x80;
  }

  isGlobalUnicast(): boolean {
    if (this.family === 4 && this.bytes.every((b) => b === 255)) return false;
    return !this.isUnspecified() && !this.isLoopback() && !this.isMulticast() && !this.isLinkLocalUnicast();
  }

  toString(): string {
    if (this.family === 4) return Array.from(this.bytes).join('.');
    const groups: number[] = [];
    for (let i = 0; i < 16; i += 2) groups.push((this.bytes[i] << 8) | this.bytes[i + 1]);
    let bestStart = -1;
    let bestLen = 0;
    for (let i = 0; i < 8;) {
      if (groups[i] !== 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      if (j - i > bestLen && j - i >= 2) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
    if (bestStart < 0) return hex(groups);
    return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
  }
}

export class CIDRPrefix {
  constructor(
    readonly addr: IPAddr,
    readonly bits: number,
  ) {}

  equals(other: CIDRPrefix): boolean {
    return this.bits === other.bits && this.addr.equals(other.addr);
  }

  masked(): CIDRPrefix {
    const out = new Uint8Array(this.addr.bytes);
    for (let i = 0; i < out.length; i++) {
      const keep = Math.max(0, Math.min(8, this.bits - i * 8));
      out[i] &= keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    }
    return new CIDRPrefix(new IPAddr(out), this.bits);
  }

  containsIP(ip: IPAddr): boolean {
    if (ip.family !== this.addr.family) return false;
    return new CIDRPrefix(ip, this.bits).masked().addr.equals(this.masked().addr);
  }

  containsCIDR(other: CIDRPrefix): boolean {
    return other.bits >= this.bits && this.containsIP(other.addr);
  }

  toString(): string {
    return `${this.addr.toString()}/${this.bits}`;
  }
}

function parseIPv4(s: string): Uint8Array | string {
  const parts = s.split('.');
  if (parts.length !== 4) return 'IPv4 address must have four octets';
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^[0-9]{1,3}$/.test(p)) return 'unexpected character in IPv4 octet';
    if (p.length > 1 && p[0] === '0') return 'IPv4 field has octet with leading zero';
    const n = Number(p);
    if (n > 255) return 'IPv4 field has value >255';
    out[i] = n;
  }
  return out;
}

function parseIPv6(s: string): Uint8Array | string {
  const out = new Uint8Array(16);
  const halves = s.split('::');
  if (halves.length > 2) return 'multiple :: in address';
  const parseGroups = (part: string, allowV4Tail: boolean): number[] | string => {
    if (part === '') return [];
    const items = part.split(':');
    const bytes: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (allowV4Tail && i === items.length - 1 && item.includes('.')) {
        const v4 = parseIPv4(item);
        if (typeof v4 === 'string') return v4;
        bytes.push(...v4);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return 'unexpected character or too many digits in IPv6 group';
      const n = parseInt(item, 16);
      bytes.push(n >> 8, n & 0xff);
    }
    return bytes;
  };
  if (halves.length === 1) {
    const all = parseGroups(s, true);
    if (typeof all === 'string') return all;
    if (all.length !== 16) return 'address string too short';
    out.set(all);
    return out;
  }
  const head = parseGroups(halves[0], false);
  if (typeof head === 'string') return head;
  const tail = parseGroups(halves[1], true);
  if (typeof tail === 'string') return tail;
  if (head.length + tail.length > 14) return 'address string too long';
  out.set(head, 0);
  out.set(tail, 16 - tail.length);
  return out;
}

function is4In6(b: Uint8Array): boolean {
  return b.length === 16 && b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
}

export function parseIP(raw: string): IPAddr {
  const s = raw;
  const zone = s.indexOf('%');
  if (zone >= 0) {
    if (zone === s.length - 1 || !s.includes(':')) {
      throw new Error(`IP Address "${raw}" parse error during conversion from string: invalid zone`);
    }
    throw new Error(`IP address "${raw}" with zone value is not allowed`);
  }
  const parsed = s.includes(':') ? parseIPv6(s) : s.includes('.') ? parseIPv4(s) : 'unable to parse IP';
  if (typeof parsed === 'string') {
    throw new Error(`IP Address "${raw}" parse error during conversion from string: ${parsed}`);
  }
  if (is4In6(parsed)) throw new Error(`IPv4-mapped IPv6 address "${raw}" is not allowed`);
  return new IPAddr(parsed);
}

export function parseCIDR(raw: string): CIDRPrefix {
  const slash = raw.lastIndexOf('/');
  const fail = (why: string): never => {
    throw new Error(`CIDR "${raw}" parse error during conversion from string: ${why}`);
  };
  if (slash < 0) fail("no '/'");
  const addrPart = raw.slice(0, slash);
  const bitsPart = raw.slice(slash + 1);
  if (addrPart.includes('%')) fail('IPv6 zones cannot be present in a prefix');
  let addr: IPAddr;
  try {
    addr = parseIP(addrPart);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('IPv4-mapped')) {
      throw new Error(`IPv4-mapped IPv6 address "${raw}" is not allowed`);
    }
    return fail(`bad address ${JSON.stringify(addrPart)}`);
  }
  if (!/^[0-9]+$/.test(bitsPart) || (bitsPart.length > 1 && bitsPart[0] === '0')) {
    fail(`bad bits after slash: ${JSON.stringify(bitsPart)}`);
  }
  const bits = Number(bitsPart);
  if (bits > addr.bytes.length * 8) fail(`prefix length out of range`);
  return new CIDRPrefix(addr, bits);
}

/** Go's net.ParseIP: like parseIP but IPv4-mapped IPv6 addresses are accepted. */
export function parseIPLenient(raw: string): IPAddr | undefined {
  if (raw.includes('%')) return undefined;
  const parsed = raw.includes(':')
    ? parseIPv6(raw)
    : raw.includes('.')
      ? parseIPv4(raw)
      : 'unable to parse IP';
  return typeof parsed === 'string' ? undefined : new IPAddr(parsed);
}

export function isIP(s: string): boolean {
  try {
    parseIP(s);
    return true;
  } catch {
    return false;
  }
}

export function isCIDR(s: string): boolean {
  try {
    parseCIDR(s);
    return true;
  } catch {
    return false;
  }
}
