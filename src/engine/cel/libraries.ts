import { type Environment, Optional } from '@marcbachmann/cel-js';
import { celCompare, celEquals, isPlainRecord, typeName } from './equality.js';
import { CIDRPrefix, IPAddr, isCIDR, isIP, parseCIDR, parseIP } from './net.js';
import { re2FindAll, re2Test } from './regex.js';
import { K8sURL, isURL, parseURL } from './url.js';
import { NAMED_FORMATS, NamedFormat } from './formats.js';

/** Functions whose cel-js built-in differs from Kubernetes (RE2, ASCII-only case, code-point indexes). */
export const SHADOWED_METHODS = [
  'matches',
  'lowerAscii',
  'upperAscii',
  'indexOf',
  'lastIndexOf',
  'substring',
];
/** Kubernetes functions called with a namespace-like receiver (`ip.isCanonical(s)`, `sets.contains(a, b)`). */
export const NAMESPACED_FUNCTIONS: Record<string, string[]> = {
  ip: ['isCanonical'],
  sets: ['contains', 'equivalent', 'intersects'],
  strings: ['quote'],
  format: ['named', ...Object.keys(NAMED_FORMATS)],
};
export const INTERNAL_PREFIX = '__k8s_';
const k = (name: string): string => `${INTERNAL_PREFIX}${name}`;

const codePoints = (s: string): string[] => Array.from(s);

function rangeError(msg: string): Error {
  return new Error(msg);
}

function cpIndexOf(s: string, sub: string, from = 0): bigint {
  const cps = codePoints(s);
  if (from < 0 || from > cps.length) throw rangeError(`index out of range: ${from}`);
  if (sub === '') return BigInt(from);
  const subCps = codePoints(sub);
  for (let i = from; i + subCps.length <= cps.length; i++) {
    if (subCps.every((c, j) => cps[i + j] === c)) return BigInt(i);
  }
  return -1n;
}

function cpLastIndexOf(s: string, sub: string, from?: number): bigint {
  const cps = codePoints(s);
  const start = from ?? cps.length;
  if (start < 0 || start > cps.length) throw rangeError(`index out of range: ${start}`);
  if (sub === '') return BigInt(start);
  const subCps = codePoints(sub);
  for (let i = Math.min(start, cps.length - subCps.length); i >= 0; i--) {
    if (subCps.every((c, j) => cps[i + j] === c)) return BigInt(i);
  }
  return -1n;
}

function cpSubstring(s: string, start: number, end?: number): string {
  const cps = codePoints(s);
  const e = end ?? cps.length;
  if (start < 0 || start > cps.length) throw rangeError(`index out of range: ${start}`);
  if (e < 0 || e > cps.length) throw rangeError(`index out of range: ${e}`);
  if (start > e) throw rangeError(`invalid substring range. start: ${start}, end: ${e}`);
  return cps.slice(start, e).join('');
}

function goReplace(s: string, old: string, rep: string, n: number): string {
  if (n === 0 || old === rep) return s;
  if (old === '') {
    const cps = codePoints(s);
    const out: string[] = [];
    let done = 0;
    for (let i = 0; i <= cps.length; i++) {
      if (n < 0 || done < n) {
        out.push(rep);
        done++;
      }
      if (i < cps.length) out.push(cps[i]);
    }
    return out.join('');
  }
  let out = '';
  let rest = s;
  let done = 0;
  while (n < 0 || done < n) {
    const i = rest.indexOf(old);
    if (i < 0) break;
    out += rest.slice(0, i) + rep;
    rest = rest.slice(i + old.length);
    done++;
  }
  return out + rest;
}

const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
const asciiUpper = (s: string): string => s.replace(/[a-z]+/g, (m) => m.toUpperCase());

function quote(s: string): string {
  const esc: Record<string, string> = {
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
    '\\': '\\\\',
    '"': '\\"',
  };
  const wellFormed = s.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  );
  return `"${Array.from(wellFormed, (c: string) => esc[c] ?? c).join('')}"`;
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
    return String(v);
  }
  if (v === null) return 'null';
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return `[${v.map(formatLiteral).join(', ')}]`;
  if (isPlainRecord(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((key) => `${formatLiteral(key)}: ${formatLiteral(v[key])}`).join(', ')}}`;
  }
  return String(v);
}

function formatLiteral(v: unknown): string {
  return typeof v === 'string' ? quote(v) : formatValue(v);
}

function stringFormat(fmt: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  const next = (): unknown => {
    if (argi >= args.length) throw new Error(`index ${argi} out of range`);
    return args[argi++];
  };
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    i++;
    if (fmt[i] === '%') {
      out += '%';
      continue;
    }
    let precision: number | undefined;
    if (fmt[i] === '.') {
      let digits = '';
      while (/[0-9]/.test(fmt[i + 1] ?? '')) digits += fmt[++i];
      precision = Number(digits || '0');
      i++;
    }
    const verb = fmt[i];
    const arg = next();
    switch (verb) {
      case 's':
        out += formatValue(arg);
        break;
      case 'd':
        if (typeof arg !== 'bigint')
          throw new Error(
            `error during formatting: decimal clause can only be used on integers, was given ${typeName(arg)}`,
          );
        out += arg.toString();
        break;
      case 'f':
      case 'e': {
        const num = typeof arg === 'bigint' || typeof arg === 'number' ? Number(arg) : Number.NaN;
        if (typeof arg !== 'bigint' && typeof arg !== 'number') {
          throw new Error(
            `error during formatting: fixed-point clause can only be used on doubles, was given ${typeName(arg)}`,
          );
        }
        if (!Number.isFinite(num)) out += Number.isNaN(num) ? 'NaN' : num > 0 ? 'Infinity' : '-Infinity';
        else if (verb === 'f') out += num.toFixed(precision ?? 6);
        else out += num.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
        break;
      }
      case 'b':
      case 'o':
      case 'x':
      case 'X': {
        const radix = verb === 'b' ? 2 : verb === 'o' ? 8 : 16;
        let s: string;
        if (typeof arg === 'bigint') s = (arg < 0n ? '-' : '') + (arg < 0n ? -arg : arg).toString(radix);
        else if (typeof arg === 'boolean' && verb === 'b') s = arg ? '1' : '0';
        else if ((typeof arg === 'string' || arg instanceof Uint8Array) && radix === 16) {
          s = Buffer.from(typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg).toString('hex');
        } else throw new Error(`error during formatting: unsupported type ${typeName(arg)} for %${verb}`);
        out += verb === 'X' ? s.toUpperCase() : s;
        break;
      }
      default:
        throw new Error(`could not parse formatting clause: unrecognized formatting clause "${verb ?? ''}"`);
    }
  }
  if (argi < args.length)
    throw new Error(`too many arguments supplied to string.format (expected ${argi}, got ${args.length})`);
  return out;
}

function toList(v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new Error(`no such overload: expected list, got ${typeName(v)}`);
  return v;
}

function listMin(list: unknown[], name: 'min' | 'max'): unknown {
  if (list.length === 0) throw new Error(`${name} called on empty list`);
  let best = list[0];
  for (const v of list.slice(1)) {
    const c = celCompare(v, best);
    if ((name === 'min' && c < 0) || (name === 'max' && c > 0)) best = v;
  }
  return best;
}

function listSum(list: unknown[]): unknown {
  if (list.length === 0) return 0n;
  if (list.every((v) => typeof v === 'bigint')) return (list as bigint[]).reduce((a, b) => a + b, 0n);
  if (list.every((v) => typeof v === 'number')) return (list as number[]).reduce((a, b) => a + b, 0);
  throw new Error(
    `no such overload: sum of list with elements ${[...new Set(list.map(typeName))].join(', ')}`,
  );
}

const containsAll = (a: unknown[], b: unknown[]): boolean => b.every((x) => a.some((y) => celEquals(x, y)));

/** Registers the Kubernetes CEL libraries (strings v2, lists, sets, regex, url, ip, cidr, format) on a cel-js env. */
export function registerKubernetesLibraries(env: Environment): void {
  const fn = (sig: string, handler: (...args: never[]) => unknown): void => {
    env.registerFunction(sig, handler as (...args: unknown[]) => unknown);
  };

  // Kubernetes semantics of functions cel-js already defines (registered under internal names).
  fn(`string.${k('matches')}(string): bool`, (s: string, re: string) => re2Test(re, s));
  fn(`${k('matches')}(string, string): bool`, (s: string, re: string) => re2Test(re, s));
  fn(`string.${k('lowerAscii')}(): string`, (s: string) => asciiLower(s));
  fn(`string.${k('upperAscii')}(): string`, (s: string) => asciiUpper(s));
  fn(`string.${k('indexOf')}(string): int`, (s: string, sub: string) => cpIndexOf(s, sub));
  fn(`string.${k('indexOf')}(string, int): int`, (s: string, sub: string, i: bigint) =>
    cpIndexOf(s, sub, Number(i)),
  );
  fn(`string.${k('lastIndexOf')}(string): int`, (s: string, sub: string) => cpLastIndexOf(s, sub));
  fn(`string.${k('lastIndexOf')}(string, int): int`, (s: string, sub: string, i: bigint) =>
    cpLastIndexOf(s, sub, Number(i)),
  );
  fn(`string.${k('substring')}(int): string`, (s: string, a: bigint) => cpSubstring(s, Number(a)));
  fn(`string.${k('substring')}(int, int): string`, (s: string, a: bigint, b: bigint) =>
    cpSubstring(s, Number(a), Number(b)),
  );

  // strings extension (version 2) functions missing from cel-js.
  fn('string.charAt(int): string', (s: string, i: bigint) => {
    const cps = codePoints(s);
    const n = Number(i);
    if (n < 0 || n > cps.length) throw rangeError(`index out of range: ${n}`);
    return cps[n] ?? '';
  });
  fn('string.replace(string, string): string', (s: string, a: string, b: string) => goReplace(s, a, b, -1));
  fn('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) =>
    goReplace(s, a, b, Number(n)),
  );
  fn('string.format(list): string', (s: string, args: unknown[]) => stringFormat(s, args));
  fn(`${k('strings_quote')}(string): string`, (s: string) => quote(s));

  // Kubernetes regex library.
  fn('string.find(string): string', (s: string, re: string) => re2FindAll(re, s, 1)[0] ?? '');
  fn('string.findAll(string): list<string>', (s: string, re: string) => re2FindAll(re, s));
  fn('string.findAll(string, int): list<string>', (s: string, re: string, n: bigint) =>
    re2FindAll(re, s, Number(n)),
  );

  // Kubernetes lists library (indexOf/lastIndexOf share the internal name with the string versions).
  fn('list.isSorted(): bool', (l: unknown[]) => l.every((v, i) => i === 0 || celCompare(l[i - 1], v) <= 0));
  fn('list.sum(): dyn', (l: unknown[]) => listSum(l));
  fn('list.min(): dyn', (l: unknown[]) => listMin(l, 'min'));
  fn('list.max(): dyn', (l: unknown[]) => listMin(l, 'max'));
  fn(`list.${k('indexOf')}(dyn): int`, (l: unknown[], v: unknown) =>
    BigInt(l.findIndex((x) => celEquals(x, v))),
  );
  fn(`list.${k('lastIndexOf')}(dyn): int`, (l: unknown[], v: unknown) => {
    for (let i = l.length - 1; i >= 0; i--) if (celEquals(l[i], v)) return BigInt(i);
    return -1n;
  });

  // sets extension.
  fn(`${k('sets_contains')}(list, list): bool`, (a: unknown[], b: unknown[]) =>
    containsAll(toList(a), toList(b)),
  );
  fn(
    `${k('sets_equivalent')}(list, list): bool`,
    (a: unknown[], b: unknown[]) => containsAll(toList(a), toList(b)) && containsAll(toList(b), toList(a)),
  );
  fn(`${k('sets_intersects')}(list, list): bool`, (a: unknown[], b: unknown[]) =>
    toList(b).some((x) => toList(a).some((y) => celEquals(x, y))),
  );

  // Kubernetes URL library.
  env.registerType('kubernetes.URL', K8sURL);
  fn('url(string): kubernetes.URL', (s: string) => parseURL(s));
  fn('isURL(string): bool', (s: string) => isURL(s));
  fn('kubernetes.URL.getScheme(): string', (u: K8sURL) => u.scheme);
  fn('kubernetes.URL.getHost(): string', (u: K8sURL) => u.host);
  fn('kubernetes.URL.getHostname(): string', (u: K8sURL) => u.hostname());
  fn('kubernetes.URL.getPort(): string', (u: K8sURL) => u.port());
  fn('kubernetes.URL.getEscapedPath(): string', (u: K8sURL) => u.rawPath);
  fn('kubernetes.URL.getQuery(): map<string, list<string>>', (u: K8sURL) => u.query());
  fn('string(kubernetes.URL): string', (u: K8sURL) => u.toString());

  // Kubernetes IP library.
  env.registerType('net.IP', IPAddr);
  fn('ip(string): net.IP', (s: string) => parseIP(s));
  fn('isIP(string): bool', (s: string) => isIP(s));
  fn(`${k('ip_isCanonical')}(string): bool`, (s: string) => parseIP(s).toString() === s);
  fn('net.IP.family(): int', (ip: IPAddr) => BigInt(ip.family));
  fn('net.IP.isUnspecified(): bool', (ip: IPAddr) => ip.isUnspecified());
  fn('net.IP.isLoopback(): bool', (ip: IPAddr) => ip.isLoopback());
  fn('net.IP.isLinkLocalMulticast(): bool', (ip: IPAddr) => ip.isLinkLocalMulticast());
  fn('net.IP.isLinkLocalUnicast(): bool', (ip: IPAddr) => ip.isLinkLocalUnicast());
  fn('net.IP.isGlobalUnicast(): bool', (ip: IPAddr) => ip.isGlobalUnicast());
  fn('string(net.IP): string', (ip: IPAddr) => ip.toString());
  env.registerOperator('net.IP == net.IP', (a: IPAddr, b: IPAddr) => a.equals(b));

  // Kubernetes CIDR library.
  env.registerType('net.CIDR', CIDRPrefix);
  fn('cidr(string): net.CIDR', (s: string) => parseCIDR(s));
  fn('isCIDR(string): bool', (s: string) => isCIDR(s));
  fn('net.CIDR.containsIP(net.IP): bool', (c: CIDRPrefix, ip: IPAddr) => c.containsIP(ip));
  fn('net.CIDR.containsIP(string): bool', (c: CIDRPrefix, ip: string) => c.containsIP(parseIP(ip)));
  fn('net.CIDR.containsCIDR(net.CIDR): bool', (c: CIDRPrefix, o: CIDRPrefix) => c.containsCIDR(o));
  fn('net.CIDR.containsCIDR(string): bool', (c: CIDRPrefix, o: string) => c.containsCIDR(parseCIDR(o)));
  fn('net.CIDR.ip(): net.IP', (c: CIDRPrefix) => c.addr);
  fn('net.CIDR.masked(): net.CIDR', (c: CIDRPrefix) => c.masked());
  fn('net.CIDR.prefixLength(): int', (c: CIDRPrefix) => BigInt(c.bits));
  fn('string(net.CIDR): string', (c: CIDRPrefix) => c.toString());
  env.registerOperator('net.CIDR == net.CIDR', (a: CIDRPrefix, b: CIDRPrefix) => a.equals(b));

  // Kubernetes format library.
  env.registerType('kubernetes.NamedFormat', NamedFormat);
  fn(`${k('format_named')}(string): optional<kubernetes.NamedFormat>`, (name: string) => {
    const f = NAMED_FORMATS[name];
    return f ? Optional.of(f) : Optional.none();
  });
  for (const [name, f] of Object.entries(NAMED_FORMATS)) {
    fn(`${k(`format_${name}`)}(): kubernetes.NamedFormat`, () => f);
  }
  fn('kubernetes.NamedFormat.validate(string): optional<list<string>>', (f: NamedFormat, s: string) => {
    const errs = f.validate(s);
    return errs.length > 0 ? Optional.of(errs) : Optional.none();
  });
}
