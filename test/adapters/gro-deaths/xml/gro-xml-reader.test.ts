import { Readable } from 'node:stream';
import t, { type Test } from 'tap';
import { DEFAULT_GRO_XML_LIMITS } from '../../../../adapters/gro-deaths/xml/gro-xml-limits.js';
import { readGroRegistrations, scanGroFile } from '../../../../adapters/gro-deaths/xml/gro-xml-reader.js';
import type { GroFileErrorCode } from '../../../../adapters/gro-deaths/xml/gro-xml-reader.js';
import {
  FIXTURE_TODAY, GRO_NS, groFileStream, groFileXml, groRegistrationXml, readText, scanText, textStream,
} from '../gro-xml-fixture.js';
import type { GroFileOptions } from '../gro-xml-fixture.js';

const three = [1, 2, 3].map((i) => groRegistrationXml({ registrationId: String(100 + i) }));

/** Both passes refuse `text` with `code`, and the message matches `message`. */
async function refused(t: Test, text: string, code: GroFileErrorCode, message: RegExp, limits = {}): Promise<void> {
  const scan = await scanText(text, limits);
  t.match(scan, { ok: false, code, message }, `pass 1: ${code}`);
  const read = await readText(text, limits);
  t.equal(read.error?.code, code, `pass 2 throws ${code}`);
  t.match(read.error?.message ?? '', message);
}

t.test('a good file: pass 1 counts, pass 2 yields every record in order with its ordinal', async (t) => {
  const text = groFileXml(three);
  t.same(await scanText(text), { ok: true, records: 3 });
  const { records, error } = await readText(text);
  t.equal(error, null);
  t.same(records.map((r) => [r.ordinal, r.registrationId]), [[1, '101'], [2, '102'], [3, '103']]);
  t.ok(records.every((r) => !('errors' in r)), 'all valid');
});

t.test('the result does not depend on how the bytes are chunked (tokens and UTF-8 characters split)', async (t) => {
  const names = ['ZOË', 'ŁUKASZ', 'SIÂN', '李'];
  const text = groFileXml(names.map((given, i) => groRegistrationXml({
    registrationId: String(i + 1), name: { givenNames: [given], familyName: `O'BRIEN &amp; SON` }, namespacedChildren: i % 2 === 0,
  })));
  const whole = await readText(text);
  t.same(whole.records.map((r) => 'name' in r && r.name.givenNames[0]), names);
  t.match(whole.records[0], { name: { familyName: "O'BRIEN &amp; SON" } }, 'escaped text is unescaped once');
  for (const size of [1, 3, 7, 1000]) {
    t.same(await readText(text, {}, size), whole, `chunks of ${size} bytes`);
    t.same(await scanText(text, {}, size), { ok: true, records: 4 }, `scan, chunks of ${size} bytes`);
  }
});

t.test('an empty group with RecordCount 0 is a good file of no records', async (t) => {
  t.same(await scanText(groFileXml([])), { ok: true, records: 0 });
});

t.test('comments and CDATA are allowed; the XML declaration is optional', async (t) => {
  const record = groRegistrationXml().replace('<PersonFamilyName>SMITH</PersonFamilyName>', '<PersonFamilyName><![CDATA[SMI]]>TH<!-- typed twice --></PersonFamilyName>');
  const { records, error } = await readText(groFileXml([`<!-- week 12 -->${record}`], { prolog: '' }));
  t.equal(error, null);
  t.match(records[0], { name: { familyName: 'SMITH' } });
});

t.test('root element and namespace', async (t) => {
  const cases: Array<[string, GroFileOptions]> = [
    ['wrong namespace', { namespace: 'http://www.ons.gov.uk/gro/OGDDeathExtractDVLA' }],
    ['no namespace', { namespace: null }],
    ['wrong root', { root: 'BirthRegistrationGroup' }],
  ];
  for (const [what, opts] of cases) {
    await t.test(what, (t) => refused(t, groFileXml(three, opts), 'namespace', /^root element is \{.*\}\w+, expected \{http:\/\/www\.ons\.gov\.uk\/gro\/OGDDeathExtractDWP\}DeathRegistrationGroup$/));
  }
  await t.test('the GRO namespace bound to a prefix is the same root', async (t) => {
    const text = `<gro:DeathRegistrationGroup xmlns:gro="${GRO_NS}">${three.join('')}<RecordCount>3</RecordCount></gro:DeathRegistrationGroup>`;
    t.same(await scanText(text), { ok: true, records: 3 });
  });
});

t.test('RecordCount', async (t) => {
  await t.test('mismatch', (t) => refused(t, groFileXml(three, { recordCount: 4 }), 'record-count', /^RecordCount is 4 but the file holds 3 DeathRegistration elements$/));
  await t.test('missing', (t) => refused(t, groFileXml(three, { recordCount: null }), 'record-count', /^RecordCount is missing$/));
  await t.test('not an integer', (t) => refused(t, groFileXml(three).replace('<RecordCount>3<', '<RecordCount>three<'), 'record-count', /^RecordCount "three" is not an integer$/));
  await t.test('negative', (t) => refused(t, groFileXml(three).replace('<RecordCount>3<', '<RecordCount>-3<'), 'record-count', /not an integer/));
  await t.test('not last', (t) => refused(t, groFileXml([three[0] ?? '', '<RecordCount>3</RecordCount>', three[1] ?? '', three[2] ?? ''], { recordCount: null }), 'structure', /^DeathRegistration after RecordCount: RecordCount must be last \(line \d+, column \d+\)$/));
  await t.test('twice', (t) => refused(t, groFileXml([...three, '<RecordCount>3</RecordCount>']), 'structure', /^RecordCount appears twice/));
  await t.test('holding an element', (t) => refused(t, groFileXml(three, { recordCount: null }).replace('</DeathRegistrationGroup>', '<RecordCount><n>3</n></RecordCount></DeathRegistrationGroup>'), 'structure', /^RecordCount holds an element <n>/));
  await t.test('surrounding whitespace is fine', async (t) => {
    t.same(await scanText(groFileXml(three).replace('<RecordCount>3<', '<RecordCount>\n  3\n<')), { ok: true, records: 3 });
  });
});

t.test('group-level structure', async (t) => {
  await t.test('unexpected element', (t) => refused(t, groFileXml([...three, '<Extra/>']), 'structure', /^unexpected element <Extra> in DeathRegistrationGroup/));
  await t.test('text at group level', (t) => refused(t, groFileXml([three[0] ?? '', 'stray words']), 'structure', /^text directly inside DeathRegistrationGroup/));
  await t.test('processing instruction', (t) => refused(t, groFileXml(three).replace('<DeathRegistrationGroup', '<?xml-stylesheet href="x.xsl"?><DeathRegistrationGroup'), 'structure', /^processing instruction <\?xml-stylesheet\?> is not allowed/));
  await t.test('unknown elements inside a record are not a file error', async (t) => {
    t.same(await scanText(groFileXml([groRegistrationXml({ extraXml: '<DeceasedBirthplace><Town>Leeds</Town></DeceasedBirthplace>' })])), { ok: true, records: 1 });
  });
});

t.test('malformed and truncated files', async (t) => {
  const good = groFileXml(three);
  await t.test('truncated', (t) => refused(t, good.slice(0, Math.floor(good.length / 2)), 'malformed', /^malformed XML at line \d+, column \d+: /));
  await t.test('truncated inside a tag', (t) => refused(t, good.slice(0, good.indexOf('</DeathRegistrationGroup>') + 5), 'malformed', /^malformed XML/));
  await t.test('mismatched tags', (t) => refused(t, good.replace('</DeceasedGender>', '</DeceasedSex>'), 'malformed', /unexpected close tag|mismatched/i));
  await t.test('second root', (t) => refused(t, `${good}<DeathRegistrationGroup xmlns="${GRO_NS}"/>`, 'malformed', /only one root/));
  await t.test('text before the root', (t) => refused(t, `garbage ${good}`, 'malformed', /^malformed XML/));
  await t.test('a NUL character reference', (t) => refused(t, good.replace('SMITH', 'SM&#0;ITH'), 'malformed', /malformed character entity/));
  await t.test('XML 1.1 is not accepted as such', (t) => refused(t, good.replace('version="1.0"', 'version="1.1"'), 'malformed', /^XML version "1.1" is not accepted/));
});

t.test('empty files', async (t) => {
  const cases: Array<[string, string]> = [
    ['no bytes', ''], ['whitespace', ' \n\t '], ['only a declaration and a comment', '<?xml version="1.0"?>\n<!-- nothing this week -->\n'],
  ];
  for (const [what, text] of cases) {
    await t.test(what, (t) => refused(t, text, 'empty', /^the file holds no XML element/));
  }
});

t.test('encoding', async (t) => {
  await t.test('declared Latin-1', (t) => refused(t, groFileXml(three, { prolog: '<?xml version="1.0" encoding="ISO-8859-1"?>' }), 'encoding', /encoding "ISO-8859-1" is not accepted/));
  await t.test('bytes that are not UTF-8', async (t) => {
    const bytes = Buffer.concat([Buffer.from(groFileXml(three).slice(0, 300)), Buffer.from([0xc3, 0x28]), Buffer.from('</x>')]);
    t.match(await scanGroFile(Readable.from([bytes]), DEFAULT_GRO_XML_LIMITS), { ok: false, code: 'encoding', message: /not valid UTF-8/ });
  });
  await t.test('a UTF-16 file (its BOM is not UTF-8)', async (t) => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(groFileXml(three), 'utf16le')]);
    t.match(await scanGroFile(Readable.from([utf16]), DEFAULT_GRO_XML_LIMITS), { ok: false, code: 'encoding' });
  });
  await t.test('a UTF-8 BOM is accepted', async (t) => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(groFileXml(three))]);
    t.same(await scanGroFile(Readable.from([withBom]), DEFAULT_GRO_XML_LIMITS), { ok: true, records: 3 });
  });
});

t.test('limits', async (t) => {
  await t.test('a text node over maxTextLength', (t) => refused(t, groFileXml([groRegistrationXml({ maidenName: 'A'.repeat(1025) })]), 'too-large', /^a text node of more than 1024 characters/));
  await t.test('an element whose text pieces add up over maxTextLength', (t) => refused(t, groFileXml([groRegistrationXml({ extraXml: `<Note>${'a'.repeat(600)}<!-- -->${'b'.repeat(600)}</Note>` })]), 'too-large', /^an element's text is over 1024 characters/));
  await t.test('a text node at the limit is fine', async (t) => {
    t.same(await scanText(groFileXml([groRegistrationXml({ maidenName: 'A'.repeat(1024) })])), { ok: true, records: 1 });
  });
  await t.test('indentation does not count towards a container element\'s text', async (t) => {
    const pretty = groRegistrationXml({ address: { lines: ['1', '2', '3', '4', '5'], postcode: 'LS1 4AP' } }).replace(/></g, '>\n            <');
    const { records, error } = await readText(groFileXml([pretty]), { maxTextLength: 32 });
    t.equal(error, null);
    t.match(records[0], { address: { lines: ['1', '2', '3', '4', '5'] } });
  });
  await t.test('too many records', (t) => refused(t, groFileXml(three), 'too-large', /^more than 2 DeathRegistration elements/, { maxRecords: 2 }));
  await t.test('nested too deep', async (t) => {
    const deep = (n: number): string => `${'<Deep>'.repeat(n)}x${'</Deep>'.repeat(n)}`;
    t.same(await scanText(groFileXml([groRegistrationXml({ extraXml: deep(10) })])), { ok: true, records: 1 }, 'depth 12 is allowed');
    await refused(t, groFileXml([groRegistrationXml({ extraXml: deep(11) })]), 'too-large', /^elements nested deeper than 12/);
  });
  await t.test('deep nesting far beyond the limit stops at the limit', (t) => refused(t, groFileXml([`<DeathRegistration>${'<a>'.repeat(100_000)}`], { recordCount: null }), 'too-large', /nested deeper than 12/));
  await t.test('too many elements in one record', (t) => refused(t, groFileXml([groRegistrationXml({ extraXml: '<E/>'.repeat(200) })]), 'too-large', /^DeathRegistration 1 has more than 200 elements/));
  await t.test('too many attributes on one element', (t) => refused(t, groFileXml([groRegistrationXml({ extraXml: `<E ${Array.from({ length: 33 }, (_, i) => `a${i}="1"`).join(' ')}/>` })]), 'too-large', /^more than 32 attributes on one element/));
  await t.test('a file over maxBytes', (t) => refused(t, groFileXml(three), 'too-large', /^file over 1000 bytes/, { maxBytes: 1000 }));
  await t.test('a long comment is capped like text', (t) => refused(t, groFileXml(three).replace('<DeathRegistration>', `<!--${'c'.repeat(6000)}--><DeathRegistration>`), 'too-large', /^a comment of more than 5120 characters/));
  await t.test('a long attribute value is capped like text', (t) => refused(t, groFileXml(three).replace('<DeathRegistration>', `<DeathRegistration note="${'v'.repeat(6000)}">`), 'too-large', /^an attribute value of more than 5120 characters/));
  await t.test('a comment longer than a slice is stopped before it ends', (t) => refused(t, `${groFileXml(three).slice(0, 200)}<!--${'c'.repeat(100_000)}`, 'too-large', /characters without markup/));
  await t.test('a never-ending tag name is capped', (t) => refused(t, `<DeathRegistrationGroup xmlns="${GRO_NS}"><${'N'.repeat(20_000)}`, 'too-large', /characters without markup/));
});

t.test('pass 2 yields what it read before the error, then throws the coded error', async (t) => {
  const { records, error } = await readText(groFileXml(three, { recordCount: 2 }));
  t.equal(records.length, 3, 'the records came before RecordCount showed the file bad: the adapter runs pass 1 first');
  t.match(error, { name: 'GroXmlError', code: 'record-count' });
});

t.test('pass 2 refuses a today that is not a date', async (t) => {
  await t.rejects(readGroRegistrations(textStream(groFileXml(three)), DEFAULT_GRO_XML_LIMITS, { today: 'yesterday' }).next(), RangeError);
});

t.test('a consumer that stops early releases the input stream', async (t) => {
  const file = groFileStream(10_000, (i) => groRegistrationXml({ registrationId: String(i) }));
  let seen = 0;
  for await (const r of readGroRegistrations(file.stream, DEFAULT_GRO_XML_LIMITS, { today: FIXTURE_TODAY })) {
    if (++seen === 5 && r.ordinal === 5) break;
  }
  t.equal(seen, 5);
  t.ok(file.stream.destroyed, 'input destroyed when the generator is closed');
  t.ok(file.produced() < 10_000, `only ${file.produced()} of 10000 records were generated`);
});

t.test('a failing input stream rejects with its own error, not a file verdict', async (t) => {
  const broken = new Readable({ read() { this.destroy(new Error('object store read failed')); } });
  await t.rejects(scanGroFile(broken, DEFAULT_GRO_XML_LIMITS), /object store read failed/);
});
