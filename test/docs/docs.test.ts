import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Drift guards for the documentation: links and anchors resolve, the receiver printed in the docs is the example
 * file, and every quoted measurement says where it comes from.
 */
function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}
const files = ['README.md', ...markdownFiles('docs')];
const read = (file: string) => readFileSync(file, 'utf8');
/** Markdown outside fenced code blocks, where links and headings live. */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

describe('links', () => {
  it.each(files)('%s: every relative link and anchor resolves', (file) => {
    const broken: string[] = [];
    for (const [, target] of prose(read(file)).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (/^(https?:|mailto:)/.test(target!)) continue;
      const [path, anchor] = target!.split('#') as [string, string | undefined];
      const resolved = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
      if (!existsSync(resolved)) {
        broken.push(`${target}: no file ${resolved}`);
        continue;
      }
      if (anchor && resolved.endsWith('.md') && !anchors(read(resolved)).has(anchor)) {
        broken.push(`${target}: no heading #${anchor} in ${resolved}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('reads headings as GitHub does', () => {
    const found = anchors(
      '# Toolchain: Node.js 24 everywhere\n## Rotating keys\n## Rotating keys\n```\n# not a heading\n```',
    );
    expect([...found]).toEqual(['toolchain-nodejs-24-everywhere', 'rotating-keys', 'rotating-keys-1']);
  });
});

describe('the webhook receiver', () => {
  it('printed in the docs is exactly docs/webhook-receiver.example.mjs', () => {
    const example = read('docs/webhook-receiver.example.mjs');
    const printed = files.flatMap((file) =>
      [...read(file).matchAll(/^```js\n(\/\/ A webhook receiver[\s\S]*?)^```$/gm)].map((m) => ({
        file,
        code: m[1],
      })),
    );
    expect(printed.length).toBeGreaterThan(0);
    for (const { file, code } of printed) expect({ file, code }).toEqual({ file, code: example });
  });
});

/**
 * A measured figure (milliseconds, bytes, round trips, cost, findings) is either in a file that states at its top the
 * run it comes from, or in a paragraph that names the date (YYYY-MM-DD) and the command of its run, or links to a
 * generated printout under docs/benchmarks/.
 */
const FIGURE = [
  /\b\d+ (DynamoDB )?round trips?\b/,
  /(?<![\d-])\b\d+ (NIST |AwsSolutions )?findings\b/,
  /\$\d+(\.\d+)? per\b/,
  /\b\d+(\.\d+)? ?KB\b/,
  /\b(cold init|cold start|p50|p99|handler time)\b[^.]*\b\d+(\.\d+)? ?ms\b/i,
];
const isFigure = (text: string) => FIGURE.some((pattern) => pattern.test(text));
const PROVENANCE = (text: string) =>
  (/\b20\d\d-\d\d-\d\d\b/.test(text) && /`npm run [^`]+`/.test(text)) ||
  /\(benchmarks\/[\w./-]+\.txt\)/.test(text);

describe('figures', () => {
  it.each(files)('%s: every quoted measurement names its run', (file) => {
    const text = prose(read(file));
    const head = text.split('\n').slice(0, 8).join('\n');
    if (PROVENANCE(head)) return;
    const unsourced = text
      .split(/\n\s*\n/)
      // Alarm thresholds are settings, not measurements.
      .filter((paragraph) => isFigure(paragraph) && !PROVENANCE(paragraph) && !/\balarm/i.test(paragraph))
      .map((paragraph) => paragraph.slice(0, 160));
    expect(unsourced).toEqual([]);
  });
});

describe('file names', () => {
  it.each(files)('%s: every repository file it names in code spans exists', (file) => {
    const named = [
      ...read(file).matchAll(
        /`((?:bin|lib|shared|functions|test|scripts|bench|docs)\/[\w./-]+\.(?:ts|mjs|js|java|md|json|txt))`/g,
      ),
    ];
    // A file named as gone ("`x` then, since removed") is history, not a claim about the tree.
    const current = named.filter((m) => !read(file).includes(`\`${m[1]}\` then, since removed`));
    expect(current.map((m) => m[1]!).filter((path) => !existsSync(path))).toEqual([]);
  });
});
