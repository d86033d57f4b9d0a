/**
 * Renders latest.md and latest.svg again from latest.json (after a change of the report's layout,
 * without measuring again; the targets are evaluated again and written back to latest.json) and puts the results into README.md between `<!-- bench:start -->` and
 * `<!-- bench:end -->` (nothing else in the README changes):
 * `node dist/bench/readme.js [results.json] [README.md]`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { renderChart } from './chart-svg';
import { renderReadmeSection, renderReport } from './report-md';
import type { BenchResult } from './run';
import { evaluateTargets } from './targets';

export const START = '<!-- bench:start -->';
export const END = '<!-- bench:end -->';

/** Replaces what is between the markers; throws when they are missing or out of order. */
export function replaceBetweenMarkers(readme: string, section: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README markers ${START} … ${END} not found`);
  return `${readme.slice(0, start + START.length)}\n${section.trim()}\n${readme.slice(end)}`;
}

async function cli(): Promise<void> {
  const jsonPath = resolve(process.argv[2] ?? 'bench/results/latest.json');
  const readmePath = resolve(process.argv[3] ?? 'README.md');
  const result = JSON.parse(await readFile(jsonPath, 'utf8')) as BenchResult;
  // Targets are derived from the figures: evaluated again, so a new or changed target shows at once.
  result.targets = evaluateTargets(result);
  await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(dirname(jsonPath), 'latest.md'), renderReport(result));
  await writeFile(join(dirname(jsonPath), 'latest.svg'), renderChart(result));
  await writeFile(readmePath, replaceBetweenMarkers(await readFile(readmePath, 'utf8'), renderReadmeSection(result)));
  process.stdout.write(`updated ${readmePath} from ${jsonPath}\n`);
}

if (require.main === module) {
  cli().catch((err: unknown) => {
    process.stderr.write(`bench readme: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
