import { RE2JS } from 're2js';

/**
 * Go regexps (RE2) for transforms. RE2JS is exact but slow to start: its first compile and match
 * cost a fresh process tens of milliseconds. Patterns in a plain subset, where RE2 and a JavaScript
 * RegExp (u flag) accept the same and match the same (leftmost-first, the same submatches), run on the
 * native engine instead; every other pattern goes to RE2JS.
 *
 * The subset: ASCII literals; escaped metacharacters; capturing groups, not quantified (JavaScript
 * resets a repeated group's captures, RE2 does not); alternation; `^` and `$`; character classes of
 * ASCII literals and ranges (digit, lower or upper case); `* + ?` and `{n}`, `{n,}`, `{n,m}`
 * (n <= m <= 1000, no leading zeros), greedy or lazy, after a literal, escape or class. There RE2
 * rejects nothing: nesting, size and repeat counts stay far inside its limits.
 */

/** What the transforms use of a compiled regexp: RE2JS's own interface, or the same over a RegExp. */
export interface GoRegexp {
  matcher(input: string): GoMatcher;
}

export interface GoMatcher {
  find(): boolean;
  groupCount(): number;
  group(g: number): string | null;
}

const LITERAL = /[A-Za-z0-9_:/@=,;%&~#!<> '"-]/;
const ESCAPED = new Set(['.', '^', '$', '\\', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);
const CLASS_LITERAL = /[A-Za-z0-9_:/@=,;%&~#!<> '".*+?(){}|$]/;
const MAX_LENGTH = 1000;
const MAX_DEPTH = 100;
const MAX_REPEATS = 1000;

function rangeKind(c: string): number {
  if (c >= '0' && c <= '9') return 1;
  if (c >= 'a' && c <= 'z') return 2;
  if (c >= 'A' && c <= 'Z') return 3;
  return 0;
}

/** The number of capturing groups of a pattern in the subset, or -1 for any other pattern. */
export function plainPatternGroups(re: string): number {
  if (re.length > MAX_LENGTH) return -1;
  let groups = 0;
  let depth = 0;
  let repeats = 0;
  // Whether the last thing parsed may take a quantifier (a literal, escape or class).
  let quantifiable = false;
  let i = 0;
  const n = re.length;
  const number = (): number => {
    const start = i;
    while (i < n && re[i] >= '0' && re[i] <= '9') i++;
    const digits = re.slice(start, i);
    if (digits === '' || (digits.length > 1 && digits[0] === '0') || digits.length > 4) return -1;
    return Number(digits);
  };
  while (i < n) {
    const c = re[i];
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      if (!quantifiable) return -1;
      if (c === '{') {
        i++;
        const min = number();
        if (min < 0) return -1;
        let max = min;
        if (re[i] === ',') {
          i++;
          if (re[i] === '}') max = -1;
          else {
            max = number();
            if (max < 0) return -1;
          }
        }
        if (re[i] !== '}') return -1;
        if (min > MAX_REPEATS || max > MAX_REPEATS || (max >= 0 && max < min)) return -1;
        repeats += Math.max(min, max);
        if (repeats > MAX_REPEATS) return -1;
      }
      i++;
      if (re[i] === '?') i++;
      quantifiable = false;
      continue;
    }
    if (c === '(') {
      if (re[i + 1] === '?') return -1;
      if (++depth > MAX_DEPTH) return -1;
      groups++;
      quantifiable = false;
      i++;
      continue;
    }
    if (c === ')') {
      if (--depth < 0) return -1;
      // A quantified group is outside the subset.
      const next = re[i + 1];
      if (next === '*' || next === '+' || next === '?' || next === '{') return -1;
      quantifiable = false;
      i++;
      continue;
    }
    if (c === '|' || c === '^' || c === '$') {
      quantifiable = false;
      i++;
      continue;
    }
    if (c === '\\') {
      if (!ESCAPED.has(re[i + 1])) return -1;
      quantifiable = true;
      i += 2;
      continue;
    }
    if (c === '[') {
      i++;
      if (re[i] === '^') i++;
      let members = 0;
      while (i < n && re[i] !== ']') {
        const m = re[i];
        if (m === '\\') {
          if (!ESCAPED.has(re[i + 1]) && re[i + 1] !== '-') return -1;
          i += 2;
        } else if (re[i + 1] === '-' && re[i + 2] !== undefined && re[i + 2] !== ']') {
          const hi = re[i + 2];
          const kind = rangeKind(m);
          if (kind === 0 || rangeKind(hi) !== kind || hi < m) return -1;
          i += 3;
        } else if (CLASS_LITERAL.test(m)) {
          i++;
        } else {
          return -1;
        }
        members++;
      }
      if (i >= n || members === 0) return -1;
      i++;
      quantifiable = true;
      continue;
    }
    if (!LITERAL.test(c)) return -1;
    quantifiable = true;
    i++;
  }
  return depth === 0 ? groups : -1;
}

class NativeMatcher implements GoMatcher {
  private m: RegExpExecArray | null = null;

  constructor(
    private readonly re: NativeRegexp,
    private readonly input: string,
  ) {}

  find(): boolean {
    this.m = this.re.native.exec(this.input);
    return this.m !== null;
  }

  groupCount(): number {
    return this.re.groups;
  }

  group(g: number): string | null {
    if (g < 0 || this.m === null) {
      const m = this.re.re2().matcher(this.input);
      m.find();
      return m.group(g);
    }
    return this.m[g] ?? null;
  }
}

class NativeRegexp implements GoRegexp {
  private compiled: RE2JS | undefined;

  constructor(
    readonly source: string,
    readonly native: RegExp,
    readonly groups: number,
  ) {}

  re2(): RE2JS {
    this.compiled ??= RE2JS.compile(this.source);
    return this.compiled;
  }

  matcher(input: string): GoMatcher {
    return new NativeMatcher(this, input);
  }
}

/** regexp.Compile: a GoRegexp, or the message of RE2's error. */
export function compileGoRegexp(re: string): GoRegexp | string {
  const groups = plainPatternGroups(re);
  if (groups >= 0) {
    try {
      return new NativeRegexp(re, new RegExp(re, 'u'), groups);
    } catch {
      // Not expected for the subset; RE2 decides.
    }
  }
  try {
    return RE2JS.compile(re);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
