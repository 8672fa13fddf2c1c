import { RE2JS } from 're2js';
import { compileGoRegexp, plainPatternGroups } from '../../../src/engine/render/pt/goregexp.js';
import { rng } from '../../support/random.js';

const PIECES = [
  'a',
  'b',
  'c',
  '0',
  '9',
  ':',
  '-',
  '_',
  '.',
  '\\.',
  '\\-',
  '\\d',
  '\\\\',
  '\\(',
  '\\{',
  '\\_',
  '\\q',
  '(',
  ')',
  '(?:',
  '(?i)',
  '|',
  '^',
  '$',
  '*',
  '+',
  '?',
  '*?',
  '+?',
  '??',
  '{2}',
  '{1,3}',
  '{2,}',
  '{,2}',
  '{01}',
  '{3,1}',
  '{1001}',
  '{',
  '}',
  '[',
  ']',
  '[a-z]',
  '[^:]',
  '[0-9a-f]',
  '[z-a]',
  '[a-]',
  '[-a]',
  '[]a]',
  '[^]',
  '[.]',
  '[[:alpha:]]',
  '[\\-x]',
  '[a-Z]',
  '[^\\]]',
  'é',
  '😀',
  ' ',
  '\n',
  '/',
  '#',
];
const INPUTS = [
  '',
  'a',
  'ab',
  'abc',
  'aaa',
  'a:b',
  'a-b_c',
  'a.b',
  '1.25.3',
  'postgres16',
  'aurora-mysql8.0',
  'arn:aws:iam::123456789012:role/x',
  'deadbeefcafe',
  ':::',
  '(a)',
  'x\ny',
  'a😀b',
  '😀:😀',
  'é',
  '{2}',
  '0',
  '99',
  'ba',
  'cab',
  '\\',
  '-',
  '_',
  'zz',
  'a[b]',
  ' ',
];

function re2Outcome(re: RE2JS, input: string): unknown {
  const m = re.matcher(input);
  if (!m.find()) return null;
  const groups: (string | null)[] = [];
  for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g));
  return groups;
}

function nativeOutcome(pattern: string, input: string): unknown {
  const re = compileGoRegexp(pattern);
  if (typeof re === 'string') throw new Error(re);
  const m = re.matcher(input);
  if (!m.find()) return null;
  const groups: (string | null)[] = [];
  for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g));
  return groups;
}

describe('Go regexps on the native engine', () => {
  it('takes the composition patterns, and matches them as RE2 does', () => {
    const patterns = [
      '^([0-9]+\\.[0-9]+)\\.',
      '^(postgres[0-9]+|aurora-postgresql[0-9]+|aurora-mysql[0-9]+\\.[0-9]+)',
      '^arn:([^:]+):[^:]*:[^:]*:([0-9]{12}):',
      '^([0-9a-f]{8})',
    ];
    for (const p of patterns) {
      expect(plainPatternGroups(p)).toBeGreaterThanOrEqual(0);
      const re2 = RE2JS.compile(p);
      for (const input of INPUTS) expect(nativeOutcome(p, input)).toEqual(re2Outcome(re2, input));
    }
  });

  it('leaves quantified groups, flags, Perl classes and malformed patterns to RE2', () => {
    for (const p of ['(a)*', '(a|b)+', '(?i)a', '(?:a)', '\\d', '.', 'a**', '*a', '[z-a]', '(a', 'a)', 'é']) {
      expect(plainPatternGroups(p)).toBe(-1);
    }
    for (const p of ['(a', '[z-a]', 'a**']) {
      let message = '';
      try {
        RE2JS.compile(p);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toBe('');
      expect(compileGoRegexp(p)).toBe(message);
    }
  });

  it('agrees with RE2 on random patterns: every pattern it takes RE2 accepts, and matches the same', () => {
    const next = rng(20240101);
    let taken = 0;
    for (let n = 0; n < 20000; n++) {
      let p = '';
      const len = 1 + Math.floor(next() * 8);
      for (let k = 0; k < len; k++) p += PIECES[Math.floor(next() * PIECES.length)];
      if (plainPatternGroups(p) < 0) continue;
      taken++;
      let re2: RE2JS;
      try {
        re2 = RE2JS.compile(p);
      } catch (e) {
        throw new Error(`RE2 rejects ${JSON.stringify(p)}: ${(e as Error).message}`);
      }
      expect(plainPatternGroups(p)).toBe(re2.groupCount());
      for (const input of INPUTS) {
        const want = re2Outcome(re2, input);
        const got = nativeOutcome(p, input);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          throw new Error(
            `${JSON.stringify(p)} on ${JSON.stringify(input)}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`,
          );
        }
      }
    }
    expect(taken).toBeGreaterThan(1500);
  });
});
