import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths.js';

export { PACKAGE_ROOT };

/** Where the pinned tools live: ENVSTACK_TOOLS_BIN, else the package's .tools/bin. */
export function toolsBin(): string {
  return process.env.ENVSTACK_TOOLS_BIN ?? join(PACKAGE_ROOT, '.tools', 'bin');
}

export const INSTALL_COMMAND = 'npm run tools:install';

class MissingToolError extends Error {
  constructor(
    readonly tool: string,
    readonly path: string,
  ) {
    super(
      `${tool} not found at ${path}: run '${INSTALL_COMMAND}' (it builds the pinned tools into .tools/bin)`,
    );
    this.name = 'MissingToolError';
  }
}

/** The path of a pinned tool binary, or a MissingToolError naming the install command. */
export function tool(name: string, bin = toolsBin()): string {
  const path = join(bin, name);
  if (!existsSync(path)) throw new MissingToolError(name, path);
  return path;
}

/** Names of the given tools that are not installed. */
export function missingTools(names: readonly string[], bin = toolsBin()): string[] {
  return names.filter((n) => !existsSync(join(bin, n)));
}
