import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The shape that keeps the domain readable (docs/architecture.md): the import graph of shared/ has no cycle, and no
 * platform module (configuration, logging, metrics, errors, HTTP, storage) imports a concept. Imports are read with
 * TypeScript's own pre-processor (type-only imports included: they tie modules together for a reader as much as
 * value imports do).
 */
const ROOT = resolve(import.meta.dirname, '../..');
const SHARED = join(ROOT, 'shared');

/**
 * Platform modules: they serve every concept, so they may import only each other. Besides configuration, logging,
 * metrics, errors, HTTP and storage, that is the route table core the HTTP pipeline reads (the route table, its
 * validation helpers, zod's setup, source-mapped stacks) and the two cross-cutting steps of the pipeline (the caller
 * from the token, Idempotency-Key, the invocation's deadline).
 */
const PLATFORM = [
  /^config\.ts$/,
  // The declaration of every environment variable, read by configuration, logging and metrics.
  /^settings\.ts$/,
  /^logging\.ts$/,
  /^metrics\.ts$/,
  /^errors\.ts$/,
  /^http\//,
  /^storage\//,
  /^routes\.ts$/,
  /^validation\.ts$/,
  /^zod\.ts$/,
  /^source-stack\.ts$/,
  /^auth\/caller\.ts$/,
  // Who an SMS is charged to (the fraud guard's caps), set by the pipeline from the caller.
  /^auth\/requester\.ts$/,
  /^idempotency\/idempotency\.ts$/,
  // The invocation's deadline (how much time a request has left), read by the HTTP pipeline.
  /^deadline\.ts$/,
];
const isPlatform = (file: string) => PLATFORM.some((pattern) => pattern.test(file));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module of shared/ and the shared/ modules it imports (relative or `#shared/…`), by path under shared/. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SHARED)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, false);
    const targets = importedFiles
      .map(({ fileName }) => {
        if (fileName.startsWith('#shared/')) return join(SHARED, fileName.slice('#shared/'.length));
        if (fileName.startsWith('.')) return resolve(dirname(file), fileName);
        return undefined;
      })
      .filter((target): target is string => target?.startsWith(SHARED) === true)
      .map((target) => relative(SHARED, target));
    graph.set(relative(SHARED, file), [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected components with more than one module (or a module importing itself): Tarjan's algorithm. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)?.includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('the shape of shared/', () => {
  const graph = importGraph();

  it('reads the imports of every module (the graph is not empty, and sees type-only imports)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('deps.ts')).toContain('sca/ports.ts');
  });

  it('finds a cycle where there is one (the detector itself)', () => {
    const looped = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(looped)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('keeps platform modules free of concepts: they import only platform modules', () => {
    const offending = [...graph]
      .filter(([file]) => isPlatform(file))
      .flatMap(([file, targets]) => targets.filter((t) => !isPlatform(t)).map((t) => `${file} -> ${t}`));
    expect(offending).toEqual([]);
  });
});
