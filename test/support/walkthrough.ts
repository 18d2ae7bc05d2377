/**
 * Reads the shell blocks of a walkthrough in docs/ as a reader copies them, and compares what they print with what
 * the page shows.
 *
 * In a ```sh block, a step is a command (with its continuation lines, quoted line breaks and here-documents) and the
 * `# ` lines right below it, which show its output. A `# ` line after a blank line is prose. A step that shows no
 * output must print nothing. A block right after the line `<!-- walkthrough: not run -->` is for reading only (the
 * README's `npm ci && npm start`).
 */
export const NOT_RUN = '<!-- walkthrough: not run -->';

export interface Step {
  /** The command as written (several lines where it continues). */
  command: string;
  /** The output the page shows, without the `# ` prefixes; empty when it shows none. */
  expected: string[];
  /** 1-based line of the command in its file, for messages. */
  line: number;
  /** Where the expected lines sit in the file (0-based, end exclusive), for rewriting them. */
  expectedFrom: number;
  expectedTo: number;
}

/** Whether a command has ended after this text: no open quote and no trailing backslash. */
function ends(text: string): boolean {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = null;
    } else if (c === '\\') {
      i++;
    } else if (quote === '"') {
      if (c === '"') quote = null;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      // A comment runs to the end of its line.
      while (i < text.length && text[i] !== '\n') i++;
    }
  }
  return quote === null && !text.trimEnd().endsWith('\\');
}

export function parseSteps(markdown: string): Step[] {
  const lines = markdown.split('\n');
  const steps: Step[] = [];
  let inBlock = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!inBlock) {
      if (/^```sh\s*$/.test(line) && lines[i - 1]?.trim() !== NOT_RUN) inBlock = true;
      continue;
    }
    if (/^```\s*$/.test(line)) {
      inBlock = false;
      continue;
    }
    if (line.trim() === '' || line.startsWith('#')) continue;
    const start = i;
    let command = line;
    const heredoc = line.match(/<<-?\s*'?(\w+)'?/)?.[1];
    if (heredoc) {
      while (i + 1 < lines.length && lines[i + 1] !== heredoc) command += `\n${lines[++i]}`;
      command += `\n${lines[++i]}`;
    } else {
      while (!ends(command) && i + 1 < lines.length) command += `\n${lines[++i]}`;
    }
    const expected: string[] = [];
    const expectedFrom = i + 1;
    while (i + 1 < lines.length && /^#( |$)/.test(lines[i + 1]!))
      expected.push(lines[++i]!.replace(/^# ?/, ''));
    steps.push({ command, expected, line: start + 1, expectedFrom, expectedTo: i + 1 });
  }
  return steps;
}

/**
 * What may differ between two runs, replaced by a placeholder on both sides: ids, times, one-time codes, signatures
 * and digests, tokens and receipts, key material and cursors, and the person ids the walkthroughs generate.
 */
const MASKS: Array<[RegExp, string]> = [
  [/eyJ[\w-]*(\.[\w-]*){0,2}…?/g, '<jwt>'],
  [/whsec_[\w+/=]+…?/g, '<whsec>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uuid>'],
  [/\b[0-9a-f]{8}-…/g, '<uuid>'],
  [/\b[0-9a-f]{32}[a-z]{2,5}\b/g, '<id>'],
  [/\b[0-9a-f]{8,}…[0-9a-f]*/g, '<hex>'],
  [/\b[0-9a-f]{40,}\b/g, '<hex>'],
  [/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>'],
  [/"iat":\d+/g, '"iat":<n>'],
  [/"(x|y|kid)":"[\w-]{43}"/g, '"$1":<key>'],
  [/"next_cursor":"[^"]*"/g, '"next_cursor":<cursor>'],
  [/\bp-[0-9a-f]{8}\b/g, '<person>'],
  [/(?<![\w+-])\d{6}(?!\w)/g, '<code>'],
];

export function mask(text: string): string {
  return MASKS.reduce((out, [pattern, placeholder]) => out.replace(pattern, placeholder), text);
}

/**
 * Whether an answer matches what the page shows: both masked, whitespace ignored (the page wraps long JSON), and
 * `…` in the page standing for any text.
 */
export function matches(expected: string[], actual: string): boolean {
  const want = mask(expected.join('\n')).replace(/\s+/g, '');
  const got = mask(actual).replace(/\s+/g, '');
  const pattern = want
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join(String.raw`[\s\S]*?`);
  return new RegExp(`^${pattern}$`).test(got);
}

/** The output as the page should show it: long lines wrapped at a JSON field boundary, headers left out. */
export function render(actual: string, width = 116): string[] {
  const lines = actual.replace(/\s+$/, '').split('\n');
  const out: string[] = [];
  const http = lines[0]?.startsWith('HTTP/');
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!.replace(/\r$/, '');
    if (http && n > 0 && line !== '' && !line.startsWith('{') && !line.startsWith('[')) {
      if (/^(www-authenticate|idempotent-replayed|retry-after):/i.test(line)) out.push(line);
      else if (out.at(-1) !== '…') out.push('…');
      continue;
    }
    if (http && line === '') continue;
    let first = true;
    while (line.length > width) {
      const cut = line.lastIndexOf(',"', width);
      if (cut < 20) break;
      out.push(first ? line.slice(0, cut + 1) : ` ${line.slice(0, cut + 1)}`);
      line = line.slice(cut + 1);
      first = false;
    }
    out.push(first ? line : ` ${line}`);
  }
  return out;
}
