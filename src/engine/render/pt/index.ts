export { patchAndTransform, ENVIRONMENT_CONTEXT_KEY } from './function.js';
export { sprintf, formatFloat, goQuote } from './gofmt.js';
export { parse as parseFieldPath, segmentsString, Paved } from './fieldpath.js';
export type { GoValue, GoMap } from './govalue.js';
