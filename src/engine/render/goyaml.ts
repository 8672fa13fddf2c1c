/**
 * Prints JSON-shaped data the way sigs.k8s.io/yaml's JSONToYAML does (go.yaml.in/yaml/v2 v2.4.x):
 * YAML 1.1 scalar resolution decides quoting, map keys use yaml.v2's "natural" order, and long
 * scalars fold at column 80. js-yaml cannot reproduce these (it resolves YAML 1.2 and folds
 * differently), so this is a small port of the libyaml emitter paths that block-style JSON data uses.
 */

const BEST_INDENT = 2;
const BEST_WIDTH = 80;
const MAX_SIMPLE_KEY_BYTES = 128;

const TAB = 0x09;
const LF = 0x0a;
const SPACE = 0x20;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BACKSLASH = 0x5c;

type Style = 'plain' | 'single' | 'double' | 'literal';

/** Renders one YAML document (no leading `---`), ending with a newline. */
export function goYamlMarshal(value: unknown): string {
  const e = new Emitter();
  try {
    e.emitNode(value, false, false);
  } catch (err) {
    // encoding/json rejects unsupported types before anything is printed; report those first.
    assertJsonTypes(value);
    throw err;
  }
  e.writeIndent();
  return e.out;
}

/** Text that a JSON number becomes after encoding/json → yaml.Unmarshal → yaml.Marshal. */
export function goNumberText(x: number): string {
  if (Number.isSafeInteger(x)) return String(x);
  if (!Number.isFinite(x)) throw new TypeError(`json: unsupported value: ${String(x)}`);
  const json = String(x);
  if (/^-?\d+$/.test(json)) {
    const b = BigInt(json);
    if (b >= -(2n ** 63n) && b < 2n ** 63n) return b.toString();
    if (b >= 0n && b < 2n ** 64n) return b.toString();
  }
  return formatFloatG(x);
}

function formatFloatG(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mant, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const abs = Math.abs(exp);
    return `${mant}e${sign}${abs < 10 ? '0' : ''}${abs}`;
  }
  return String(x);
}

function assertJsonTypes(v: unknown): void {
  if (typeof v === 'function' || typeof v === 'symbol')
    throw new TypeError(`json: unsupported type: ${typeof v}`);
  if (Array.isArray(v)) {
    for (const x of v) assertJsonTypes(x);
  } else if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) assertJsonTypes(x);
  }
}

/**
 * The map as encoding/json sees it: undefined values dropped and lone surrogates in keys replaced
 * (later keys win when two collapse into one). A `__proto__` key is dropped too, as this printer
 * always has.
 */
function jsonMap(m: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(m)) {
    if (x === undefined) continue;
    if (k === '__proto__') assertJsonTypes(x);
    else out[wellFormed(k)] = x;
  }
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const wellFormed = (s: string): string => s.replace(LONE_SURROGATE, '\uFFFD');

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isAsciiLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isAsciiDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** Digit runs this long still compare exactly as doubles (a leading 1 may be prepended). */
const MAX_NUMBER_DIGITS = 15;

/**
 * yaml.v2 keyList.Less for string keys. This decides on UTF-16 units when every character it looks
 * at is ASCII and leaves anything else to keyLessByCodePoint.
 */
export function goYamlKeyLess(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) {
    // One is a prefix of the other, unless that cuts a surrogate pair in two.
    if (i > 0 && isHighSurrogate(a.charCodeAt(i - 1))) return keyLessByCodePoint(a, b);
    return a.length < b.length;
  }
  const ca = a.charCodeAt(i);
  const cb = b.charCodeAt(i);
  if (ca >= 0x80 || cb >= 0x80) return keyLessByCodePoint(a, b);
  const al = isAsciiLetter(ca);
  const bl = isAsciiLetter(cb);
  if (al && bl) return ca < cb;
  if (al || bl) return bl;
  let an = 0;
  let bn = 0;
  if (ca === 0x30 || cb === 0x30) {
    for (let j = i - 1; j >= 0; j--) {
      const c = a.charCodeAt(j);
      if (c >= 0x80) return keyLessByCodePoint(a, b);
      if (!isAsciiDigit(c)) break;
      if (c !== 0x30) {
        an = 1;
        bn = 1;
        break;
      }
    }
  }
  let ai = i;
  while (ai < a.length && isAsciiDigit(a.charCodeAt(ai))) ai++;
  let bi = i;
  while (bi < b.length && isAsciiDigit(b.charCodeAt(bi))) bi++;
  // A non-ASCII character after a run might be another (Unicode) digit.
  if (a.charCodeAt(ai) >= 0x80 || b.charCodeAt(bi) >= 0x80) return keyLessByCodePoint(a, b);
  if (ai - i > MAX_NUMBER_DIGITS || bi - i > MAX_NUMBER_DIGITS) return keyLessByCodePoint(a, b);
  for (let j = i; j < ai; j++) an = an * 10 + a.charCodeAt(j) - 0x30;
  for (let j = i; j < bi; j++) bn = bn * 10 + b.charCodeAt(j) - 0x30;
  if (an !== bn) return an < bn;
  if (ai !== bi) return ai < bi;
  return ca < cb;
}

const isLetter = (c: string): boolean => /\p{L}/u.test(c);
const isDigit = (c: string): boolean => /\p{Nd}/u.test(c);

/** goYamlKeyLess over code points, for keys the ASCII comparison above cannot decide. */
function keyLessByCodePoint(a: string, b: string): boolean {
  const ar = Array.from(a);
  const br = Array.from(b);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i].codePointAt(0)! < br[i].codePointAt(0)!;
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10n + BigInt(ar[ai].codePointAt(0)! - 48);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10n + BigInt(br[bi].codePointAt(0)! - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i].codePointAt(0)! < br[i].codePointAt(0)!;
  }
  return ar.length < br.length;
}

const compareKeys = (x: string, y: string): number =>
  goYamlKeyLess(x, y) ? -1 : goYamlKeyLess(y, x) ? 1 : 0;

export function goYamlSortKeys(keys: string[]): string[] {
  return [...keys].sort(compareKeys);
}

// ---- YAML 1.1 resolution (resolve.go) ----

const RESOLVE_MAP = new Set([
  'y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON',
  'n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF',
  '', '~', 'null', 'Null', 'NULL', '.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF',
  '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '<<',
]); // prettier-ignore

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

/** True when the plain scalar `s` would not read back as a string. */
function resolvesToNonString(s: string): boolean {
  if (s === '') return true;
  const c = s[0];
  const hint = '+-0123456789'.includes(c) ? 'DS' : 'yYnNtTfFoO~'.includes(c) ? 'M' : c === '.' ? '.' : '';
  if (!hint) return false;
  if (RESOLVE_MAP.has(s)) return true;
  if (hint === '.') return goParseFloatOk(s);
  if (hint === 'DS') {
    if (isGoTimestamp(s)) return true;
    const plain = s.replaceAll('_', '');
    if (goParseInt(plain, true) || goParseInt(plain, false)) return true;
    if (YAML_STYLE_FLOAT.test(plain) && goParseFloatOk(plain)) return true;
    if (plain.startsWith('0b') && /^[01]+$/.test(plain.slice(2))) return fitsBits(plain.slice(2), 64n, false);
    if (plain.startsWith('-0b') && /^[01]+$/.test(plain.slice(3))) return fitsBits(plain.slice(3), 63n, true);
  }
  return false;
}

function fitsBits(bin: string, bits: bigint, neg: boolean): boolean {
  const v = BigInt('0b' + bin);
  return neg ? v <= 2n ** bits : v < 2n ** bits;
}

/** strconv.ParseInt(s, 0, 64) (signed) or ParseUint(s, 0, 64) succeeds. */
function goParseInt(s: string, signed: boolean): boolean {
  let body = s;
  let neg = false;
  if (signed && (body[0] === '+' || body[0] === '-')) {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  let digits: RegExp = /^[0-9]+$/;
  let prefix = '';
  if (/^0[xX]/.test(body)) {
    digits = /^[0-9a-fA-F]+$/;
    prefix = '0x';
    body = body.slice(2);
  } else if (/^0[oO]/.test(body)) {
    digits = /^[0-7]+$/;
    prefix = '0o';
    body = body.slice(2);
  } else if (/^0[bB]/.test(body)) {
    digits = /^[01]+$/;
    prefix = '0b';
    body = body.slice(2);
  } else if (body.length > 1 && body[0] === '0') {
    digits = /^[0-7]+$/;
    prefix = '0o';
    body = body.slice(1);
  }
  if (!digits.test(body)) return false;
  const v = BigInt(prefix + body);
  if (!signed) return v < 2n ** 64n;
  return neg ? v <= 2n ** 63n : v < 2n ** 63n;
}

function goParseFloatOk(s: string): boolean {
  const t = s.replace(/^[+-]/, '');
  if (/^(inf|infinity|nan)$/i.test(t)) return true;
  if (/^0[xX]/.test(t)) return /^0[xX](_?[0-9a-fA-F])*(\.[0-9a-fA-F_]*)?[pP][+-]?[0-9_]+$/.test(t);
  if (!/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(t)) return false;
  return Number.isFinite(Number(t));
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]);
}

/** The four time.Parse layouts yaml.v2 tries when a plain scalar starts with YYYY-. */
function isGoTimestamp(s: string): boolean {
  if (!/^[0-9]{4}-/.test(s)) return false;
  const dateOnly = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$/.exec(s);
  if (dateOnly) return validDate(+dateOnly[1], +dateOnly[2], +dateOnly[3]);
  const m =
    /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})([Tt ])([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})([.,][0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$/.exec(
      s,
    );
  if (!m) return false;
  const zoned = m[9] !== undefined;
  if ((m[4] === ' ') === zoned) return false;
  if (!validDate(+m[1], +m[2], +m[3])) return false;
  if (+m[5] > 23 || +m[6] > 59 || +m[7] > 59) return false;
  if (zoned && m[9] !== 'Z' && (+m[9].slice(1, 3) > 24 || +m[9].slice(4, 6) > 60)) return false;
  return true;
}

// ---- scalar analysis (yaml_emitter_analyze_scalar) ----

// analyzeScalar result bits.
const MULTILINE = 1;
const PLAIN_ALLOWED = 2;
const SINGLE_ALLOWED = 4;
const BLOCK_ALLOWED = 8;
const HAS_SURROGATE = 16;

// Code points above U+FFFD are not printable, so a printable string has no surrogates and each of its
// UTF-16 units is one code point (one column).
const isPrintable = (c: number): boolean =>
  c === LF ||
  (c >= 0x20 && c <= 0x7e) ||
  (c >= 0xa0 && c <= 0xd7ff) ||
  (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff);
const isBreak = (c: number): boolean => c === 0x0d || c === LF || c === 0x85 || c === 0x2028 || c === 0x2029;
const isBlank = (c: number): boolean => c === SPACE || c === TAB;

const FIRST_CHAR_INDICATORS = '#,[]{}&*!|>\'"%@`';

/** Printable ASCII without indicators, breaks or edge spaces: everything is allowed, as the loop below would find. */
const PLAIN_SAFE = /^[0-9A-Za-z_/](?:[0-9A-Za-z_./@=+,()-]|:(?!$| )| (?=[0-9A-Za-z_./@=+,()-]))*$/;

/** Works on UTF-16 units: surrogates only ever make a scalar "special", as astral code points do. */
function analyzeScalar(s: string): number {
  if (PLAIN_SAFE.test(s)) return PLAIN_ALLOWED | SINGLE_ALLOWED | BLOCK_ALLOWED;
  const n = s.length;
  if (n === 0) return PLAIN_ALLOWED | SINGLE_ALLOWED;
  let blockIndicators = s.startsWith('---') || s.startsWith('...');
  let lineBreaks = false;
  let special = false;
  let surrogate = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(n - 1);
  if (FIRST_CHAR_INDICATORS.includes(s[0])) blockIndicators = true;
  else if ((first === 0x3f || first === 0x3a || first === 0x2d) && (n === 1 || isBlank(s.charCodeAt(1)))) {
    blockIndicators = true; // '?', ':' or '-' followed by whitespace
  }
  let precededByWhitespace = true;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (i > 0) {
      if (c === 0x3a && (i + 1 === n || isBlank(s.charCodeAt(i + 1)))) blockIndicators = true;
      else if (c === 0x23 && precededByWhitespace) blockIndicators = true;
    }
    if (!isPrintable(c)) {
      special = true;
      if (c >= 0xd800 && c <= 0xdfff) surrogate = true;
    }
    if (c === SPACE) {
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(c) || isBreak(c) || c === 0;
  }
  const leadingSpace = first === SPACE;
  const trailingSpace = last === SPACE;
  let plain = !(leadingSpace || isBreak(first) || trailingSpace || isBreak(last));
  let single = true;
  let block = !trailingSpace;
  if (breakSpace) plain = single = false;
  if (spaceBreak || special) plain = single = block = false;
  if (lineBreaks || blockIndicators) plain = false;
  return (
    (lineBreaks ? MULTILINE : 0) |
    (plain ? PLAIN_ALLOWED : 0) |
    (single ? SINGLE_ALLOWED : 0) |
    (block ? BLOCK_ALLOWED : 0) |
    (surrogate ? HAS_SURROGATE : 0)
  );
}

function chooseStyle(s: string, info: number, simpleKey: boolean): Style {
  let style: Style;
  if (s.includes('\n')) style = 'literal';
  else if (resolvesToNonString(s) || (s.includes(':') && BASE60_FLOAT.test(s))) style = 'double';
  else style = 'plain';
  if (simpleKey && info & MULTILINE) style = 'double';
  if (style === 'plain' && (!(info & PLAIN_ALLOWED) || (s === '' && simpleKey))) style = 'single';
  if (style === 'single' && !(info & SINGLE_ALLOWED)) style = 'double';
  if (style === 'literal' && (!(info & BLOCK_ALLOWED) || simpleKey)) style = 'double';
  return style;
}

/** Styles of recently printed values (not keys) that needed no surrogate repair. */
const valueStyles = new Map<string, Style>();
const VALUE_STYLE_CACHE_LIMIT = 10_000;
const MAX_CACHED_VALUE_LENGTH = 256;

const lineStarts: string[] = [];
/** A line break and `indent` spaces. */
const lineStart = (indent: number): string => (lineStarts[indent] ??= '\n' + ' '.repeat(indent));

/**
 * A port of the libyaml emitter state that block-style output needs. `column` counts code points
 * written since the last line break; every text put() writes is printable, so that is its length.
 */
class Emitter {
  out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent = -1;

  private put(text: string): void {
    this.out += text;
    this.column += text.length;
  }

  private putBreak(): void {
    this.out += '\n';
    this.column = 0;
  }

  /** libyaml's WRITE_BREAK: any line break character restarts the column. */
  private writeBreak(c: number): void {
    this.out += String.fromCharCode(c);
    this.column = 0;
  }

  writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.out += lineStart(indent);
      this.column = indent;
    } else if (this.column < indent) {
      this.put(' '.repeat(indent - this.column));
    }
    this.whitespace = true;
    this.indention = true;
  }

  private writeIndicator(
    ind: string,
    needWhitespace: boolean,
    isWhitespace: boolean,
    isIndention: boolean,
  ): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.put(ind);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  emitNode(v: unknown, inMapping: boolean, simpleKey: boolean): void {
    if (typeof v === 'string') this.emitString(v, simpleKey);
    else if (v === null || v === undefined) this.emitPlainWord('null');
    else if (typeof v === 'number') this.emitPlainWord(goNumberText(v));
    else if (typeof v === 'boolean') this.emitPlainWord(v ? 'true' : 'false');
    else if (Array.isArray(v)) this.emitSequence(v, inMapping);
    else if (typeof v === 'object') this.emitMapping(v as Record<string, unknown>);
    else if (typeof v === 'bigint') this.emitPlainWord(goNumberText(Number(v)));
    else throw new TypeError(`json: unsupported type: ${typeof v}`);
  }

  private emitEmptyFlow(open: string, close: string): void {
    this.writeIndicator(open, true, true, false);
    this.writeIndicator(close, false, false, false);
  }

  private emitSequence(items: unknown[], inMapping: boolean): void {
    if (items.length === 0) return this.emitEmptyFlow('[', ']');
    const saved = this.indent;
    if (this.indent < 0) this.indent = 0;
    else if (!inMapping || this.indention) this.indent += BEST_INDENT;
    for (let i = 0; i < items.length; i++) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.emitNode(items[i], false, false);
    }
    this.indent = saved;
  }

  private emitMapping(map: Record<string, unknown>): void {
    let keys = Object.keys(map);
    for (const k of keys) {
      if (map[k] === undefined) {
        keys = keys.filter((x) => map[x] !== undefined);
        break;
      }
    }
    let m = map;
    let layout = keys.length === 0 ? undefined : cachedLayout(keys);
    if (layout === undefined) {
      m = jsonMap(map);
      layout = mappingLayout(Object.keys(m));
    }
    if (layout.keys.length === 0) return this.emitEmptyFlow('{', '}');
    const saved = this.indent;
    this.indent = this.indent < 0 ? 0 : this.indent + BEST_INDENT;
    for (let i = 0; i < layout.keys.length; i++) {
      const k = layout.keys[i];
      const keyText = layout.keyTexts[i];
      this.writeIndent();
      if (keyText !== undefined) {
        this.put(keyText);
        this.whitespace = false;
        this.indention = false;
      } else {
        this.writeIndicator('?', true, false, true);
        this.emitString(k, false);
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.emitNode(m[k], true, false);
    }
    this.indent = saved;
  }

  /** null, booleans and numbers: always plain, never wider than a line. */
  private emitPlainWord(text: string): void {
    if (!this.whitespace) this.put(' ');
    this.put(text);
    this.whitespace = false;
    this.indention = false;
  }

  emitString(raw: string, simpleKey: boolean): void {
    let s = raw;
    let style = simpleKey ? undefined : valueStyles.get(raw);
    if (style === undefined) {
      let info = analyzeScalar(s);
      if (info & HAS_SURROGATE) {
        s = wellFormed(raw);
        if (s !== raw) info = analyzeScalar(s);
      }
      style = chooseStyle(s, info, simpleKey);
      if (!simpleKey && s === raw && s.length <= MAX_CACHED_VALUE_LENGTH) {
        if (valueStyles.size >= VALUE_STYLE_CACHE_LIMIT) valueStyles.clear();
        valueStyles.set(s, style);
      }
    }
    const saved = this.indent;
    this.indent = this.indent < 0 ? BEST_INDENT : this.indent + BEST_INDENT;
    const allowBreaks = !simpleKey;
    if (style === 'plain') this.writePlain(s, allowBreaks);
    else if (style === 'single') this.writeSingle(s, allowBreaks);
    else if (style === 'double') this.writeDouble(s, allowBreaks);
    else this.writeLiteral(s);
    this.indent = saved;
  }

  // The writers below put() runs of s at once: s[from, i) is due but not yet put, so s[i] lands at
  // column this.column + (i - from).

  /** Plain scalars hold no line breaks and start and end with a non-space. */
  private writePlain(s: string, allowBreaks: boolean): void {
    if (!this.whitespace) this.put(' ');
    // Only a space past column BEST_WIDTH can fold.
    if (!allowBreaks || this.column + s.length <= BEST_WIDTH + 1) {
      this.put(s);
    } else {
      this.indention = false;
      let from = 0;
      let spaces = false;
      for (let i = 0; i < s.length; i++) {
        if (s.charCodeAt(i) !== SPACE) {
          spaces = false;
          continue;
        }
        if (!spaces && this.column + (i - from) > BEST_WIDTH && s.charCodeAt(i + 1) !== SPACE) {
          this.put(s.slice(from, i));
          this.writeIndent();
          from = i + 1;
        }
        spaces = true;
      }
      this.put(s.slice(from));
    }
    this.whitespace = false;
    this.indention = false;
  }

  private writeSingle(s: string, allowBreaks: boolean): void {
    this.writeIndicator("'", true, false, false);
    const n = s.length;
    let spaces = false;
    let breaks = false;
    let from = 0;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === SPACE) {
        if (
          allowBreaks &&
          !spaces &&
          this.column + (i - from) > BEST_WIDTH &&
          i > 0 &&
          i < n - 1 &&
          s.charCodeAt(i + 1) !== SPACE
        ) {
          this.put(s.slice(from, i));
          this.writeIndent();
          from = i + 1;
        }
        spaces = true;
      } else if (isBreak(c)) {
        this.put(s.slice(from, i));
        if (!breaks && c === LF) this.putBreak();
        this.writeBreak(c);
        from = i + 1;
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) {
          this.put(s.slice(from, i));
          this.writeIndent();
          from = i;
        }
        if (c === SINGLE_QUOTE) {
          this.put(s.slice(from, i + 1));
          from = i;
        }
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    this.put(s.slice(from));
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeDouble(s: string, allowBreaks: boolean): void {
    this.writeIndicator('"', true, false, false);
    const n = s.length;
    let spaces = false;
    let from = 0;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === SPACE) {
        if (allowBreaks && !spaces && this.column + (i - from) > BEST_WIDTH && i > 0 && i < n - 1) {
          this.put(s.slice(from, i));
          this.writeIndent();
          if (s.charCodeAt(i + 1) === SPACE) this.put('\\');
          from = i + 1;
        }
        spaces = true;
      } else {
        if (!isPrintable(c) || isBreak(c) || c === DOUBLE_QUOTE || c === BACKSLASH) {
          this.put(s.slice(from, i));
          const cp = s.codePointAt(i)!;
          if (cp > 0xffff) i++;
          this.put('\\' + escapeFor(cp));
          from = i + 1;
        }
        spaces = false;
      }
    }
    this.put(s.slice(from));
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeLiteral(s: string): void {
    this.writeIndicator('|', true, false, false);
    const n = s.length;
    if (s.charCodeAt(0) === SPACE || isBreak(s.charCodeAt(0))) {
      this.writeIndicator(String(BEST_INDENT), false, false, false);
    }
    let chomp = '';
    if (!isBreak(s.charCodeAt(n - 1))) chomp = '-';
    else if (n === 1 || isBreak(s.charCodeAt(n - 2))) chomp = '+';
    if (chomp) this.writeIndicator(chomp, false, false, false);
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    let from = 0;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (isBreak(c)) {
        this.put(s.slice(from, i));
        this.writeBreak(c);
        from = i + 1;
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.indention = false;
        breaks = false;
      }
    }
    this.put(s.slice(from));
  }
}

/** A map's keys in yaml.v2 order, each with its `key:` text, or undefined when it needs `? key`. */
interface MappingLayout {
  keys: string[];
  keyTexts: (string | undefined)[];
}

/** Layouts by the map's key list joined with NUL. */
const layouts = new Map<string, MappingLayout>();
const LAYOUT_CACHE_LIMIT = 2_000;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;

/** The layout for keys as they are, or undefined when they must first go through jsonMap(). */
function cachedLayout(keys: string[]): MappingLayout | undefined {
  const signature = keys.join('\u0000');
  let layout = layouts.get(signature);
  // Equal joins of equally many keys mean equal keys unless a key held a NUL, and cached keys hold none.
  if (layout !== undefined && layout.keys.length === keys.length) return layout;
  if (keys.includes('__proto__') || ANY_SURROGATE.test(signature)) return undefined;
  layout = mappingLayout(keys);
  if (!keys.some((k) => k.includes('\u0000'))) {
    if (layouts.size >= LAYOUT_CACHE_LIMIT) layouts.clear();
    layouts.set(signature, layout);
  }
  return layout;
}

function mappingLayout(keys: string[]): MappingLayout {
  const sorted = [...keys].sort(compareKeys);
  return { keys: sorted, keyTexts: sorted.map(simpleKeyText) };
}

/** The `key:` text of a key printed as a simple key; it does not depend on where the key is printed. */
function simpleKeyText(k: string): string | undefined {
  if (Buffer.byteLength(k, 'utf8') > MAX_SIMPLE_KEY_BYTES || analyzeScalar(k) & MULTILINE) return undefined;
  const e = new Emitter();
  e.emitString(k, true);
  return e.out + ':';
}

const SHORT_ESCAPES: Record<number, string> = {
  0x00: '0',
  0x07: 'a',
  0x08: 'b',
  0x09: 't',
  0x0a: 'n',
  0x0b: 'v',
  0x0c: 'f',
  0x0d: 'r',
  0x1b: 'e',
  0x22: '"',
  0x5c: '\\',
  0x85: 'N',
  0xa0: '_',
  0x2028: 'L',
  0x2029: 'P',
};

function escapeFor(cp: number): string {
  const short = SHORT_ESCAPES[cp];
  if (short !== undefined) return short;
  const hex = cp.toString(16).toUpperCase();
  if (cp <= 0xff) return 'x' + hex.padStart(2, '0');
  if (cp <= 0xffff) return 'u' + hex.padStart(4, '0');
  return 'U' + hex.padStart(8, '0');
}
