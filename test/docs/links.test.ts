/**
 * Every relative link in README.md and docs/*.md resolves: the file or folder exists, and a `#anchor`
 * names a heading of the target (or of the same page), slugged as GitHub slugs headings. Links to
 * other sites are not followed; links inside code are not links.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../delivery/helm.js';

/** Markdown without its fenced code blocks, line numbers kept. */
const withoutFences = (text: string) =>
  text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ''));

/** Markdown without its fenced code blocks and inline code spans, line numbers kept. */
const prose = (text: string) => withoutFences(text).replace(/`[^`\n]*`/g, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function slugs(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = m[1].replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\p{Pc}\s-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The broken relative links of one Markdown file under `root`, as `file:line: target: why`. */
function brokenLinks(root: string, file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found: string[] = [];
  const lines = prose(text).split('\n');
  lines.forEach((line, i) => {
    for (const m of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [path, anchor] = target.split('#', 2) as [string, string | undefined];
      const where = `${file}:${i + 1}: ${target}`;
      const abs =
        path === '' ? join(root, file) : resolve(dirname(join(root, file)), decodeURIComponent(path));
      if (relative(root, abs).startsWith('..')) {
        found.push(`${where}: points outside the repository`);
        continue;
      }
      if (!existsSync(abs)) {
        found.push(`${where}: no such file`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!abs.endsWith('.md')) {
        found.push(`${where}: an anchor into a file that is not Markdown`);
        continue;
      }
      if (!slugs(readFileSync(abs, 'utf8')).has(anchor))
        found.push(`${where}: no heading "#${anchor}" in ${relative(root, abs)}`);
    }
  });
  return found;
}

function markdownFiles(root: string): string[] {
  const docs = existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => join('docs', f))
    : [];
  return ['README.md', ...docs];
}

describe('links in README.md and docs/', () => {
  const files = markdownFiles(repoRoot);

  it('has the pages it checks', () => {
    expect(files.length).toBeGreaterThan(10);
    const links = files.flatMap((f) => [
      ...prose(readFileSync(join(repoRoot, f), 'utf8')).matchAll(/\]\((?![a-z]+:)[^)]+\)/gi),
    ]);
    expect(links.length).toBeGreaterThan(50);
  });

  it.each(files)('%s: every relative link and anchor resolves', (file) => {
    expect(brokenLinks(repoRoot, file)).toEqual([]);
  });

  it('finds a missing file, a missing anchor and a link out of the repository, and passes code by', () => {
    const root = mkdtempSync(join(tmpdir(), 'envstack-links-'));
    mkdirSync(join(root, 'docs'));
    writeFileSync(
      join(root, 'README.md'),
      [
        '# Title',
        '## The `live` path, measured (2×)',
        'Fine: [a](docs/a.md), [b](docs/a.md#what-it-reads), [c](#the-live-path-measured-2), [d](https://example.com/x).',
        'Broken: [e](docs/missing.md) and [f](docs/a.md#nothing) and [g](../outside.md).',
        '```sh',
        'echo [h](docs/missing-in-code.md)',
        '```',
        'Also `[i](docs/missing-in-span.md)` and [j](#title).',
      ].join('\n'),
    );
    writeFileSync(join(root, 'docs', 'a.md'), '# A\n\n## What it reads\n\n## What it reads\n');
    expect(brokenLinks(root, 'README.md')).toEqual([
      'README.md:4: docs/missing.md: no such file',
      'README.md:4: docs/a.md#nothing: no heading "#nothing" in docs/a.md',
      'README.md:4: ../outside.md: points outside the repository',
    ]);
    expect(slugs(readFileSync(join(root, 'docs', 'a.md'), 'utf8'))).toEqual(
      new Set(['a', 'what-it-reads', 'what-it-reads-1']),
    );
  });
});
