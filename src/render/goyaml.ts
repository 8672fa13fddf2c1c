/**
 * Prints JSON-shaped data the way sigs.k8s.io/yaml's JSONToYAML does (go.yaml.in/yaml/v2 v2.4.x):
 * YAML 1.1 scalar resolution decides quoting, map keys use yaml.v2's "natural" order, and long
 * scalars fold at column 80. js-yaml cannot reproduce these (it resolves YAML 1.2 and folds
 * differently), so this is a small port of the libyaml emitter paths that block-style JSON data uses.
 */

const BEST_INDENT = 2;
const BEST_WIDTH = 80;
const MAX_SIMPLE_KEY_BYTES = 128;

type Style = 'plain' | 'single' | 'double' | 'literal';

/** Renders one YAML document (no leading `---`), ending with a newline. */
export function goYamlMarshal(value: unknown): string {
  const e = new Emitter();
  e.emitNode(normalize(value), { root: true, mapping: false, simpleKey: false });
  e.writeIndent();
  return e.text();
}

/** Text that a JSON number becomes after encoding/json → yaml.Unmarshal → yaml.Marshal. */
export function goNumberText(x: number): string {
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

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function normalize(v: unknown): Json {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') return wellFormed(v);
  if (Array.isArray(v)) return v.map((x) => normalize(x));
  if (typeof v === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) {
      if (x !== undefined) out[wellFormed(k)] = normalize(x);
    }
    return out;
  }
  throw new TypeError(`json: unsupported type: ${typeof v}`);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const wellFormed = (s: string): string => s.replace(LONE_SURROGATE, '\uFFFD');

const isLetter = (c: string): boolean => /\p{L}/u.test(c);
const isDigit = (c: string): boolean => /\p{Nd}/u.test(c);

/** yaml.v2 keyList.Less for string keys. */
export function goYamlKeyLess(a: string, b: string): boolean {
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

export function goYamlSortKeys(keys: string[]): string[] {
  return [...keys].sort((x, y) => (goYamlKeyLess(x, y) ? -1 : goYamlKeyLess(y, x) ? 1 : 0));
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
export function resolvesToNonString(s: string): boolean {
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

interface ScalarInfo {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

const isPrintable = (cp: number): boolean =>
  cp === 0x0a ||
  (cp >= 0x20 && cp <= 0x7e) ||
  (cp >= 0xa0 && cp <= 0xd7ff) ||
  (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);
const isBreakCp = (cp: number): boolean =>
  cp === 0x0d || cp === 0x0a || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

function analyzeScalar(chars: string[]): ScalarInfo {
  if (chars.length === 0) {
    return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  }
  let blockIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  const head = chars.slice(0, 3).join('');
  if (head === '---' || head === '...') blockIndicators = true;
  let precededByWhitespace = true;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const cp = c.codePointAt(0)!;
    const followedByWhitespace = i + 1 >= chars.length || isBlank(chars[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) blockIndicators = true;
      else if ((c === '?' || c === ':') && followedByWhitespace) blockIndicators = true;
      else if (c === '-' && followedByWhitespace) blockIndicators = true;
    } else if (c === ':' && followedByWhitespace) {
      blockIndicators = true;
    } else if (c === '#' && precededByWhitespace) {
      blockIndicators = true;
    }
    if (!isPrintable(cp)) special = true;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreakCp(cp)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(c) || isBreakCp(cp) || cp === 0;
  }
  const info: ScalarInfo = {
    multiline: lineBreaks,
    blockPlainAllowed: true,
    singleQuotedAllowed: true,
    blockAllowed: true,
  };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) info.blockPlainAllowed = false;
  if (trailingSpace) info.blockAllowed = false;
  if (breakSpace) {
    info.blockPlainAllowed = false;
    info.singleQuotedAllowed = false;
  }
  if (spaceBreak || special) {
    info.blockPlainAllowed = false;
    info.singleQuotedAllowed = false;
    info.blockAllowed = false;
  }
  if (lineBreaks) info.blockPlainAllowed = false;
  if (blockIndicators) info.blockPlainAllowed = false;
  return info;
}

interface NodeCtx {
  root: boolean;
  mapping: boolean;
  simpleKey: boolean;
}

class Emitter {
  private buf: string[] = [];
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent = -1;
  private indents: number[] = [];
  private mappingContext = false;
  private simpleKeyContext = false;

  text(): string {
    return this.buf.join('');
  }

  private put(s: string): void {
    this.buf.push(s);
    this.column += 1;
  }

  private putBreak(): void {
    this.buf.push('\n');
    this.column = 0;
  }

  writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.putBreak();
    }
    while (this.column < indent) this.put(' ');
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
    for (const c of ind) this.put(c);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  private popIndent(): void {
    this.indent = this.indents.pop()!;
  }

  emitNode(v: Json, ctx: NodeCtx): void {
    this.mappingContext = ctx.mapping;
    this.simpleKeyContext = ctx.simpleKey;
    if (Array.isArray(v)) this.emitSequence(v);
    else if (v !== null && typeof v === 'object') this.emitMapping(v);
    else this.emitScalar(v);
  }

  private emitEmptyFlow(open: string, close: string): void {
    this.writeIndicator(open, true, true, false);
    this.increaseIndent(true, false);
    this.popIndent();
    this.writeIndicator(close, false, false, false);
  }

  private emitSequence(items: Json[]): void {
    if (items.length === 0) return this.emitEmptyFlow('[', ']');
    this.increaseIndent(false, this.mappingContext && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.emitNode(item, { root: false, mapping: false, simpleKey: false });
    }
    this.popIndent();
  }

  private emitMapping(m: { [k: string]: Json }): void {
    const keys = goYamlSortKeys(Object.keys(m));
    if (keys.length === 0) return this.emitEmptyFlow('{', '}');
    this.increaseIndent(false, false);
    for (const k of keys) {
      this.writeIndent();
      const simple =
        Buffer.byteLength(k, 'utf8') <= MAX_SIMPLE_KEY_BYTES && !analyzeScalar(Array.from(k)).multiline;
      if (simple) {
        this.emitNode(k, { root: false, mapping: true, simpleKey: true });
        this.writeIndicator(':', false, false, false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.emitNode(k, { root: false, mapping: true, simpleKey: false });
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.emitNode(m[k], { root: false, mapping: true, simpleKey: false });
    }
    this.popIndent();
  }

  private emitScalar(v: null | boolean | number | string): void {
    let text: string;
    let style: Style = 'plain';
    if (v === null) text = 'null';
    else if (typeof v === 'boolean') text = v ? 'true' : 'false';
    else if (typeof v === 'number') text = goNumberText(v);
    else {
      text = v;
      const canUsePlain = !resolvesToNonString(v) && !(BASE60_FLOAT.test(v) && v.includes(':'));
      style = v.includes('\n') ? 'literal' : canUsePlain ? 'plain' : 'double';
    }
    const chars = Array.from(text);
    const info = analyzeScalar(chars);
    if (this.simpleKeyContext && info.multiline) style = 'double';
    if (style === 'plain') {
      if (!info.blockPlainAllowed || (chars.length === 0 && this.simpleKeyContext)) style = 'single';
    }
    if (style === 'single' && !info.singleQuotedAllowed) style = 'double';
    if (style === 'literal' && (!info.blockAllowed || this.simpleKeyContext)) style = 'double';

    this.increaseIndent(true, false);
    const allowBreaks = !this.simpleKeyContext;
    if (style === 'plain') this.writePlain(chars, allowBreaks);
    else if (style === 'single') this.writeSingle(chars, allowBreaks);
    else if (style === 'double') this.writeDouble(chars, allowBreaks);
    else this.writeLiteral(chars);
    this.popIndent();
  }

  private writeChar(c: string): void {
    if (c === '\n') {
      this.putBreak();
    } else {
      this.buf.push(c);
      this.column = 0;
    }
  }

  private writePlain(chars: string[], allowBreaks: boolean): void {
    if (!this.whitespace) this.put(' ');
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i];
      if (c === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && chars[i + 1] !== ' ') this.writeIndent();
        else this.put(c);
        spaces = true;
      } else if (isBreakCp(c.codePointAt(0)!)) {
        if (!breaks && c === '\n') this.putBreak();
        this.writeChar(c);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(c);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    this.whitespace = false;
    this.indention = false;
  }

  private writeSingle(chars: string[], allowBreaks: boolean): void {
    this.writeIndicator("'", true, false, false);
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i];
      if (c === ' ') {
        if (
          allowBreaks &&
          !spaces &&
          this.column > BEST_WIDTH &&
          i > 0 &&
          i < chars.length - 1 &&
          chars[i + 1] !== ' '
        ) {
          this.writeIndent();
        } else {
          this.put(c);
        }
        spaces = true;
      } else if (isBreakCp(c.codePointAt(0)!)) {
        if (!breaks && c === '\n') this.putBreak();
        this.writeChar(c);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (c === "'") this.put("'");
        this.put(c);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeDouble(chars: string[], allowBreaks: boolean): void {
    this.writeIndicator('"', true, false, false);
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i];
      const cp = c.codePointAt(0)!;
      if (!isPrintable(cp) || (i === 0 && cp === 0xfeff) || isBreakCp(cp) || c === '"' || c === '\\') {
        this.put('\\');
        for (const ch of escapeFor(cp)) this.put(ch);
        spaces = false;
      } else if (c === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < chars.length - 1) {
          this.writeIndent();
          if (chars[i + 1] === ' ') this.put('\\');
        } else {
          this.put(c);
        }
        spaces = true;
      } else {
        this.put(c);
        spaces = false;
      }
    }
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeLiteral(chars: string[]): void {
    this.writeIndicator('|', true, false, false);
    if (chars[0] === ' ' || isBreakCp(chars[0].codePointAt(0)!)) {
      this.writeIndicator(String(BEST_INDENT), false, false, false);
    }
    const last = chars[chars.length - 1];
    let chomp = '';
    if (!isBreakCp(last.codePointAt(0)!)) chomp = '-';
    else if (chars.length === 1) chomp = '+';
    else if (isBreakCp(chars[chars.length - 2].codePointAt(0)!)) chomp = '+';
    if (chomp) this.writeIndicator(chomp, false, false, false);
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    for (const c of chars) {
      if (isBreakCp(c.codePointAt(0)!)) {
        this.writeChar(c);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(c);
        this.indention = false;
        breaks = false;
      }
    }
  }
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
