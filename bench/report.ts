/** The printed report: every line goes to stdout and is kept, so `--docs` can write the same text to a file. */
import { cpus, freemem, release, totalmem, type } from 'node:os';

export class Report {
  readonly lines: string[] = [];

  line(text = ''): void {
    this.lines.push(text);
    console.log(text);
  }

  heading(text: string): void {
    this.line();
    this.line(text);
    this.line('='.repeat(text.length));
  }

  /** A plain-text table: columns padded to their widest cell; numeric-looking cells are right-aligned. */
  table(header: string[], rows: string[][]): void {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const numeric = (cell: string) => /^[-+]?[\d.,]+( ?[a-zA-Z%]+)?$/.test(cell);
    const format = (cells: string[]) =>
      cells
        .map((cell, i) => (numeric(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    this.line(format(header));
    this.line(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of rows) this.line(format(row));
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

export const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

export const passMiss = (ok: boolean) => (ok ? 'PASS' : 'MISS');

export function machine(): string[] {
  const cpu = cpus();
  return [
    `machine: ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory (${(freemem() / 2 ** 30).toFixed(1)} GiB free)`,
    `node ${process.version}, ${type()} ${release()} ${process.arch}`,
  ];
}
