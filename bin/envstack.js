#!/usr/bin/env node
// Runs the TypeScript sources through tsx in a checkout, or the compiled CLI where only dist/ ships.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (existsSync(fileURLToPath(source))) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import(
    pathToFileURL(fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))).href
  ));
}
process.exitCode = await main(process.argv.slice(2));
