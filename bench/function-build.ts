/**
 * One handler built alone, in an esbuild run of its own, with the stack's options (`esbuildOptions` in
 * lib/service-function.ts): an output directory with `index.mjs`, the chunks it imports and their source maps. For
 * variants and test fixtures; the deployed form (all functions in one run, sharing chunks) is `bundleFunction`, which
 * the cold-init bench uses. Also what a cold start parses of a built function.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions, FUNCTION_ENTRY_FILE } from '../lib/service-function.ts';

/** Builds the handler at `entry` into `dir`; returns the file Lambda would start from. */
export async function buildFunction(entry: string, dir: string): Promise<string> {
  await build(esbuildOptions(entry, dir));
  return join(dir, FUNCTION_ENTRY_FILE);
}

// A static import in esbuild's minified ESM output: `import{a as b}from"./chunk-X.mjs";` or `import"./chunk-X.mjs";`.
// A dynamic `import("./chunk-Y.mjs")` is not one: it is loaded only when that code runs.
const STATIC_IMPORT = /\bimport\s*(?:[\w$*{}\s,]+?\s*from\s*)?["'](\.\/[^"']+\.mjs)["']/g;

/** The relative files `source` imports statically. */
export function staticImports(source: string): string[] {
  return [...source.matchAll(STATIC_IMPORT)].map((match) => match[1]!);
}

/** The files a cold start of `entryFile` parses: the file and every chunk it imports statically, transitively. */
export function initFiles(entryFile: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const relative of staticImports(readFileSync(file, 'utf8'))) visit(join(dirname(file), relative));
  };
  visit(entryFile);
  return [...seen];
}

/** Bytes of the files a cold start of `entryFile` parses. */
export const initBytes = (entryFile: string): number =>
  initFiles(entryFile).reduce((sum, file) => sum + statSync(file).size, 0);

/** Bytes of every `.mjs` file of a function's output directory (what is deployed; the source maps are not counted). */
export const deployedBytes = (entryFile: string): number =>
  readdirSync(dirname(entryFile))
    .filter((name) => name.endsWith('.mjs'))
    .reduce((sum, name) => sum + statSync(join(dirname(entryFile), name)).size, 0);
