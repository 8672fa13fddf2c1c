import { GoError } from './errors.js';

/** k8s.io/apimachinery resource.ParseQuantity(s).AsApproximateFloat64(), for the convert transform. */

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const ERR_FORMAT = `quantities must match the regular expression '${SPLIT_RE}'`;
const ERR_SUFFIX = "unable to parse quantity's suffix";

const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

export function parseQuantityToFloat(str: string): number {
  if (str.length === 0) throw new GoError(ERR_FORMAT);
  if (str === '0') return 0;
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(str);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new GoError(ERR_FORMAT);
  const [, sign, whole, frac = '', suffix] = m;
  if (!/^[eEinumkKMGTP]*[-+]?[0-9]*$/.test(suffix)) throw new GoError(ERR_FORMAT);
  let exp10 = 0;
  let exp2 = 0;
  if (suffix in DECIMAL) exp10 = DECIMAL[suffix];
  else if (suffix in BINARY) exp2 = BINARY[suffix];
  else if (/^[eE][-+]?[0-9]+$/.test(suffix)) exp10 = Number(suffix.slice(1));
  else throw new GoError(ERR_SUFFIX);
  let unscaled = BigInt((whole + frac).replace(/^0+(?=.)/, '') || '0');
  let scale = frac.length - exp10;
  if (exp2 > 0) unscaled *= 1n << BigInt(exp2);
  if (scale < 0) {
    unscaled *= 10n ** BigInt(-scale);
    scale = 0;
  }
  if (scale > 9 && unscaled !== 0n) {
    const div = 10n ** BigInt(scale - 9);
    unscaled = (unscaled + div - 1n) / div;
    scale = 9;
  }
  const v = Number(`${unscaled}e-${scale}`);
  return sign === '-' ? -v : v;
}
