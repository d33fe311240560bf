/** The end of a run: the table with Tandem's ratio to each baseline, and the raw JSON. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fastApiTarget, pinned, socketIoTarget, tandemPostgres, tandemSqlite, wsTarget } from './targets.ts';

export const fmt = (n: number | undefined, digits = 1) =>
  n === undefined || !Number.isFinite(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** metric → server name → value. */
export type Summary = Record<string, Record<string, number | string>>;

const short: Record<string, string> = {
  [wsTarget.name]: 'ws',
  [socketIoTarget.name]: 'Socket.IO',
  [fastApiTarget.name]: 'FastAPI',
};
const cell = (v: number | string | undefined) =>
  typeof v === 'number' ? fmt(v, Math.abs(v) >= 100 || Number.isInteger(v) ? 0 : 2) : (v ?? '–');
/** Rows where a ratio means nothing (percentages, counts, yes/no). */
const noRatio = (metric: string) => /%|lost|cut off|saturated|growth/.test(metric);

export function report(run: {
  summary: Summary;
  records: unknown[];
  skipped: Map<string, string>;
  quick: boolean;
  /** Some scenarios or servers only (--only, --servers): written apart, never over a whole run. */
  partial: boolean;
  seconds: number;
}): void {
  const { summary, skipped, quick, seconds } = run;
  const cpuModel =
    /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  const meta = {
    date: new Date().toISOString(),
    quick,
    partial: run.partial,
    cores: os.cpus().length,
    cpu: cpuModel,
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    python: spawnSync('/usr/bin/python3', ['--version'], { encoding: 'utf8' }).stdout.trim(),
    pinned,
    seconds,
    skipped: Object.fromEntries(skipped),
  };

  const columns = [wsTarget, socketIoTarget, fastApiTarget, tandemSqlite, tandemPostgres].map((t) => t.name);
  const shown = columns.filter((c) => Object.values(summary).some((row) => row[c] !== undefined));
  const ratioAgainst = [wsTarget, socketIoTarget, fastApiTarget].map((t) => t.name).filter((c) => shown.includes(c));
  const lines = [
    `| metric | ${shown.join(' | ')} | ${ratioAgainst.map((c) => `Tandem ÷ ${short[c]}`).join(' | ')} |`,
    `|---|${shown.map(() => '---:').join('|')}|${ratioAgainst.map(() => '---:').join('|')}|`,
  ];
  for (const [metric, row] of Object.entries(summary)) {
    const mine = row[tandemSqlite.name];
    const ratios = ratioAgainst.map((c) => {
      const theirs = row[c];
      if (noRatio(metric)) return '–';
      return typeof mine === 'number' && typeof theirs === 'number' && theirs !== 0 && Number.isFinite(mine / theirs)
        ? `${fmt(mine / theirs, 2)}×`
        : '–';
    });
    lines.push(`| ${metric} | ${shown.map((c) => cell(row[c])).join(' | ')} | ${ratios.join(' | ')} |`);
  }
  console.log(
    `\n${quick ? 'QUICK run (smoke test, not a measurement)' : 'Full run'}: ${meta.cores} × ${meta.cpu}, Node ${meta.node}, ${meta.date}, ${fmt(seconds, 0)} s${pinned ? '' : ' (not pinned: no taskset)'}\n`,
  );
  console.log(lines.join('\n'));
  for (const [name, why] of skipped) console.log(`\n${name} skipped: ${why}`);

  const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${quick ? 'quick' : 'full'}${run.partial ? '-partial' : ''}-latest.json`);
  fs.writeFileSync(file, `${JSON.stringify({ meta, summary, runs: run.records }, null, 2)}\n`);
  console.log(`\nraw results: ${path.relative(process.cwd(), file)}`);
}
