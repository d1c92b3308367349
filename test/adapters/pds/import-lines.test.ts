import { Readable } from 'node:stream';
import t from 'tap';
import { CsvHeaderError, readCsv } from '../../../adapters/pds/import/csv-lines.js';
import { readLines, readNdjson, type LineItem, type RawLine } from '../../../adapters/pds/import/ndjson-lines.js';

/** The input as a stream of `chunkSize`-byte Buffers (every boundary, with 1). */
function chunked(text: string | Buffer, chunkSize = 1 << 20): Readable {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return Readable.from(chunks, { objectMode: true });
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const HEADER = 'nhsNumber,givenNames,familyName,previousFamilyNames,dateOfBirth,gender,addressLines,postcode,gpPracticeOds';

t.test('lines: numbered from 1, blank ones counted but skipped, \\r\\n and a last line without newline', async (t) => {
  const lines = await all(readLines(chunked('one\r\n\n  \ntwo\n\r\nthree')));
  t.same(lines, [{ line: 1, text: 'one' }, { line: 4, text: 'two' }, { line: 6, text: 'three' }]);
  t.same(await all(readLines(chunked(''))), [], 'an empty input has no lines');
  t.same(await all(readLines(chunked('\n\n'))), []);
});

t.test('lines: the same whatever the chunking, multi-byte characters split across chunks included', async (t) => {
  const text = '\ufeff{"a":"Zoë Ní Dhuibhir"}\n{"b":"日本"}\n\nlast';
  const whole = await all(readLines(chunked(text)));
  t.same(whole[0], { line: 1, text: '{"a":"Zoë Ní Dhuibhir"}' }, 'the byte-order mark is dropped');
  for (const size of [1, 2, 3, 7]) t.same(await all(readLines(chunked(text, size))), whole, `${size}-byte chunks`);
});

t.test('lines: one longer than the limit is an error for that line only, however it is chunked', async (t) => {
  const text = `${'a'.repeat(16)}\n${'b'.repeat(17)}\n${'c'.repeat(40)}\nok\n${'d'.repeat(50)}`;
  const expected: RawLine[] = [
    { line: 1, text: 'a'.repeat(16) },
    { line: 2, error: 'line is longer than 16 bytes' },
    { line: 3, error: 'line is longer than 16 bytes' },
    { line: 4, text: 'ok' },
    { line: 5, error: 'line is longer than 16 bytes' },
  ];
  for (const size of [1, 5, 16, 1 << 20]) t.same(await all(readLines(chunked(text, size), { maxLineBytes: 16 })), expected, `${size}-byte chunks`);
  await t.rejects(readLines(chunked(''), { maxLineBytes: 0 }).next(), RangeError);
});

t.test('lines: a huge line streams past and the file goes on', async (t) => {
  // 32 MiB with no newline, in 64 KiB chunks, then a good line: reported, not held.
  async function* source(): AsyncGenerator<Buffer> {
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    for (let i = 0; i < 512; i++) yield chunk;
    yield Buffer.from('\n{"ok":true}\n');
  }
  t.same(await all(readNdjson(source())), [
    { line: 1, error: 'line is longer than 65536 bytes' },
    { line: 2, value: { ok: true } },
  ]);
});

t.test('lines: bytes that are not UTF-8 are an error for their line', async (t) => {
  const bytes = Buffer.concat([Buffer.from('good\n'), Buffer.from([0x66, 0xff, 0xfe, 0x0a]), Buffer.from('fine')]);
  t.same(await all(readLines(chunked(bytes))), [{ line: 1, text: 'good' }, { line: 2, error: 'line is not valid UTF-8' }, { line: 3, text: 'fine' }]);
});

t.test('NDJSON: a value per line, an error for a line that is not JSON, and on to the next', async (t) => {
  const items = await all(readNdjson(chunked('{"a":1}\n\nnot json\n[1,2]\n"s"\n{"b":')));
  t.same(items.map((i) => i.line), [1, 3, 4, 5, 6]);
  t.same(items[0], { line: 1, value: { a: 1 } });
  t.match(items[1], { line: 3, error: /^not valid JSON: / });
  t.same(items[2], { line: 4, value: [1, 2] }, 'a non-object is parsePersonRecord\'s to refuse');
  t.same(items[3], { line: 5, value: 's' });
  t.match(items[4], { line: 6, error: /^not valid JSON: / });
});

t.test('CSV: rows become the NDJSON object of the same person', async (t) => {
  const csv = `${HEADER}\r\n9434765919,Alice|Mary,Whitfield,Brown,1950-03-04,female,"1 High Street, Flat 2|Leeds",LS1 4AP,B86001\r\n` +
    '\r\n9434765870,Bob,"O""Brien",,1961-07-08,male,,,\r\n';
  const items = await all(readCsv(chunked(csv, 7)));
  t.same(items, [
    {
      line: 2,
      value: {
        nhsNumber: '9434765919', givenNames: ['Alice', 'Mary'], familyName: 'Whitfield', previousFamilyNames: ['Brown'], dateOfBirth: '1950-03-04',
        gender: 'female', addressLines: ['1 High Street, Flat 2', 'Leeds'], postcode: 'LS1 4AP', gpPracticeOds: 'B86001',
      },
    },
    {
      line: 4,
      value: {
        nhsNumber: '9434765870', givenNames: ['Bob'], familyName: 'O"Brien', previousFamilyNames: [], dateOfBirth: '1961-07-08',
        gender: 'male', addressLines: [], postcode: null, gpPracticeOds: null,
      },
    },
  ]);
});

t.test('CSV: columns may come in any order', async (t) => {
  const header = 'gender,nhsNumber,givenNames,familyName,previousFamilyNames,dateOfBirth,addressLines,postcode,gpPracticeOds';
  const [item] = await all(readCsv(chunked(`${header}\nmale,9434765919,Al,Smith,,1950-01-01,,,\n`)));
  t.match(item, { line: 2, value: { gender: 'male', nhsNumber: '9434765919', familyName: 'Smith' } });
});

t.test('CSV: a quoted field over several lines is one record, numbered by its first line', async (t) => {
  const csv = `${HEADER}\n9434765919,Al,Smith,,1950-01-01,male,"1 High St\nLeeds",,\n9434765870,Bo,Jones,,1950-01-01,male,,,\n`;
  const items = await all(readCsv(chunked(csv)));
  t.same(items.map((i) => i.line), [2, 4]);
  t.same((items[0] as { value: { addressLines: string[] } }).value.addressLines, ['1 High St\nLeeds']);
});

t.test('CSV: a malformed record is an error for it alone, in a batch or not', async (t) => {
  const good = (n: number): string => `9434765919,Al,Smith${n},,1950-01-01,male,,,`;
  const rows = [good(1), '9434765870,Bo,Jo"nes,,1950-01-01,male,,,', good(2), '1,2,3', good(3), '"x"y,1,2,3,4,5,6,7,8', good(4)];
  const items = await all(readCsv(chunked(`${HEADER}\n${rows.join('\n')}\n`)));
  t.same(items.map((i) => [i.line, 'error' in i]), [[2, false], [3, true], [4, false], [5, true], [6, false], [7, true], [8, false]]);
  t.match(items[1], { error: /^not valid CSV: .*quote/i });
  t.same(items[3], { line: 5, error: 'has 3 fields, the header has 9' });
  t.notMatch((items[1] as { error: string }).error, /line \d/, 'no line numbers counted from the wrong place');
});

t.test('CSV: a quote left open takes at most one record\'s worth of lines, then reading goes on', async (t) => {
  const open = '9434765919,Al,"Smith,,1950-01-01,male,,,';
  const after = Array.from({ length: 5 }, () => '9434765870,Bo,Jones,,1950-01-01,male,,,');
  const items: LineItem[] = await all(readCsv(chunked(`${HEADER}\n${open}\n${after.join('\n')}\n`), { maxLineBytes: 120 }));
  t.same(items[0], { line: 2, error: 'record is longer than 120 bytes' });
  t.ok(items.slice(1).some((i) => 'value' in i), 'later records are read again');
  const atEnd = await all(readCsv(chunked(`${HEADER}\n${open}\n`)));
  t.same(atEnd, [{ line: 2, error: 'quoted field is not closed at the end of the file' }]);
});

t.test('CSV: a record line over the limit is an error for it alone', async (t) => {
  const long = `9434765919,Al,${'x'.repeat(300)},,1950-01-01,male,,,`;
  const items = await all(readCsv(chunked(`${HEADER}\n${long}\n9434765870,Bo,Jones,,1950-01-01,male,,,\n`), { maxLineBytes: 200 }));
  t.same(items.map((i) => [i.line, 'error' in i]), [[2, true], [3, false]]);
});

t.test('CSV: a bad header stops the file with a CsvHeaderError', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['', /no header row/],
    ['\n\n', /no header row/],
    [`${HEADER},extra\n`, /line 1\): unknown column "extra"/],
    [HEADER.replace(',gender', '') + '\n', /missing column "gender"/],
    [`${HEADER},gender\n`, /column "gender" appears more than once/],
    [`"${HEADER}\n`, /quoted field is not closed/],
  ];
  for (const [csv, message] of cases) {
    const err = await all(readCsv(chunked(csv))).then(() => null, (e: unknown) => e);
    t.ok(err instanceof CsvHeaderError, JSON.stringify(csv));
    t.match((err as Error).message, message);
  }
  t.same(await all(readCsv(chunked(`${HEADER}\n`))), [], 'a header alone: no records');
});

t.test('CSV: many records parse in batches with their own line numbers', async (t) => {
  const rows = Array.from({ length: 2500 }, (_, i) => (i === 1700 ? 'broken' : `9434765919,Al,Smith,,1950-01-01,male,,,`));
  const items = await all(readCsv(chunked(`${HEADER}\n${rows.join('\n')}\n`, 4096)));
  t.equal(items.length, 2500);
  t.ok(items.every((item, i) => item.line === i + 2), 'every record at its line');
  t.same(items.filter((i) => 'error' in i).map((i) => i.line), [1702]);
});
