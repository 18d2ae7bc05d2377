/**
 * Stack traces in source terms, mapped only when one is logged.
 *
 * A deployed function is minified code, `index.mjs` and its chunks, each with its source map beside it
 * (`chunk-X.mjs.map`). Node's `--enable-source-maps` would read and parse those maps when the files load, in every
 * cold start, whether or not an error is ever logged: about 7 ms for the smallest function and 9 to 10 ms for the
 * others on the benchmark machine (docs/benchmarks.md, "Cold init"). The functions therefore run without it, and the
 * few places that log a stack (an unexpected error) map it here: the map of each file named in the stack is read on
 * the first such error and kept for the next.
 *
 * Frames outside a bundle with a map (Node's internals, the Lambda runtime, sources run by tsx in tests and
 * `npm start`) are left as they are.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Only files of the function itself are mapped: those in the directory this code was loaded from (the function's
 * task root once bundled), or below it. A stack is text, and an error message can hold lines that look like frames:
 * a path's `..` segments are resolved before it is compared with that directory, and a file URL that names no file
 * (`%2F` in a segment) is left alone, so no such line makes this read a file elsewhere.
 */
const FUNCTION_ROOT = dirname(fileURLToPath(import.meta.url));

/**
 * One map per bundle file, or null where the file has none. A function has a handful of files; the bound keeps a
 * stream of stacks naming invented files from growing the cache (past it, such a file is looked up each time).
 */
const maps = new Map<string, SourceMap | null>();
const MAX_CACHED = 64;

function mapOf(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map !== undefined) return map;
  try {
    map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
  } catch {
    map = null;
  }
  if (maps.size < MAX_CACHED) maps.set(file, map);
  return map;
}

/** The file a frame names, as an absolute path under `root`, or undefined for any other file or a path that is no path. */
function fileUnder(file: string, root: string): string | undefined {
  let path: string;
  try {
    path = resolve(file.startsWith('file://') ? fileURLToPath(file) : file);
  } catch {
    return undefined; // a URL that names no file (`%2F` in a path segment, say)
  }
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? path : undefined;
}

/** A source path as the map names it, relative to the bundle (`../../shared/x.ts`), made readable: `shared/x.ts`. */
const readable = (source: string) => {
  let path = source;
  try {
    if (source.startsWith('file://')) path = fileURLToPath(source);
  } catch {
    // a map's source that is no file URL is shown as the map gives it
  }
  const modules = path.lastIndexOf('node_modules/');
  return modules >= 0 ? path.slice(modules) : path.replace(/^(?:\.\.\/)+/, '');
};

// `    at name (file:///var/task/index.mjs:1:2345)` or `    at file:///var/task/index.mjs:1:2345`
const FRAME = /^(\s+at )(.*?)(\(?)((?:file:\/\/)?\/[^\s()]+\.[cm]?js):(\d+):(\d+)(\)?)$/;

interface Mapped {
  source: string;
  line: number;
  column: number;
  /** The name the source gives what is called at this position. */
  name?: string;
}

function mapFrame(file: string, line: number, column: number, root: string): Mapped | undefined {
  const path = fileUnder(file, root);
  if (path === undefined) return undefined;
  const map = mapOf(path);
  if (!map) return undefined;
  const entry = map.findEntry(line - 1, column - 1) as Partial<{
    originalSource: string;
    originalLine: number;
    originalColumn: number;
    name: string;
  }>;
  if (entry.originalSource === undefined || entry.originalLine === undefined) return undefined;
  return {
    source: readable(entry.originalSource),
    line: entry.originalLine + 1,
    column: (entry.originalColumn ?? 0) + 1,
    ...(entry.name ? { name: entry.name } : {}),
  };
}

/**
 * `stack` with every frame in a mapped file under `root` rewritten to its source file, line and column. A frame's minified
 * function name is replaced by the source name its caller used, the next frame's call position (how Node's own
 * source-map support names frames); where there is none, the minified name stays.
 */
export function sourceMappedStack(stack: string, root: string = FUNCTION_ROOT): string {
  const lines = stack.split('\n');
  const frames = lines.map((text) => {
    const match = FRAME.exec(text);
    if (!match) return undefined;
    const [, , , , file, line, column] = match;
    return { match, mapped: mapFrame(file!, Number(line), Number(column), root) };
  });
  return lines
    .map((text, i) => {
      const frame = frames[i];
      if (!frame?.mapped) return text;
      const [, at, callee, open, , , , close] = frame.match;
      const calledAs = frames[i + 1]?.mapped?.name;
      const name = callee!.trim() === '' ? '' : calledAs ? renamed(callee!, calledAs) : callee!;
      const where = `${frame.mapped.source}:${frame.mapped.line}:${frame.mapped.column}`;
      return `${at}${name}${open}${where}${close}`;
    })
    .join('\n');
}

/** `async Xy ` → `async verifyCode `, keeping `new `/`async ` and a method's receiver (`Xy.zq` → `Xy.check`). */
function renamed(callee: string, name: string): string {
  const match = /^((?:async |new )?)(?:(.*)\.)?([^.\s]+)(\s*(?:\[as [^\]]+\])?\s*)$/.exec(callee);
  if (!match) return callee;
  const [, prefix, receiver, , rest] = match;
  return `${prefix}${receiver ? `${receiver}.` : ''}${name}${rest}`;
}

/**
 * The error's stack in source terms, for a log line; undefined for a value that is no Error or has no stack. It runs
 * where an unexpected error is being reported, so it never throws: a stack it cannot map is logged as it is.
 */
export function loggableStack(error: unknown): string | undefined {
  if (!(error instanceof Error) || typeof error.stack !== 'string' || error.stack === '') return undefined;
  try {
    return sourceMappedStack(error.stack);
  } catch {
    return error.stack;
  }
}
