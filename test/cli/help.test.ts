// Every command of the dispatcher's table answers --help with its usage and examples that run as
// written, rejects an unknown flag the same way, and docs/cli.md is made from those help texts.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commandNames, loadCommand } from '../../src/cli/main.js';
import { cliReference, REFERENCE_FILE } from '../../src/cli/reference.js';
import { runCli as run } from './run-cli.js';

/** The command lines of a help text's Examples section, comments dropped. */
function examplesOf(help: string): string[] {
  const section = /^Examples:\n((?: {2}\S.*\n?)+)/m.exec(help)?.[1] ?? '';
  return section
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

/** Each `envstack …` invocation of an example line (a line may pipe or chain several). */
function invocations(line: string): string[][] {
  return line
    .split(/\s+(?:\||&&)\s+/)
    .map((part) => part.split(/\s+/))
    .filter((words) => words[0] === 'envstack');
}

describe.each(commandNames)('envstack %s', (name) => {
  test('--help prints the usage and examples on stdout and exits 0; help NAME and -h print the same', async () => {
    const help = await run(name, '--help');
    expect(help).toMatchObject({ code: 0, err: '' });
    expect(help.out).toMatch(new RegExp(`^Usage: envstack ${name}\\b`));
    expect(examplesOf(help.out).length).toBeGreaterThan(0);
    expect(await run('help', name)).toEqual(help);
    expect(await run(name, '-h')).toEqual(help);
  });

  test('its examples name real commands, flags its usage documents and files that exist', async () => {
    const { usage } = (await loadCommand(name))!;
    const lines = examplesOf(usage);
    expect(lines.some((l) => l.startsWith(`envstack ${name}`))).toBe(true);
    for (const [, command, ...args] of lines.flatMap(invocations)) {
      expect(commandNames).toContain(command);
      const documented = (await loadCommand(command))!.usage;
      for (const flag of args.filter((a) => a.startsWith('-') && a !== '-'))
        expect([flag, documented.includes(flag)]).toEqual([flag, true]);
      for (const file of args.filter((a) => a.startsWith('examples/')))
        expect([file, existsSync(file)]).toEqual([file, true]);
    }
  });

  test('an unknown flag exits 2 naming it, with the usage, on stderr', async () => {
    const r = await run(name, '--no-such-flag');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`^envstack ${name}: .*'--no-such-flag'`));
    expect(r.err).toContain(`\n\nUsage: envstack ${name}`);
  });
});

test.each(['render', 'validate', 'graph', 'cost'])(
  'the examples of %s run as written and exit 0',
  async (name) => {
    for (const line of examplesOf((await loadCommand(name))!.usage)) {
      const [[, ...argv]] = invocations(line);
      expect([line, (await run(...argv)).code]).toEqual([line, 0]);
    }
  },
  120_000,
);

test('the top-level help lists every command with its summary; an unknown one exits 2', async () => {
  const top = await run('--help');
  expect(top.code).toBe(0);
  for (const name of commandNames) {
    const { summary } = (await loadCommand(name))!;
    expect(top.out).toContain(`  ${name.padEnd(10)}  ${summary}`);
  }
  expect(await run('help', 'frobnicate')).toMatchObject({ code: 2, out: '' });
  expect(await run('frobnicate')).toMatchObject({ code: 2, out: '' });
});

test('bin/envstack.js prints the same help as a process, exit 0', async () => {
  const home = mkdtempSync(join(tmpdir(), 'envstack-help-'));
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['bin/envstack.js', 'render', '--help'],
    { env: { ...process.env, ENVSTACK_SERVE_FILE: join(home, 'no-server.addr') } },
  );
  expect(stderr).toBe('');
  expect(stdout).toBe(`${(await run('render', '--help')).out}\n`);
});

test(`${REFERENCE_FILE} is the reference the commands' help makes (npx tsx src/cli/reference.ts)`, async () => {
  expect(readFileSync(REFERENCE_FILE, 'utf8')).toBe(await cliReference());
});
