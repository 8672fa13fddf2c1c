import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Writes `text` to `file` unless the file holds it already, so that regenerating leaves an unchanged
 * file's mtime alone (and the CLI bundle built from it fresh). Returns whether it wrote.
 */
export function writeIfChanged(file: string, text: string): boolean {
  try {
    if (readFileSync(file, 'utf8') === text) return false;
  } catch {
    // not there yet
  }
  writeFileSync(file, text);
  return true;
}
