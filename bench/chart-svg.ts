import type { BenchResult } from './run';
import { STRATEGIES, STRATEGY_LABELS, type Strategy } from './strategies';

const COLORS: Readonly<Record<Strategy, string>> = { cold: '#1f77b4', warm: '#2ca02c', oracle: '#7f7f7f', sequential: '#d62728' };

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Splits a label into lines of about `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/)) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/**
 * A grouped bar chart, no dependency: per scenario one bar per strategy, p95 light and p50 solid
 * on top, on a log10 time axis (values below 1 ms are drawn at 1 ms). A strategy that never
 * connected gets a red ×.
 */
export function renderChart(result: BenchResult): string {
  const barW = 16;
  const groupGap = 26;
  const groupW = STRATEGIES.length * barW + groupGap;
  const left = 64;
  const top = 48;
  const plotH = 300;
  const width = left + result.scenarios.length * groupW + 20;
  const height = top + plotH + 120;
  const values = result.scenarios.flatMap((s) => STRATEGIES.map((st) => s.strategies[st].timeToConnectMs.p95 ?? 0));
  const decades = Math.max(2, Math.ceil(Math.log10(Math.max(10, ...values))));
  const y = (ms: number): number => top + plotH - (Math.log10(Math.max(1, ms)) / decades) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">Time to connect per scenario (p50 solid, p95 light; log scale)</text>`,
    `<text x="${left}" y="36" fill="#555">${escape(`${result.date.slice(0, 16).replace('T', ' ')} UTC, ${result.options.quick ? 'quick' : 'full'} run, ${result.options.trials} trials per scenario, ${result.machine.cpus} shared cores`)}</text>`,
  ];
  for (let d = 0; d <= decades; d += 1) {
    const ms = 10 ** d;
    const yy = y(ms).toFixed(1);
    out.push(`<line x1="${left}" x2="${width - 20}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}</text>`);
  }
  result.scenarios.forEach((s, g) => {
    const x0 = left + g * groupW + groupGap / 2;
    STRATEGIES.forEach((st, i) => {
      const stats = s.strategies[st].timeToConnectMs;
      const x = x0 + i * barW;
      const base = y(1);
      if (stats.p50 === null || stats.p95 === null) {
        out.push(
          `<text x="${x + barW / 2}" y="${base - 4}" text-anchor="middle" fill="#d62728" font-size="14">×<title>${escape(`${STRATEGY_LABELS[st]}: never connected`)}</title></text>`,
        );
        return;
      }
      const title = `<title>${escape(`${s.number}. ${s.title}, ${STRATEGY_LABELS[st]}: p50 ${stats.p50} ms, p95 ${stats.p95} ms`)}</title>`;
      out.push(
        `<rect x="${x + 1}" y="${y(stats.p95).toFixed(1)}" width="${barW - 2}" height="${(base - y(stats.p95)).toFixed(1)}" fill="${COLORS[st]}" opacity="0.35">${title}</rect>`,
      );
      out.push(
        `<rect x="${x + 1}" y="${y(stats.p50).toFixed(1)}" width="${barW - 2}" height="${(base - y(stats.p50)).toFixed(1)}" fill="${COLORS[st]}">${title}</rect>`,
      );
    });
    const cx = x0 + (STRATEGIES.length * barW) / 2;
    out.push(`<text x="${cx}" y="${top + plotH + 16}" text-anchor="middle" font-weight="bold">${s.number}</text>`);
    wrap(s.title, 14).forEach((line, k) =>
      out.push(`<text x="${cx}" y="${top + plotH + 30 + k * 12}" text-anchor="middle" fill="#333">${escape(line)}</text>`),
    );
  });
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#999"/>`);
  STRATEGIES.forEach((st, i) => {
    const x = left + i * 150;
    const yy = height - 22;
    out.push(`<rect x="${x}" y="${yy - 9}" width="12" height="12" fill="${COLORS[st]}"/>`);
    out.push(`<text x="${x + 17}" y="${yy + 1}">${escape(STRATEGY_LABELS[st])}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
