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
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Only files of the function itself are mapped: those in the directory this code was loaded from (the function's
 * task root once bundled). A stack is text, and an error message can hold lines that look like frames; no such line
 * makes this read a file elsewhere.
 */
const FUNCTION_ROOT = dirname(fileURLToPath(import.meta.url));

/** One map per bundle file, or null where the file has none. */
const maps = new Map<string, SourceMap | null>();

function mapOf(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map !== undefined) return map;
  try {
    map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
  } catch {
    map = null;
  }
  maps.set(file, map);
  return map;
}

/** A source path as the map names it, relative to the bundle (`../../shared/x.ts`), made readable: `shared/x.ts`. */
const readable = (source: string) => {
  const path = source.startsWith('file://') ? fileURLToPath(source) : source;
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
  const path = file.startsWith('file://') ? fileURLToPath(file) : file;
  if (dirname(path) !== root && !path.startsWith(`${root}${sep}`)) return undefined;
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

/** The error's stack in source terms, for a log line; undefined for a value that is no Error or has no stack. */
export const loggableStack = (error: unknown): string | undefined =>
  error instanceof Error && error.stack ? sourceMappedStack(error.stack) : undefined;
