/**
 * Bounded memory and back-pressure: a 100,000-record file generated as a stream (never a string in memory)
 * through both passes, the heap sampled after gc as it goes; and a slow consumer that the parser must not
 * outrun by more than a few chunks. Throughput is printed, not asserted.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import t from 'tap';
import { DEFAULT_GRO_XML_LIMITS } from '../../../../adapters/gro-deaths/xml/gro-xml-limits.js';
import { readGroRegistrations, scanGroFile } from '../../../../adapters/gro-deaths/xml/gro-xml-reader.js';
import { FIXTURE_TODAY, groFileStream, groRegistrationXml } from '../gro-xml-fixture.js';

const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (setFlagsFromString('--expose-gc'), runInNewContext('gc') as () => void);
const MiB = 1024 * 1024;
const RECORDS = 100_000;
const SAMPLE_EVERY = 10_000;
// Retaining every record (or the whole ~70 MB text) would grow the heap by well over 100 MiB.
const MAX_HEAP_GROWTH = 32 * MiB;

// A varied pool of records (names, namespaces, partial, free-text and invalid dates), each made unique by its ID.
const POOL = Array.from({ length: 50 }, (_, i) => groRegistrationXml({
  registrationId: 'REGID',
  name: { title: i % 3 === 0 ? 'Mrs' : null, givenNames: [`GIVEN${i}`, 'MARY'], familyName: `FAMILY${i}`, suffix: null },
  aliases: i % 5 === 0 ? [{ name: { givenNames: ['MOLLY'], familyName: `ALIAS${i}` }, type: 'formerly known as' }] : [],
  gender: i % 10 === 9 ? '7' : String(1 + (i % 2)),
  birthDate: i % 7 === 0 ? { partialYear: '1950', partialMonth: '3' } : { full: `19${40 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`, verificationLevel: '00' },
  deathDate: i % 11 === 0 ? { free: 'found in early 2024' } : { full: '2024-02-2' + (i % 9), verificationLevel: '01' },
  namespacedChildren: i % 2 === 0,
}).split('REGID'));
const recordFor = (ordinal: number): string => {
  const [head = '', tail = ''] = POOL[ordinal % POOL.length] ?? [];
  return `${head}${30_000_000 + ordinal}${tail}`;
};

function heapProbe(): { sample: () => void; maxGrowth: () => number } {
  gc();
  const base = process.memoryUsage().heapUsed;
  let max = 0;
  return {
    sample() {
      gc();
      max = Math.max(max, process.memoryUsage().heapUsed - base);
    },
    maxGrowth: () => max,
  };
}

const rate = (bytes: number, records: number, ms: number): string =>
  `${(bytes / MiB / (ms / 1000)).toFixed(1)} MB/s, ${Math.round(records / (ms / 1000)).toLocaleString('en-GB')} records/s`;

t.test(`${RECORDS.toLocaleString('en-GB')} records streamed through both passes with bounded heap`, async (t) => {
  const generated = groFileStream(RECORDS, recordFor);
  let started = performance.now();
  for await (const _ of generated.stream) { /* drain: the cost of making the file, to set against the passes */ }
  const generateMs = performance.now() - started;
  t.comment(`generating alone: ${(generated.bytes() / MiB).toFixed(1)} MiB in ${generateMs.toFixed(0)} ms (${rate(generated.bytes(), RECORDS, generateMs)})`);

  // Pass 1: the heap is sampled from the generator as it is read.
  const scanProbe = heapProbe();
  const scanFile = groFileStream(RECORDS, (ordinal) => {
    if (ordinal % SAMPLE_EVERY === 0) scanProbe.sample();
    return recordFor(ordinal);
  });
  started = performance.now();
  const scan = await scanGroFile(scanFile.stream, DEFAULT_GRO_XML_LIMITS);
  const scanMs = performance.now() - started;
  t.same(scan, { ok: true, records: RECORDS });
  t.ok(scanProbe.maxGrowth() < MAX_HEAP_GROWTH, `pass 1 heap growth ${(scanProbe.maxGrowth() / MiB).toFixed(1)} MiB < ${MAX_HEAP_GROWTH / MiB} MiB`);
  t.comment(`pass 1 (scanGroFile): ${(scanFile.bytes() / MiB).toFixed(1)} MiB in ${scanMs.toFixed(0)} ms: ${rate(scanFile.bytes(), RECORDS, scanMs)} (generation included)`);

  // Pass 2: the heap is sampled by the consumer, which keeps only counts.
  const readProbe = heapProbe();
  const readFile = groFileStream(RECORDS, recordFor);
  let valid = 0;
  let invalid = 0;
  let inOrder = true;
  started = performance.now();
  for await (const r of readGroRegistrations(readFile.stream, DEFAULT_GRO_XML_LIMITS, { today: FIXTURE_TODAY })) {
    if (r.registrationId !== String(30_000_000 + r.ordinal) || r.ordinal !== valid + invalid + 1) inOrder = false;
    if ('errors' in r) invalid++;
    else valid++;
    if (r.ordinal % SAMPLE_EVERY === 0) readProbe.sample();
  }
  const readMs = performance.now() - started;
  t.equal(valid + invalid, RECORDS);
  t.ok(inOrder, 'ordinals 1..n in file order, each with its own RegistrationID');
  t.equal(invalid, RECORDS / POOL.length * 5, 'the pool\'s records with gender 7 (5 in 50) are invalid, the rest valid');
  t.ok(readProbe.maxGrowth() < MAX_HEAP_GROWTH, `pass 2 heap growth ${(readProbe.maxGrowth() / MiB).toFixed(1)} MiB < ${MAX_HEAP_GROWTH / MiB} MiB`);
  t.comment(`pass 2 (readGroRegistrations + validation): ${(readFile.bytes() / MiB).toFixed(1)} MiB in ${readMs.toFixed(0)} ms: ${rate(readFile.bytes(), RECORDS, readMs)} (generation included)`);
});

t.test('the heap probe would see records retained (the bound above can fail)', async (t) => {
  const probe = heapProbe();
  const kept: unknown[] = [];
  for await (const r of readGroRegistrations(groFileStream(20_000, recordFor).stream, DEFAULT_GRO_XML_LIMITS, { today: FIXTURE_TODAY })) kept.push(r);
  probe.sample();
  const perRecord = probe.maxGrowth() / kept.length;
  t.ok(perRecord * RECORDS > MAX_HEAP_GROWTH, `keeping records costs ~${perRecord.toFixed(0)} bytes each: ${((perRecord * RECORDS) / MiB).toFixed(0)} MiB for ${RECORDS}`);
});

t.test('back-pressure: a slow consumer holds the parser to a few chunks ahead', async (t) => {
  const total = 5_000;
  const file = groFileStream(total, recordFor);
  let maxAhead = 0;
  for await (const r of readGroRegistrations(file.stream, DEFAULT_GRO_XML_LIMITS, { today: FIXTURE_TODAY })) {
    maxAhead = Math.max(maxAhead, file.produced() - r.ordinal);
    // Slower than the parser: the stream gets every chance to run ahead while we wait.
    await new Promise((resolve) => (r.ordinal % 250 === 0 ? setTimeout(resolve, 5) : setImmediate(resolve)));
  }
  t.comment(`records generated ahead of the consumer: at most ${maxAhead} of ${total}`);
  t.ok(maxAhead < 200, `at most ${maxAhead} records generated ahead of the consumer (unbounded would reach ${total})`);
});
