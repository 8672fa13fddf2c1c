import { Environment, Optional, type ASTNode, type ParseResult } from '@marcbachmann/cel-js';
import {
  INTERNAL_PREFIX,
  NAMESPACED_FUNCTIONS,
  SHADOWED_METHODS,
  registerKubernetesLibraries,
} from './libraries.js';
import { compileRE2 } from './regex.js';

export class CelCompileError extends Error {
  override readonly name = 'CelCompileError';
}

export class CelEvalError extends Error {
  override readonly name = 'CelEvalError';
}

export interface RuleVariables {
  self: unknown;
  /** Present only for transition rules; wrap with `optionalOldSelf` semantics via `optional`. */
  oldSelf?: unknown;
}

export interface CompiledRule {
  readonly source: string;
  /** The expression cel-js runs (Kubernetes functions renamed to their internal implementations). */
  readonly rewritten: string;
  /** True when the rule references `oldSelf`, i.e. it is a transition rule. */
  readonly usesOldSelf: boolean;
  evaluate(vars: RuleVariables): unknown;
}

let sharedEnv: Environment | undefined;

function environment(): Environment {
  if (!sharedEnv) {
    const env = new Environment({
      unlistedVariablesAreDyn: false,
      homogeneousAggregateLiterals: true,
      enableOptionalTypes: true,
    });
    env.registerVariable('self', 'dyn');
    env.registerVariable('oldSelf', 'dyn');
    registerKubernetesLibraries(env);
    sharedEnv = env;
  }
  return sharedEnv;
}

const internalNameRe = new RegExp(
  `${INTERNAL_PREFIX}([A-Za-z]+)_([A-Za-z0-9]+)|${INTERNAL_PREFIX}([A-Za-z]+)`,
  'g',
);

function publicMessage(msg: string): string {
  return msg.replace(
    internalNameRe,
    (_m, ns: string | undefined, name: string | undefined, plain: string | undefined) =>
      ns !== undefined && name !== undefined ? `${ns}.${name}` : (plain ?? ''),
  );
}

function errorMessage(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  return publicMessage(raw.split('\n')[0]);
}

function isNode(v: unknown): v is ASTNode {
  return typeof v === 'object' && v !== null && 'op' in v && 'args' in v;
}

function children(node: ASTNode): ASTNode[] {
  const out: ASTNode[] = [];
  const visit = (v: unknown): void => {
    if (isNode(v)) out.push(v);
    else if (Array.isArray(v)) v.forEach(visit);
  };
  visit(node.args);
  return out;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

interface Analysis {
  edits: Edit[];
  usesOldSelf: boolean;
  regexLiterals: string[];
}

const namespaced = new Map(Object.entries(NAMESPACED_FUNCTIONS).map(([ns, fns]) => [ns, new Set(fns)]));
const shadowed = new Set(SHADOWED_METHODS);
const regexFunctions = new Set(['matches', 'find', 'findAll']);

function analyse(root: ASTNode, input: string): Analysis {
  const result: Analysis = { edits: [], usesOldSelf: false, regexLiterals: [] };
  const walk = (node: ASTNode): void => {
    if (node.op === 'id' && node.args === 'oldSelf') result.usesOldSelf = true;
    if (node.op === 'rcall') {
      const [name, receiver, args] = node.args;
      if (regexFunctions.has(name) && args[0]?.op === 'value' && typeof args[0].args === 'string') {
        result.regexLiterals.push(args[0].args);
      }
      const nameAt = methodNameStart(input, receiver.range.end, name);
      if (receiver.op === 'id' && namespaced.get(receiver.args)?.has(name) && nameAt >= 0) {
        result.edits.push({
          start: receiver.range.start,
          end: nameAt + name.length,
          text: `${INTERNAL_PREFIX}${receiver.args}_${name}`,
        });
        args.forEach(walk);
        return;
      }
      if (name === 'value' && args.length === 0) {
        // cel-js cannot dispatch relational operators on the dyn result of optional.value() without a dyn() hint.
        result.edits.push({ start: node.range.start, end: node.range.start, text: 'dyn(' });
        result.edits.push({ start: node.range.end, end: node.range.end, text: ')' });
      }
      if (name === 'format' && args.length === 1 && args[0].op === 'list') {
        // string.format is exempt from the homogeneous-literal rule in cel-go; dyn() gives cel-js the same leeway.
        for (const item of args[0].args) {
          result.edits.push({ start: item.range.start, end: item.range.start, text: 'dyn(' });
          result.edits.push({ start: item.range.end, end: item.range.end, text: ')' });
        }
      }
      if (shadowed.has(name) && nameAt >= 0) {
        result.edits.push({ start: nameAt, end: nameAt + name.length, text: `${INTERNAL_PREFIX}${name}` });
      }
    }
    if (node.op === 'call') {
      const [name, args] = node.args;
      if (name === 'matches') {
        if (args[1]?.op === 'value' && typeof args[1].args === 'string')
          result.regexLiterals.push(args[1].args);
        result.edits.push({
          start: node.range.start,
          end: node.range.start + name.length,
          text: `${INTERNAL_PREFIX}${name}`,
        });
      }
    }
    children(node).forEach(walk);
  };
  walk(root);
  return result;
}

function methodNameStart(input: string, from: number, name: string): number {
  const m = /^\s*\.\s*/.exec(input.slice(from));
  if (!m) return -1;
  const at = from + m[0].length;
  return input.startsWith(name, at) ? at : -1;
}

function applyEdits(input: string, edits: Edit[]): string {
  let out = input;
  for (const e of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) {
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  }
  return out;
}

const compiledCache = new Map<string, CompiledRule>();

/** Compiles a Kubernetes CEL validation rule (`self`, `oldSelf`) with the Kubernetes function libraries. */
export function compileRule(expr: string): CompiledRule {
  const cached = compiledCache.get(expr);
  if (cached) return cached;
  const env = environment();
  let first: ParseResult;
  try {
    first = env.parse(expr);
  } catch (e) {
    throw new CelCompileError(`compilation failed: ${errorMessage(e)}`);
  }
  const analysis = analyse(first.ast, expr);
  for (const re of analysis.regexLiterals) {
    try {
      compileRE2(re);
    } catch (e) {
      throw new CelCompileError(`compilation failed: ${errorMessage(e)}`);
    }
  }
  const rewritten = applyEdits(expr, analysis.edits);
  let program: ParseResult;
  try {
    program = analysis.edits.length === 0 ? first : env.parse(rewritten);
  } catch (e) {
    throw new CelCompileError(`compilation failed: ${errorMessage(e)}`);
  }
  const checked = program.check();
  if (!checked.valid) {
    throw new CelCompileError(`compilation failed: ${errorMessage(checked.error)}`);
  }
  const rule: CompiledRule = {
    source: expr,
    rewritten,
    usesOldSelf: analysis.usesOldSelf,
    evaluate(vars: RuleVariables): unknown {
      try {
        const out: unknown = program({ self: vars.self, oldSelf: vars.oldSelf });
        if (out instanceof Promise) throw new Error('asynchronous evaluation is not supported');
        return out;
      } catch (e) {
        throw new CelEvalError(errorMessage(e));
      }
    },
  };
  if (compiledCache.size > 5000) compiledCache.clear();
  compiledCache.set(expr, rule);
  return rule;
}

/** Compiles (cached) and evaluates an expression in one call. */
export function evaluateRule(expr: string, vars: RuleVariables): unknown {
  return compileRule(expr).evaluate(vars);
}

/** Wraps an old value for rules with `optionalOldSelf: true`. */
export function optionalOf(value: unknown): unknown {
  return value === undefined ? Optional.none() : Optional.of(value);
}
