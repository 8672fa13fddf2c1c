import { compareGoStrings, goTypeName, isGoMap, type GoValue } from './govalue.js';

/*
 * A subset of Go's fmt.Sprintf, for the value types an unstructured object can hold. Covers flags
 * (+ - # 0 space), width, precision, '*' and explicit argument indexes, the verbs v s d q x X t f F e E
 * g G b o O c U T and %%, and Go's error forms (%!d(float64=3), %!v(MISSING), %!(EXTRA ...)).
 * Not covered: %#v of maps and slices (rendered approximately), %x/%b of floats, %p.
 */

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  wid: number;
  widPresent: boolean;
  prec: number;
  precPresent: boolean;
}

function newFlags(): Flags {
  return {
    plus: false,
    minus: false,
    sharp: false,
    space: false,
    zero: false,
    plusV: false,
    sharpV: false,
    wid: 0,
    widPresent: false,
    prec: 0,
    precPresent: false,
  };
}

const runeLen = (s: string): number => Array.from(s).length;

function padding(f: Flags, n: number): string {
  if (n <= 0) return '';
  return (f.zero ? '0' : ' ').repeat(n);
}

function pad(f: Flags, s: string): string {
  if (!f.widPresent || f.wid === 0) return s;
  const w = f.wid - runeLen(s);
  if (!f.minus) return padding(f, w) + s;
  return s + ' '.repeat(Math.max(w, 0));
}

function isPrint(ch: string): boolean {
  return ch === ' ' || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch);
}

function escapeRune(ch: string, quote: string, asciiOnly: boolean): string {
  const c = ch.codePointAt(0) ?? 0;
  if (ch === quote || ch === '\\') return '\\' + ch;
  if (asciiOnly ? c < 0x7f && isPrint(ch) : isPrint(ch)) return ch;
  switch (ch) {
    case '\x07':
      return '\\a';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\v':
      return '\\v';
  }
  if (c < 0x20 || c === 0x7f) return '\\x' + c.toString(16).padStart(2, '0');
  if (c >= 0xd800 && c <= 0xdfff) return '\\ufffd';
  if (c < 0x10000) return '\\u' + c.toString(16).padStart(4, '0');
  return '\\U' + c.toString(16).padStart(8, '0');
}

/** strconv.Quote. */
export function goQuote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch, '"', asciiOnly);
  return out + '"';
}

// ---- floats ----------------------------------------------------------------------------------------

interface Digits {
  d: string; // significant digits, no leading or trailing zeros; '' for zero
  dp: number; // decimal point position: value = 0.d × 10^dp
}

/** The exact decimal expansion of a finite, non-negative double. */
function exactDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (bexp === 0) {
    e = -1074;
  } else {
    mant |= 1n << 52n;
    e = bexp - 1075;
  }
  let digits: string;
  let dp: number;
  if (e >= 0) {
    digits = (mant << BigInt(e)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e)).toString();
    dp = digits.length + e;
  }
  const trimmed = digits.replace(/0+$/, '');
  const lead = trimmed.length - trimmed.replace(/^0+/, '').length;
  return { d: trimmed.slice(lead), dp: dp - lead };
}

function shortestDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const [mant, exp] = x.toExponential().split('e');
  const d = mant.replace('.', '').replace(/0+$/, '');
  return { d, dp: Number(exp) + 1 };
}

/** Rounds to nd digits, half to even on the exact value (strconv's decimal.Round). */
function roundDigits(dg: Digits, nd: number): Digits {
  if (nd < 0) return { d: '', dp: 0 };
  if (nd >= dg.d.length) return dg;
  const next = dg.d.charCodeAt(nd) - 48;
  let up: boolean;
  if (next > 5) up = true;
  else if (next < 5) up = false;
  else if (nd + 1 < dg.d.length) up = true;
  else up = nd > 0 && (dg.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  let d = dg.d.slice(0, nd);
  let dp = dg.dp;
  if (up) {
    let i = d.length - 1;
    const arr = d.split('');
    while (i >= 0 && arr[i] === '9') {
      arr[i] = '0';
      i--;
    }
    if (i < 0) {
      d = '1' + arr.join('');
      dp++;
    } else {
      arr[i] = String.fromCharCode(arr[i].charCodeAt(0) + 1);
      d = arr.join('');
    }
  }
  d = d.replace(/0+$/, '');
  if (d === '') dp = 0;
  return { d, dp };
}

function fmtE(dg: Digits, prec: number, e: string): string {
  let s = dg.d.length === 0 ? '0' : dg.d[0];
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += i < dg.d.length ? dg.d[i] : '0';
  }
  const exp = dg.d.length === 0 ? 0 : dg.dp - 1;
  const a = Math.abs(exp);
  return `${s}${e}${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
}

function fmtF(dg: Digits, prec: number): string {
  let s = '';
  if (dg.dp > 0) {
    for (let i = 0; i < dg.dp; i++) s += i < dg.d.length ? dg.d[i] : '0';
  } else {
    s = '0';
  }
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = dg.dp + i - 1;
      s += j >= 0 && j < dg.d.length ? dg.d[j] : '0';
    }
  }
  return s;
}

/** strconv.FormatFloat(x, verb, prec, 64) for verbs e E f F g G. */
export function formatFloat(x: number, verb: string, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  const shortest = prec < 0;
  let dg: Digits;
  let p = prec;
  const lower = verb.toLowerCase();
  if (shortest) {
    dg = shortestDigits(ax);
    if (lower === 'e') p = Math.max(dg.d.length - 1, 0);
    else if (lower === 'f') p = Math.max(dg.d.length - dg.dp, 0);
    else p = dg.d.length;
  } else {
    const exact = exactDigits(ax);
    if (lower === 'e') dg = roundDigits(exact, p + 1);
    else if (lower === 'f') dg = roundDigits(exact, exact.dp + p);
    else {
      if (p === 0) p = 1;
      dg = roundDigits(exact, p);
    }
  }
  let body: string;
  const expChar = verb === 'E' || verb === 'G' ? 'E' : 'e';
  if (lower === 'e') body = fmtE(dg, p, expChar);
  else if (lower === 'f') body = fmtF(dg, p);
  else {
    let eprec = p;
    const nd = Math.max(dg.d.length, 1);
    if (eprec > nd && nd >= dg.dp) eprec = nd;
    if (shortest) eprec = 6;
    const exp = dg.d.length === 0 ? 0 : dg.dp - 1;
    if (exp < -4 || exp >= eprec) {
      body = fmtE(dg, Math.min(p, nd) - 1, expChar);
    } else {
      const q = p > dg.dp ? nd : p;
      body = fmtF(dg, Math.max(q - dg.dp, 0));
    }
  }
  return (neg ? '-' : '') + body;
}

// ---- the printer -----------------------------------------------------------------------------------

class Printer {
  buf = '';
  f: Flags = newFlags();

  fmtFloatArg(v: number, verb: string): void {
    switch (verb) {
      case 'v':
        this.fmtFloat(v, 'g', -1);
        return;
      case 'g':
      case 'G':
        this.fmtFloat(v, verb, -1);
        return;
      case 'f':
      case 'F':
      case 'e':
      case 'E':
        this.fmtFloat(v, verb, 6);
        return;
      default:
        this.badVerb(verb, v);
    }
  }

  fmtFloat(v: number, verb: string, defPrec: number): void {
    const f = this.f;
    const prec = f.precPresent ? f.prec : defPrec;
    let num = formatFloat(v, verb === 'F' ? 'f' : verb, prec);
    if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
    if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = f.zero;
      f.zero = false;
      if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
      this.buf += pad(f, num);
      f.zero = oldZero;
      return;
    }
    if (f.sharp && verb !== 'b' && !num.includes('.') && !/[eE]/.test(num)) {
      num += '.';
    }
    if (f.plus || num[0] !== '+') {
      if (f.zero && !f.minus && f.widPresent && f.wid > num.length) {
        this.buf += num[0] + '0'.repeat(f.wid - num.length) + num.slice(1);
        return;
      }
      this.buf += pad(f, num);
      return;
    }
    this.buf += pad(f, num.slice(1));
  }

  fmtIntegerArg(v: bigint, verb: string): void {
    switch (verb) {
      case 'v':
      case 'd':
        this.fmtInteger(v, 10, verb, false);
        return;
      case 'b':
        this.fmtInteger(v, 2, verb, false);
        return;
      case 'o':
      case 'O':
        this.fmtInteger(v, 8, verb, false);
        return;
      case 'x':
        this.fmtInteger(v, 16, verb, false);
        return;
      case 'X':
        this.fmtInteger(v, 16, verb, true);
        return;
      case 'c':
        this.buf += pad(this.f, runeFrom(v));
        return;
      case 'q':
        this.buf += pad(this.f, `'${escapeRune(runeFrom(v), "'", this.f.plus)}'`);
        return;
      case 'U':
        this.buf += pad(this.f, 'U+' + (v < 0n ? 0xfffdn : v).toString(16).toUpperCase().padStart(4, '0'));
        return;
      default:
        this.badVerb(verb, v);
    }
  }

  fmtInteger(v: bigint, base: number, verb: string, upper: boolean): void {
    const f = this.f;
    const negative = v < 0n;
    const u = negative ? -v : v;
    let prec = 0;
    if (f.precPresent) {
      prec = f.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = f.zero;
        f.zero = false;
        this.buf += padding(f, f.wid);
        f.zero = oldZero;
        return;
      }
    } else if (f.zero && !f.minus && f.widPresent) {
      prec = f.wid;
      if (negative || f.plus || f.space) prec--;
    }
    let digits = u.toString(base);
    if (upper) digits = digits.toUpperCase();
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (f.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
      else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = '0o' + digits;
    if (negative) digits = '-' + digits;
    else if (f.plus) digits = '+' + digits;
    else if (f.space) digits = ' ' + digits;
    const oldZero = f.zero;
    f.zero = false;
    this.buf += pad(f, digits);
    f.zero = oldZero;
  }

  truncate(s: string): string {
    if (!this.f.precPresent) return s;
    return Array.from(s).slice(0, this.f.prec).join('');
  }

  fmtStringArg(v: string, verb: string): void {
    const f = this.f;
    switch (verb) {
      case 'v':
        if (f.sharpV) this.buf += pad(f, goQuote(this.truncate(v)));
        else this.buf += pad(f, this.truncate(v));
        return;
      case 's':
        this.buf += pad(f, this.truncate(v));
        return;
      case 'q': {
        const s = this.truncate(v);
        if (
          f.sharp &&
          !s.includes('`') &&
          !Array.from(s).some((ch) => {
            const c = ch.charCodeAt(0);
            return (c < 0x20 && c !== 9) || c === 0x7f;
          })
        ) {
          this.buf += pad(f, '`' + s + '`');
        } else {
          this.buf += pad(f, goQuote(s, f.plus));
        }
        return;
      }
      case 'x':
      case 'X': {
        let bytes = Array.from(new TextEncoder().encode(v));
        if (f.precPresent) bytes = bytes.slice(0, f.prec);
        const hex = bytes.map((b) => b.toString(16).padStart(2, '0'));
        let s = f.space
          ? hex.map((h) => (f.sharp ? '0x' + h : h)).join(' ')
          : (f.sharp && hex.length > 0 ? '0x' : '') + hex.join('');
        if (verb === 'X') s = s.toUpperCase();
        this.buf += pad(f, s);
        return;
      }
      default:
        this.badVerb(verb, v);
    }
  }

  badVerb(verb: string, v: GoValue | undefined): void {
    this.buf += '%!' + verb + '(';
    if (v === undefined || v === null) {
      this.buf += '<nil>';
    } else {
      this.buf += goTypeName(v) + '=';
      this.printArg(v, 'v', 0);
    }
    this.buf += ')';
  }

  printArg(arg: GoValue, verb: string, depth: number): void {
    if (arg === null) {
      if (depth > 0) {
        this.buf += pad(this.f, '<nil>');
        return;
      }
      if (verb === 'T' || verb === 'v') this.buf += pad(this.f, '<nil>');
      else this.badVerb(verb, null);
      return;
    }
    if (verb === 'T') {
      this.buf += pad(this.f, goTypeName(arg));
      return;
    }
    if (typeof arg === 'boolean') {
      if (verb === 't' || verb === 'v') this.buf += pad(this.f, arg ? 'true' : 'false');
      else this.badVerb(verb, arg);
      return;
    }
    if (typeof arg === 'number') {
      this.fmtFloatArg(arg, verb);
      return;
    }
    if (typeof arg === 'bigint') {
      this.fmtIntegerArg(arg, verb);
      return;
    }
    if (typeof arg === 'string') {
      this.fmtStringArg(arg, verb);
      return;
    }
    if (Array.isArray(arg)) {
      if (this.f.sharpV) {
        this.buf += '[]interface {}{';
        arg.forEach((e, i) => {
          if (i > 0) this.buf += ', ';
          this.printArg(e, verb, depth + 1);
        });
        this.buf += '}';
        return;
      }
      this.buf += '[';
      arg.forEach((e, i) => {
        if (i > 0) this.buf += ' ';
        this.printArg(e, verb, depth + 1);
      });
      this.buf += ']';
      return;
    }
    if (isGoMap(arg)) {
      const keys = Object.keys(arg).sort(compareGoStrings);
      if (this.f.sharpV) {
        this.buf += 'map[string]interface {}{';
        keys.forEach((k, i) => {
          if (i > 0) this.buf += ', ';
          this.printArg(k, verb, depth + 1);
          this.buf += ':';
          this.printArg(arg[k], verb, depth + 1);
        });
        this.buf += '}';
        return;
      }
      this.buf += 'map[';
      keys.forEach((k, i) => {
        if (i > 0) this.buf += ' ';
        this.printArg(k, verb, depth + 1);
        this.buf += ':';
        this.printArg(arg[k], verb, depth + 1);
      });
      this.buf += ']';
    }
  }
}

function runeFrom(v: bigint): string {
  if (v < 0n || v > 0x10ffffn || (v >= 0xd800n && v <= 0xdfffn)) return '\ufffd';
  return String.fromCodePoint(Number(v));
}

function parsenum(s: string, start: number, end: number): { num: number; isnum: boolean; newi: number } {
  let num = 0;
  let isnum = false;
  let i = start;
  while (i < end && s[i] >= '0' && s[i] <= '9') {
    if (num > 1e6) return { num: 0, isnum: false, newi: end };
    num = num * 10 + (s.charCodeAt(i) - 48);
    isnum = true;
    i++;
  }
  return { num, isnum, newi: i };
}

function intFromArg(a: GoValue[], argNum: number): { num: number; isInt: boolean; argNum: number } {
  if (argNum < a.length) {
    const v = a[argNum];
    if (typeof v === 'bigint' && v >= -1000000n && v <= 1000000n) {
      return { num: Number(v), isInt: true, argNum: argNum + 1 };
    }
    return { num: 0, isInt: false, argNum: argNum + 1 };
  }
  return { num: 0, isInt: false, argNum };
}

/** fmt.Sprintf(format, args...). */
export function sprintf(format: string, ...a: GoValue[]): string {
  const p = new Printer();
  const end = format.length;
  let argNum = 0;
  let reordered = false;
  let goodArgNum = true;

  const argNumber = (i: number): { argNum: number; i: number; found: boolean } => {
    if (i >= end || format[i] !== '[') return { argNum, i, found: false };
    reordered = true;
    const rest = format.slice(i);
    if (rest.length >= 3) {
      for (let j = 1; j < rest.length; j++) {
        if (rest[j] === ']') {
          const { num, isnum, newi } = parsenum(rest, 1, j);
          if (!isnum || newi !== j) {
            goodArgNum = false;
            return { argNum, i: i + j + 1, found: false };
          }
          const index = num - 1;
          if (index >= 0 && index < a.length) return { argNum: index, i: i + j + 1, found: true };
          goodArgNum = false;
          return { argNum, i: i + j + 1, found: true };
        }
      }
    }
    goodArgNum = false;
    return { argNum, i: i + 1, found: false };
  };

  let i = 0;
  while (i < end) {
    goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) p.buf += format.slice(lasti, i);
    if (i >= end) break;
    i++;
    p.f = newFlags();
    const f = p.f;
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    let r = argNumber(i);
    argNum = r.argNum;
    i = r.i;
    let afterIndex = r.found;
    if (i < end && format[i] === '*') {
      i++;
      const w = intFromArg(a, argNum);
      argNum = w.argNum;
      f.wid = w.num;
      f.widPresent = w.isInt;
      if (!w.isInt) p.buf += '%!(BADWIDTH)';
      if (f.wid < 0) {
        f.wid = -f.wid;
        f.minus = true;
        f.zero = false;
      }
      afterIndex = false;
    } else {
      const n = parsenum(format, i, end);
      f.wid = n.num;
      f.widPresent = n.isnum;
      i = n.newi;
      if (afterIndex && f.widPresent) goodArgNum = false;
    }
    if (i + 1 <= end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
      afterIndex = r.found;
      if (i < end && format[i] === '*') {
        i++;
        const w = intFromArg(a, argNum);
        argNum = w.argNum;
        f.prec = w.num;
        f.precPresent = w.isInt;
        if (f.prec < 0) {
          f.prec = 0;
          f.precPresent = false;
        }
        if (!w.isInt) p.buf += '%!(BADPREC)';
        afterIndex = false;
      } else {
        const n = parsenum(format, i, end);
        f.prec = n.num;
        f.precPresent = n.isnum;
        i = n.newi;
        if (!f.precPresent) {
          f.prec = 0;
          f.precPresent = true;
        }
      }
    }
    if (!afterIndex) {
      r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
      afterIndex = r.found;
    }
    if (i >= end) {
      p.buf += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
    i += verb.length;
    if (verb === '%') {
      p.buf += '%';
    } else if (!goodArgNum) {
      p.buf += `%!${verb}(BADINDEX)`;
    } else if (argNum >= a.length) {
      p.buf += `%!${verb}(MISSING)`;
    } else {
      if (verb === 'v') {
        if (f.sharp) {
          f.sharp = false;
          f.sharpV = true;
        }
        if (f.plus) {
          f.plus = false;
          f.plusV = true;
        }
      }
      p.printArg(a[argNum], verb, 0);
      argNum++;
    }
  }
  if (!reordered && argNum < a.length) {
    p.f = newFlags();
    p.buf += '%!(EXTRA ';
    a.slice(argNum).forEach((arg, k) => {
      if (k > 0) p.buf += ', ';
      if (arg === null) p.buf += '<nil>';
      else {
        p.buf += goTypeName(arg) + '=';
        p.printArg(arg, 'v', 0);
      }
    });
    p.buf += ')';
  }
  return p.buf;
}
