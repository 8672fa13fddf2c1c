export { compileRule, evaluateRule, optionalOf, CelCompileError, CelEvalError } from './compile.js';
export type { CompiledRule, RuleVariables } from './compile.js';
export { toCelValue, toCelDyn, escapeCelName } from './values.js';
export type { CelSchema } from './values.js';
export { celEquals } from './equality.js';
export { compileRE2, re2Test } from './regex.js';
export { parseIP, parseIPLenient, parseCIDR, isIP, isCIDR, IPAddr, CIDRPrefix } from './net.js';
export { parseURL, isURL } from './url.js';
export {
  isDNS1123Label,
  isDNS1123Subdomain,
  isDNS1035Label,
  isQualifiedName,
  isLabelValue,
  isValidDate,
  isValidDateTime,
  isBase64,
} from './formats.js';
