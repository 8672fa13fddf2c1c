/**
 * docs/cli.md, the command reference, made from the commands' own help texts.
 * `npx tsx src/cli/reference.ts` rewrites it; test/cli/help.test.ts fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../core/paths.js';
import type { Command } from './args.js';
import { commandNames, loadCommand } from './main.js';

export const REFERENCE_FILE = join('docs', 'cli.md');

export async function cliReference(): Promise<string> {
  const commands = (await Promise.all(commandNames.map(loadCommand))) as Command[];
  const sections = await Promise.all(
    commands.map(
      async (c) => `## envstack ${c.name}\n\n\`\`\`text\n${c.help ? await c.help() : c.usage}\n\`\`\`\n`,
    ),
  );
  return [
    '# envstack commands',
    '',
    `<!-- Generated from each command's --help by src/cli/reference.ts: run \`npx tsx src/cli/reference.ts\` after changing one. -->`,
    '',
    '`envstack help COMMAND` and `envstack COMMAND --help` print the section of that command; a',
    'command line it cannot take exits 2 with the problem and the usage on stderr.',
    '',
    '| Command | What it does |',
    '| --- | --- |',
    ...commands.map((c) => `| [\`${c.name}\`](#envstack-${c.name}) | ${c.summary} |`),
    '',
    ...sections,
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(join(PACKAGE_ROOT, REFERENCE_FILE), await cliReference());
  console.log(`wrote ${REFERENCE_FILE}`);
}
