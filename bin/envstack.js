#!/usr/bin/env node
// The envstack command. When `envstack serve` is running for this installation, render, validate, lint
// and graph are answered by it (same output, without loading the CLI); otherwise the CLI runs here: the
// TypeScript sources through tsx in a checkout, or the compiled dist/ where only that ships.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { viaServer } from './server-client.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);

async function inProcess() {
  const source = new URL('../src/cli/main.ts', import.meta.url);
  if (existsSync(fileURLToPath(source))) {
    const { register } = await import('tsx/esm/api');
    register();
    return (await import(source.href)).main(argv);
  }
  const compiled = pathToFileURL(fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)));
  return (await import(compiled.href)).main(argv);
}

const served = await viaServer(root, argv);
if (served) {
  process.stdout.write(served.stdout);
  process.stderr.write(served.stderr);
  process.exitCode = served.code;
} else {
  process.exitCode = await inProcess();
}
