#!/usr/bin/env node
/**
 * envstack: the dispatcher. Each command is one module under src/cli/, loaded only when it runs (or
 * its help is asked for). Errors are one line each, `FILE: field.path: message`, never a stack trace.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadArguments, HelpRequested, UsageError, type Command } from './args.js';

/** Every command, in the order `envstack help` lists them. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  synth: async () => (await import('./synth.js')).synth,
  render: async () => (await import('./render.js')).render,
  validate: async () => (await import('./validate.js')).validate,
  lint: async () => (await import('./lint.js')).lint,
  graph: async () => (await import('./graph.js')).graph,
  cost: async () => (await import('./cost.js')).cost,
  status: async () => (await import('./status.js')).status,
  drift: async () => (await import('./drift.js')).drift,
  controller: async () => (await import('./controller.js')).controller,
  serve: async () => (await import('./serve.js')).serve,
  sandbox: async () => (await import('./sandbox.js')).sandbox,
};

export const commandNames: readonly string[] = Object.keys(COMMANDS);

/** The command called `name`, or undefined. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name]() : undefined;
}

/** Every command's synopsis and summary. */
export async function topLevelUsage(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  const width = Math.max(...commands.map((c) => c.name.length));
  return `envstack — one PlatformEnvironment claim, a whole AWS environment

Usage:
${commands.flatMap((c) => c.synopsis.map((l) => `  ${l}`)).join('\n')}

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

envstack help COMMAND, or envstack COMMAND --help, prints a command's options and examples.`;
}

async function helpOf(command: Command): Promise<string> {
  return command.help ? command.help() : command.usage;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    if (name === 'help' && rest.length > 0) {
      const command = await loadCommand(rest[0]);
      if (command && rest.length === 1) {
        console.log(await helpOf(command));
        return 0;
      }
      console.error(`envstack help: takes one COMMAND of: ${commandNames.join(', ')}`);
      return 2;
    }
    console.log(await topLevelUsage());
    return name ? 0 : 2;
  }
  const command = await loadCommand(name);
  if (!command) {
    console.error(`envstack: unknown command "${name}"\n\n${await topLevelUsage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof HelpRequested) {
      console.log(await helpOf(command));
      return 0;
    }
    if (e instanceof BadArguments) {
      console.error(`envstack ${name}: ${e.message}\n\n${command.usage}`);
      return 2;
    }
    if (e instanceof UsageError) {
      console.error(`envstack ${name}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

/** Exits once stdout and stderr are written out: process.exit alone drops what a full pipe still holds. */
async function exitAfterFlush(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise((r) => s.write('', r))));
  process.exit(code);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => exitAfterFlush(code),
    (e: unknown) => {
      console.error(`envstack: internal error: ${e instanceof Error ? e.message : String(e)}`);
      return exitAfterFlush(70);
    },
  );
}
