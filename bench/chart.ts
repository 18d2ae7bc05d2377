/** 6. The cold-init chart: two bar charts side by side (init ms, bundle KB) per function, hand-written SVG. */
import type { ColdInit } from './bundles.ts';
import { FLOOR, INIT_BUDGET_OVER_FLOOR_MS, SIZE_BUDGET_KB } from './bundles.ts';

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function coldInitSvg(results: ColdInit[], subtitle: string): string {
  const rowHeight = 18;
  const top = 64;
  const labelWidth = 250;
  const panelWidth = 380;
  const gap = 60;
  const height = top + results.length * rowHeight + 40;
  const width = labelWidth + 2 * panelWidth + gap + 30;
  const floorMs = results.find((r) => r.name === FLOOR)?.initMs ?? 0;
  const initBudget = floorMs + INIT_BUDGET_OVER_FLOOR_MS;
  const maxMs = Math.max(initBudget, ...results.map((r) => r.initMs)) * 1.05;
  const maxKb = Math.max(SIZE_BUDGET_KB, ...results.map((r) => r.bytes / 1000)) * 1.05;
  const panels = [
    {
      x: labelWidth,
      title: 'cold init: import + first invocation (ms, median of 10)',
      value: (r: ColdInit) => r.initMs,
      max: maxMs,
      lines: [
        { at: floorMs, label: `floor ${floorMs.toFixed(0)} ms`, color: '#555' },
        { at: initBudget, label: `budget ${initBudget.toFixed(0)} ms`, color: '#c0392b' },
      ],
      limit: initBudget,
    },
    {
      x: labelWidth + panelWidth + gap,
      title: 'deployed code (KB = 1000 bytes, minified .mjs files)',
      value: (r: ColdInit) => r.bytes / 1000,
      max: maxKb,
      lines: [{ at: SIZE_BUDGET_KB, label: `budget ${SIZE_BUDGET_KB} KB`, color: '#c0392b' }],
      limit: SIZE_BUDGET_KB,
    },
  ];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    '<title>Cold init and bundle size per function</title>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Cold init and bundle size per function</text>`,
    `<text x="10" y="38" fill="#555">${xml(subtitle)}</text>`,
  ];
  results.forEach((r, i) => {
    const y = top + i * rowHeight;
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 12}" text-anchor="end"${r.name === FLOOR ? ' font-style="italic"' : ''}>${xml(r.name)}</text>`,
    );
  });
  for (const panel of panels) {
    const scale = (v: number) => (v / panel.max) * panelWidth;
    parts.push(`<text x="${panel.x}" y="${top - 10}" font-weight="bold">${xml(panel.title)}</text>`);
    results.forEach((r, i) => {
      const y = top + i * rowHeight;
      const value = panel.value(r);
      const color = r.name === FLOOR ? '#7f8c8d' : value <= panel.limit ? '#27ae60' : '#e67e22';
      parts.push(
        `<rect x="${panel.x}" y="${y + 3}" width="${scale(value).toFixed(1)}" height="${rowHeight - 6}" fill="${color}"/>`,
        `<text x="${(panel.x + scale(value) + 4).toFixed(1)}" y="${y + 12}" fill="#333">${value.toFixed(0)}</text>`,
      );
    });
    const bottom = top + results.length * rowHeight;
    parts.push(`<line x1="${panel.x}" y1="${top}" x2="${panel.x}" y2="${bottom}" stroke="#999"/>`);
    panel.lines.forEach((line, k) => {
      const x = (panel.x + scale(line.at)).toFixed(1);
      parts.push(
        `<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="${line.color}" stroke-dasharray="4 3"/>`,
        `<text x="${x}" y="${bottom + 14 + k * 13}" fill="${line.color}" text-anchor="middle">${xml(line.label)}</text>`,
      );
    });
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
