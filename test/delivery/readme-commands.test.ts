/**
 * Every command in the shell blocks of the READMEs and docs/*.md is exercised as far as this machine
 * allows (there is no cluster): npm scripts exist; `envstack` commands are real CLI commands with
 * accepted flags; `npx tsx` runs a committed script with flags it reads;
 * `helm install|upgrade|template` runs as `helm template` with the same chart, namespace and values;
 * `kubectl apply -f` files are admitted claims; `kubectl get|describe` name a resource the XRD defines;
 * `docker build` has its Dockerfile.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandNames, loadCommand } from '../../src/cli/main.js';
import { synthesize } from '../../src/platform/compose/app.js';
import { validateClaim } from '../../src/platform/validate/index.js';
import { loadAllYaml } from '../../src/engine/render/yaml.js';
import { helm, installHelm, repoRoot } from './helm.js';

const readmes = [
  'README.md',
  join('charts', 'envstack', 'README.md'),
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join('docs', f)),
];

/** Shell commands of ```sh blocks, continuation lines joined, comments dropped. */
function commands(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const blocks = [...text.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) =>
    b
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((l) =>
        l
          .replace(/\s+#.*$/, '')
          .replace(/^#.*$/, '')
          .trim(),
      )
      .filter(Boolean)
      .flatMap((l) => l.split(/\s+&&\s+/)),
  );
}

const all = readmes.flatMap((f) => commands(f).map((c) => ({ file: f, command: c })));
const words = (c: string) => c.split(/\s+/);
const placeholder = (w: string) => w.replace(/<[^>]+>/g, 'registry.invalid');

beforeAll(() => installHelm());

test('the READMEs have commands to check', () => {
  expect(all.length).toBeGreaterThan(10);
});

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

/** An envstack command the CLI knows, with only the flags its usage documents. */
async function expectEnvstackCommand(name: string, args: string[]): Promise<void> {
  if (name === '--help') return;
  expect(commandNames).toContain(name);
  const { usage } = (await loadCommand(name))!;
  for (const flag of args.filter((w) => w.startsWith('--'))) {
    const documented = new RegExp(`${flag.split('=')[0]}\\b`).test(usage);
    expect([flag, documented]).toEqual([flag, true]);
  }
}

describe.each(all)('$file: $command', ({ command }) => {
  const [tool, sub, ...rest] = words(command);
  test('can be carried out', async () => {
    switch (tool) {
      case 'npm':
        if (['install', 'ci', 'test', 'start', 'pack', 'init'].includes(sub)) break;
        expect(pkg.scripts[sub === 'run' ? rest[0] : sub]).toBeDefined();
        break;
      case 'envstack':
      case 'bin/envstack':
        await expectEnvstackCommand(sub, rest);
        break;
      case 'npx': {
        if (sub === 'envstack') {
          await expectEnvstackCommand(rest[0], rest.slice(1));
          break;
        }
        expect(sub).toBe('tsx');
        const script = readFileSync(join(repoRoot, rest[0]), 'utf8');
        for (const flag of rest.slice(1).filter((w) => w.startsWith('--')))
          expect([flag, script.includes(`'${flag}'`)]).toEqual([flag, true]);
        break;
      }
      case 'helm': {
        if (sub === 'uninstall' || sub === 'repo') break;
        const args = rest
          .map(placeholder)
          .filter((w) => w !== '--create-namespace' && w !== '--reuse-values' && w !== '--wait');
        const release = args.shift() as string;
        const r = helm([
          'template',
          release,
          ...args.map((a) => (a === 'charts/envstack' ? join(repoRoot, a) : a)),
        ]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        break;
      }
      case 'kubectl': {
        if (sub === 'apply') {
          const file = rest[rest.indexOf('-f') + 1];
          expect(existsSync(join(repoRoot, file))).toBe(true);
          for (const doc of loadAllYaml(readFileSync(join(repoRoot, file), 'utf8'))) {
            if ((doc as { kind?: string }).kind === 'PlatformEnvironment')
              expect(validateClaim(doc)).toEqual([]);
          }
        } else if (sub === 'get' || sub === 'describe') {
          const resource = rest[0].split('/')[0];
          const known = new Set([
            'managed',
            'events',
            'providers',
            'functions',
            'providerconfig,clusterproviderconfig',
            'xrd',
            'functions,providers',
          ]);
          const { xrds } = await synthesize();
          for (const xrd of Object.values(xrds)) {
            const spec = xrd.spec as {
              names: { kind: string; plural: string };
              claimNames?: { kind: string; plural: string };
            };
            for (const n of [spec.names, spec.claimNames].filter(Boolean)) {
              known.add(n!.plural);
              known.add(n!.kind.toLowerCase());
            }
          }
          expect(known).toContain(resource);
        }
        break;
      }
      case 'export': {
        // Only the kubeconfig `envstack sandbox up` writes: DEFAULT_DIR/admin.kubeconfig.
        const [name, value] = sub.split('=');
        expect(name).toBe('KUBECONFIG');
        expect(value).toMatch(/^~\/\.local\/state\/envstack\/sandbox\/admin\.kubeconfig$/);
        expect(readFileSync(join(repoRoot, 'src', 'ops', 'sandbox', 'sandbox.ts'), 'utf8')).toContain(
          "join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'envstack', 'sandbox')",
        );
        break;
      }
      case 'docker':
        expect(existsSync(join(repoRoot, 'Dockerfile'))).toBe(true);
        break;
      case 'mkdir':
      case 'cd':
        break;
      default:
        throw new Error(`no check for "${tool}" commands: add one`);
    }
  }, 120_000);
});
