import { parseArgs } from 'node:util';

/** The options `graph` and `lint` share: output format, flavor, an already-rendered stream, group, help. */
export interface RenderedInputOptions {
  output?: string;
  flavor?: string;
  rendered?: string;
  group?: string;
  help?: boolean;
  /** lint only: the multiple of the budget above which ENV075 is an error. */
  'budget-error-factor'?: string;
}

/**
 * Parses a graph or lint command line. Returns the exit code instead when the command is done: 2 after
 * printing `envstack COMMAND: problem` and the usage, 0 after printing the usage for --help.
 */
export function parseRenderedInputArgs(
  command: string,
  usage: string,
  args: string[],
  extra: readonly 'budget-error-factor'[] = [],
): { values: RenderedInputOptions; positionals: string[] } | number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        flavor: { type: 'string' },
        rendered: { type: 'string' },
        group: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(extra.map((name) => [name, { type: 'string' as const }])),
      },
    });
  } catch (e) {
    console.error(`envstack ${command}: ${e instanceof Error ? e.message : String(e)}\n\n${usage}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(usage);
    return 0;
  }
  return parsed;
}
