import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../core/paths.js';
import { defineCommand, parseCommandArgs, UsageError } from './args.js';

/** A claim that switches on every component, for the server's warm-up renders. */
const WARM_UP_CLAIM = {
  apiVersion: 'platform.envstack.dev/v1alpha1',
  kind: 'PlatformEnvironment',
  metadata: { name: 'warm-up', namespace: 'default' },
  spec: {
    project: 'warmup',
    environment: 'prod',
    owner: 'envstack',
    region: 'eu-west-1',
    network: { cidr: '10.30.0.0/16' },
    database: { engine: 'postgres' },
    loadBalancer: {
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000',
    },
    serverless: { enabled: true },
    dynamodb: { enabled: true },
    compliance: { cloudTrail: true, config: true, budget: { monthlyUsd: 100, email: 'finance@example.com' } },
    dr: { enabled: true, region: 'eu-central-1', cidr: '10.31.0.0/16', database: 'replica' },
    observability: { alarmEmail: 'oncall@example.com' },
  },
};

export const serve = defineCommand({
  name: 'serve',
  summary:
    'keep the CLI loaded: render, validate, lint and graph are answered from it, same output, far sooner',
  synopsis: ['envstack serve [--address-file PATH] [--idle-timeout MINUTES]'],
  details: `Loads the CLI once, warms it up, and answers render, validate, lint and graph for this user and
installation over loopback: bin/envstack finds it through its address file and prints the same
output with the same exit code, without starting Node. Stops after its idle timeout, and at the
first request after its code or the Compositions changed (that command then runs in Node).

  --address-file PATH       where it announces its port and token (default: per user and installation,
                            under $XDG_RUNTIME_DIR or the temporary folder; $ENVSTACK_SERVE_FILE)
  --idle-timeout MINUTES    stop after this long without a request (default 60; 0: never)`,
  examples: [
    'envstack serve --idle-timeout 120  # in its own terminal; envstack render … then answers from it',
  ],
  async run(args) {
    const { values } = parseCommandArgs(args, {
      'address-file': { type: 'string' },
      'idle-timeout': { type: 'string' },
    });
    const minutes = Number(values['idle-timeout'] ?? 60);
    if (!Number.isFinite(minutes) || minutes < 0)
      throw new UsageError('--idle-timeout takes minutes ≥ 0 (0: never stop when idle)');
    const { addressFile } = await import('../ops/server/protocol.js');
    const { serve } = await import('../ops/server/server.js');
    const { main } = await import('./main.js');
    const file = values['address-file'] ?? addressFile(PACKAGE_ROOT);
    const warmUpDir = mkdtempSync(join(tmpdir(), 'envstack-serve-'));
    const claim = join(warmUpDir, 'warm-up.yaml');
    writeFileSync(claim, JSON.stringify(WARM_UP_CLAIM));
    const codeDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
    let running;
    try {
      running = await serve({
        addressFile: file,
        run: main,
        watched: [
          codeDir,
          join(PACKAGE_ROOT, 'compositions'),
          join(PACKAGE_ROOT, 'package.json'),
          // npm rewrites it on every install: a dependency changed under the loaded code
          join(PACKAGE_ROOT, 'node_modules', '.package-lock.json'),
        ],
        idleMs: minutes * 60_000,
        warmUp: [
          { argv: ['render', claim], rounds: 30 },
          { argv: ['render', claim, '--flavor', 'namespaced'], rounds: 10 },
          { argv: ['validate', claim], rounds: 2 },
        ],
      });
    } catch (e) {
      console.error(`envstack serve: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    } finally {
      rmSync(warmUpDir, { recursive: true, force: true });
    }
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void running.close());
    console.error(
      `envstack serve: listening on 127.0.0.1:${running.port}, announced in ${file} (stops after ${minutes || 'no'} idle minutes)`,
    );
    await running.closed;
    return 0;
  },
});
