/**
 * `npm run bench:deaths`: the accuracy and throughput benchmark of the GRO death adapter
 * (issue 5 item 5). Generates a seeded population and death registrations with known truth,
 * runs them through meshd (import, trace, route) BENCH_RUNS times, prints a summary table and
 * writes the per-registration mismatches to JSON for tuning the trace. Exits 1 on any false
 * match or any registration without exactly one outcome: the bench doubles as a guard.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Person } from '../../adapters/pds/person.js';
import { killAllMeshd } from '../lib/meshd-process.js';
import { nowMs, spread, type Spread } from '../lib/stats.js';
import { median, num, renderTable } from '../lib/table.js';
import { DEATHS_BENCH_HELP, DeathsSettingsError, loadDeathsSettings, type DeathsBenchSettings } from './deaths-settings.js';
import { runDeathsOnce, type DeathsInputs, type DeathsRunMetrics } from './deaths-run.js';
import type { Evaluation, Mismatch } from './evaluate.js';
import { Population } from './population.js';
import { writePopulationFile } from './population-file.js';
import { writeRegistrationFiles } from './registration-files.js';
import type { TruthEntry } from './registrations.js';

/** Runs the benchmark; resolves with the exit status. */
async function main(argv: string[]): Promise<number> {
  const settings = loadDeathsSettings(argv, process.env);
  if (!settings) {
    process.stdout.write(DEATHS_BENCH_HELP);
    return 0;
  }
  const workDir = settings.workDir ?? (await mkdtemp(join(os.tmpdir(), 'mesh-deaths-bench-')));
  await mkdir(workDir, { recursive: true });
  log(`deaths bench: seed ${settings.seed}, ${num(settings.people)} people, ${num(settings.registrations)} registrations, ${settings.runs} run(s), ${os.cpus().length} CPU(s), node ${process.version}`);
  log(`working directory ${workDir}`);

  const population = new Population(settings.seed, settings.people, { practices: settings.practices });
  const generated = await generate(settings, population, workDir);
  log(`generated in ${generated.seconds.toFixed(1)} s (not part of the measurement)`);

  const runs: DeathsRunMetrics[] = [];
  for (let run = 1; run <= settings.runs; run++) {
    log(`run ${run} of ${settings.runs}`);
    runs.push(await runDeathsOnce({ population, inputs: generated.inputs, chunkBytes: settings.chunkBytes, timeoutMs: settings.timeoutMs, logLevel: settings.logLevel, log }));
  }
  const last = runs[runs.length - 1]!;
  const mismatchesPath = join(workDir, 'mismatches.json');
  await writeFile(mismatchesPath, `${JSON.stringify(last.evaluation.mismatches, null, 1)}\n`);
  await writeFile(join(workDir, 'results.json'), `${JSON.stringify({ settings, generationSeconds: generated.seconds, runs: runs.map((r) => ({ ...r, evaluation: { ...r.evaluation, mismatches: r.evaluation.mismatches.length } })) }, null, 2)}\n`);
  if (!settings.keepInputs) {
    await Promise.all([generated.inputs.peoplePath, generated.inputs.xmlPath, generated.inputs.amendmentsXmlPath].filter((p): p is string => p !== null).map((p) => rm(p, { force: true })));
  }

  process.stdout.write(`\n${summaryTable(runs, generated.seconds, generated.xmlBytes)}\n`);
  process.stdout.write(`\n${noiseTable(generated.inputs.truth, last.evaluation)}\n`);
  const falseMatches = last.evaluation.mismatches.filter((m) => m.kind === 'false-match');
  if (falseMatches.length > 0) process.stdout.write(`\nFALSE MATCHES (first ${Math.min(5, falseMatches.length)}):\n${falseMatches.slice(0, 5).map(describeFalseMatch).join('\n')}\n`);
  if (last.evaluation.reports.length > 0) process.stdout.write(`\nREPORTs from meshd:\n${last.evaluation.reports.slice(0, 5).join('\n')}\n`);
  process.stdout.write(`\nper-registration mismatches: ${mismatchesPath}\n`);

  const failures = runs.flatMap((r, i) => problems(r.evaluation).map((p) => `run ${i + 1}: ${p}`));
  if (failures.length > 0) {
    process.stderr.write(`deaths bench FAILED:\n  ${failures.join('\n  ')}\n`);
    return 1;
  }
  return 0;
}

/** Writes the population, the registrations and the truth; reads the truth back for scoring. */
async function generate(settings: DeathsBenchSettings, population: Population, workDir: string): Promise<{ inputs: DeathsInputs; seconds: number; xmlBytes: number }> {
  const started = nowMs();
  const peoplePath = join(workDir, 'people.ndjson');
  const xmlPath = join(workDir, 'deaths.xml');
  const truthPath = join(workDir, 'truth.ndjson');
  const amendmentsXmlPath = settings.amendmentRate > 0 ? join(workDir, 'amendments.xml') : null;
  log(`generating ${num(population.size)} people...`);
  await writePopulationFile(population, peoplePath);
  log(`generating ${num(settings.registrations)} registrations...`);
  const summary = await writeRegistrationFiles(
    settings.seed,
    population,
    settings.registrations,
    { xmlPath, truthPath, partialDateStyle: settings.partialDateStyle, ...(amendmentsXmlPath ? { amendmentsXmlPath } : {}) },
    amendmentsXmlPath ? { amendments: { rate: settings.amendmentRate, placement: 'later-file' } } : {},
  );
  const truth = new Map<string, TruthEntry>();
  for await (const line of createInterface({ input: createReadStream(truthPath, { encoding: 'utf8' }), crlfDelay: Infinity })) {
    if (line === '') continue;
    const entry = JSON.parse(line) as TruthEntry;
    if (entry.kind === 'first') truth.set(entry.registrationId, entry);
  }
  return { inputs: { peoplePath, xmlPath, amendmentsXmlPath, truth }, seconds: (nowMs() - started) / 1000, xmlBytes: summary.xmlBytes };
}

/** Why a run fails the guard (empty when it passes). */
function problems(e: Evaluation): string[] {
  const out: string[] = [];
  if (e.falseMatches > 0) out.push(`${e.falseMatches} false match(es): a death applied to the wrong person`);
  if (e.missing > 0) out.push(`${e.missing} registration(s) without an outcome`);
  if (e.duplicates > 0) out.push(`${e.duplicates} registration(s) with more than one outcome`);
  if (e.unparseable > 0) out.push(`${e.unparseable} output(s) that could not be read`);
  if (e.wrongPractice > 0) out.push(`${e.wrongPractice} notification(s) to a practice other than the person's`);
  if (e.summaries.length !== 1) out.push(`${e.summaries.length} summaries to the GRO sender, expected 1`);
  if (e.reports.length > 0) out.push(`${e.reports.length} REPORT(s) from meshd`);
  return out;
}

function summaryTable(runs: DeathsRunMetrics[], generationSeconds: number, xmlBytes: number): string {
  const e = runs[runs.length - 1]!.evaluation;
  const of = (n: number, d: number): string => (d > 0 ? `${num((100 * n) / d, 2)}%` : 'n/a');
  const s = (pick: (r: DeathsRunMetrics) => number): Spread => spread(runs.map(pick));
  const autoMatched = e.notifiedCorrect + e.matchedNoEndpoint;
  const reasons = Object.entries(e.manualByReason).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${num(n)}`).join(', ') || 'none';
  const summary = e.summaries[0] as Record<string, unknown> | undefined;
  const rows: string[][] = [
    ['registrations', num(e.registrations), ''],
    ['in the index', num(e.inIndex), of(e.inIndex, e.registrations)],
    ['auto-matched (correct person)', num(autoMatched), `${of(autoMatched, e.registrations)} of all, ${of(autoMatched, e.inIndex)} of in-index`],
    ['  notified the GP practice', num(e.notifiedCorrect), ''],
    ['  recorded, no GP endpoint', num(e.matchedNoEndpoint), ''],
    ['manual resolution', num(e.manual), of(e.manual, e.registrations)],
    ['  by reason', reasons, ''],
    ['  not in index (right outcome)', num(e.manualCorrect), ''],
    ['missed (in index, sent to manual)', num(e.missed), `${of(e.missed, e.inIndex)} of in-index`],
    ['FALSE MATCHES (must be 0)', num(e.falseMatches), ''],
    ['wrong practice', num(e.wrongPractice), ''],
    ['missing / duplicate / unreadable / unexpected', `${e.missing} / ${e.duplicates} / ${e.unparseable} / ${e.unexpected}`, ''],
    ['GRO summary', summary ? `records ${summary['records']}, matched ${summary['matched']}, manual ${summary['manual']}, invalid ${summary['invalid']}` : 'none', ''],
    ['import people/s', median(s((r) => r.importPeoplePerSecond)), ''],
    ['import seconds', median(s((r) => r.importSeconds), 1), ''],
    ['upload seconds', median(s((r) => r.uploadSeconds), 1), `${num(xmlBytes / 1024 / 1024, 1)} MiB of XML`],
    ['trace+route seconds (send to processed)', median(s((r) => r.processSeconds), 1), ''],
    ['trace+route registrations/s', median(s((r) => r.registrationsPerSecond)), ''],
    ['meshd peak RSS MiB', median(s((r) => r.peakRssMiB)), ''],
    ['meshd CPU % (of one core)', median(s((r) => r.cpu.meshdCpuPercent)), `other processes ${median(s((r) => r.cpu.otherCpuPercent))}%`],
    ['generation seconds (not the product)', num(generationSeconds, 1), ''],
  ];
  const amendments = runs[runs.length - 1]!.amendmentOutputs;
  if (amendments) rows.push(['amendments file outputs', Object.entries(amendments).map(([k, n]) => `${k} ${n}`).join(', '), `${num(runs[runs.length - 1]!.amendmentSeconds ?? Number.NaN, 1)} s`]);
  return renderTable(['deaths bench', 'value', ''], rows);
}

/** How each kind of noise fared: registrations carrying it and how many of those were missed. */
function noiseTable(truth: ReadonlyMap<string, TruthEntry>, e: Evaluation): string {
  const carrying = new Map<string, number>();
  for (const t of truth.values()) {
    if (t.nhsNumber === null) continue;
    for (const label of t.noise.length > 0 ? t.noise : ['none']) carrying.set(label, (carrying.get(label) ?? 0) + 1);
    if (t.pair) carrying.set(`pair:${t.pair}`, (carrying.get(`pair:${t.pair}`) ?? 0) + 1);
  }
  const rows = [...carrying.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([label, n]) => {
      const missed = e.missedByNoise[label] ?? 0;
      return [label, num(n), num(missed), `${num((100 * missed) / n, 2)}%`];
    });
  return renderTable(['noise (in-index registrations)', 'carrying', 'missed', 'missed %'], rows);
}

function describeFalseMatch(m: Mismatch): string {
  const who = (p: Person | null | undefined): string => (p ? `${p.nhsNumber} ${p.givenNames.join(' ')} ${p.familyName} (${p.previousFamilyNames.join('/') || '-'}) ${p.dateOfBirth} ${p.postcode ?? '-'}` : 'nobody in the index');
  return `  registration ${m.registrationId} [${m.noise.join(', ') || 'no noise'}${m.pair ? `, ${m.pair}` : ''}]\n    died:    ${who(m.expected)}\n    matched: ${who(m.matchedPerson)}`;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllMeshd();
    process.exit(130);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof DeathsSettingsError) {
      process.stderr.write(`bench:deaths: ${err.message}\n(npm run bench:deaths -- --help lists the options)\n`);
      process.exit(2);
    }
    process.stderr.write(`bench:deaths failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
