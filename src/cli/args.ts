/** What every `envstack` command shares: its shape, its argument parser and its usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Flavor } from '../platform/compose/flavor.js';

/**
 * One sub-command. Its module is loaded only to run it or to print its help, so it imports what
 * running needs inside `run`.
 */
export interface Command {
  readonly name: string;
  /** One line for the list of commands. */
  readonly summary: string;
  /** Its command lines, each starting `envstack NAME`. */
  readonly synopsis: readonly string[];
  /** Command lines that run as written from a checkout, each with an optional `  # comment`. */
  readonly examples: readonly string[];
  /** Usage, what it does, its options and examples: printed by --help and after a rejected argument. */
  readonly usage: string;
  /** A longer --help text, when it is computed from data loaded at run time (default: usage). */
  help?(): Promise<string>;
  /** Runs with the arguments after the command's name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}

export interface CommandSpec extends Omit<Command, 'usage'> {
  /** What the command does and its options, between the synopsis and the examples. */
  readonly details: string;
}

export function defineCommand({ details, ...spec }: CommandSpec): Command {
  const [first, ...more] = spec.synopsis;
  const usage = [
    [`Usage: ${first}`, ...more.map((l) => `       ${l}`)].join('\n'),
    details,
    ['Examples:', ...spec.examples.map((e) => `  ${e}`)].join('\n'),
  ].join('\n\n');
  return { ...spec, usage };
}

/** A problem with the command line: the dispatcher prints `envstack COMMAND: message` and exits 2. */
export class UsageError extends Error {}

/** An argument the parser rejects: as UsageError, with the command's usage after the message. */
export class BadArguments extends UsageError {}

/** -h or --help was given: the dispatcher prints the command's help and exits 0. */
export class HelpRequested extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** node:util parseArgs, strict, with -h/--help added: throws HelpRequested or BadArguments. */
export function parseCommandArgs<O extends Options>(args: string[], options: O, allowPositionals = false) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, ...HELP }, allowPositionals, strict: true });
  } catch (e) {
    throw new BadArguments(e instanceof Error ? e.message : String(e));
  }
  if ((parsed.values as { help?: boolean }).help) throw new HelpRequested();
  return parsed;
}

/** The --flavor argument of render, validate and controller; `both` where allowed. */
export function flavorOf(value: string | undefined, allowBoth = false): Flavor[] {
  const v = value ?? (allowBoth ? 'both' : 'claim');
  if (v === 'claim' || v === 'namespaced') return [v];
  if (allowBoth && v === 'both') return ['claim', 'namespaced'];
  throw new UsageError(`--flavor must be claim or namespaced${allowBoth ? ' or both' : ''}, got "${v}"`);
}

/** The options `graph` and `lint` share: output format, flavor, an already-rendered stream, group. */
export const RENDERED_INPUT_OPTIONS = {
  output: { type: 'string', short: 'o' },
  flavor: { type: 'string' },
  rendered: { type: 'string' },
  group: { type: 'string' },
} as const;
