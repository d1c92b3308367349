/**
 * Hostile XML: entity expansion (billion laughs), external entities (XXE, local file and network), undeclared
 * entities. A DOCTYPE is refused outright, so no entity is ever declared, let alone expanded or fetched.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import t from 'tap';
import { GRO_NS, groFileXml, groRegistrationXml, readText, scanText } from '../gro-xml-fixture.js';

// gc() without --expose-gc: the flag can still be set at run time and gc fetched from a fresh context.
const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (setFlagsFromString('--expose-gc'), runInNewContext('gc') as () => void);
const heapAfterGc = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};

const recordWithFamilyName = (raw: string): string =>
  groRegistrationXml({ name: { givenNames: ['JOHN'], familyName: 'PLACEHOLDER' } }).replace('PLACEHOLDER', raw);

function billionLaughs(): string {
  const entities = ['<!ENTITY lol "lol">'];
  for (let i = 1; i <= 9; i++) entities.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
  return groFileXml([recordWithFamilyName('&lol9;')], { prolog: `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n ${entities.join('\n ')}\n]>\n` });
}

t.test('billion laughs is refused as a DOCTYPE, and the heap does not grow', async (t) => {
  const text = billionLaughs();
  t.match(text, /<!ENTITY lol9 "&lol8;&lol8;/, 'the classic lol1..lol9 document');
  const before = heapAfterGc();
  const scan = await scanText(text);
  const read = await readText(text);
  const growth = heapAfterGc() - before;
  t.match(scan, { ok: false, code: 'doctype', message: /^a DOCTYPE declaration is refused/ });
  t.equal(read.error?.code, 'doctype');
  t.equal(read.records.length, 0, 'no record is yielded');
  t.ok(growth < 4 * 1024 * 1024, `heap grew by ${(growth / 1024).toFixed(0)} KiB (expansion would need ~3 GB)`);
});

t.test('an external entity on a local file is refused, and the file never appears', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gro-xxe-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const secretPath = join(dir, 'passwd');
  const secret = 'root:x:0:0:SECRET-MARKER-7f3a:/root:/bin/bash';
  await writeFile(secretPath, secret);
  for (const uri of [`file://${secretPath}`, 'file:///etc/passwd']) {
    const text = groFileXml([recordWithFamilyName('&x;')], { prolog: `<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "${uri}">]>\n` });
    const scan = await scanText(text);
    const read = await readText(text);
    t.match(scan, { ok: false, code: 'doctype' }, uri);
    t.equal(read.error?.code, 'doctype', uri);
    const everything = JSON.stringify({ scan, records: read.records, error: read.error?.message });
    t.notOk(everything.includes('SECRET-MARKER') || everything.includes('root:x:0:0'), `no content of ${uri} in any result`);
  }
});

t.test('external DTDs and parameter entities are never fetched', async (t) => {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.end('<!ENTITY x "fetched">');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/evil.dtd`;
  const prologs = [
    `<!DOCTYPE DeathRegistrationGroup SYSTEM "${url}">`,
    `<!DOCTYPE d [<!ENTITY % remote SYSTEM "${url}"> %remote;]>`,
    `<!DOCTYPE d PUBLIC "-//GRO//x" "${url}">`,
  ];
  for (const prolog of prologs) {
    const text = groFileXml([recordWithFamilyName('&x;')], { prolog });
    t.match(await scanText(text), { ok: false, code: 'doctype' }, prolog);
    t.equal((await readText(text)).error?.code, 'doctype');
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(requests, 0, 'no request reached the server');
});

t.test('a DOCTYPE with nothing in it is refused too', async (t) => {
  t.match(await scanText(groFileXml([groRegistrationXml()], { prolog: '<!DOCTYPE DeathRegistrationGroup>' })), { ok: false, code: 'doctype' });
});

t.test('a DOCTYPE too large to hold is stopped at the size limit, without growing the heap', async (t) => {
  const huge = `<!DOCTYPE d [${'<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'.repeat(50_000)}]>`;
  const before = heapAfterGc();
  const scan = await scanText(groFileXml([groRegistrationXml()], { prolog: huge }));
  const growth = heapAfterGc() - before;
  t.match(scan, { ok: false, code: 'too-large', message: /characters without markup/ });
  t.ok(growth < 4 * 1024 * 1024, `heap grew by ${(growth / 1024).toFixed(0)} KiB`);
});

t.test('undeclared entities are malformed, never expanded', async (t) => {
  for (const ref of ['&foo;', '&lol9;', '&__proto__;', '&constructor;', '&toString;']) {
    const text = groFileXml([recordWithFamilyName(`SMITH${ref}`)]);
    const scan = await scanText(text);
    t.match(scan, { ok: false, code: 'malformed', message: /^malformed XML at line \d+, column \d+: undefined entity/ }, ref);
    const read = await readText(text);
    t.equal(read.error?.code, 'malformed', `pass 2: ${ref}`);
    t.equal(read.records.length, 0);
  }
  t.match(await scanText(`<DeathRegistrationGroup xmlns="${GRO_NS}" a="&x;"><RecordCount>0</RecordCount></DeathRegistrationGroup>`), { ok: false, code: 'malformed' }, 'in an attribute too');
});

t.test('the five predefined entities and character references are the only ones read', async (t) => {
  const { records, error } = await readText(groFileXml([recordWithFamilyName('O&apos;BRIEN &amp; &#x53;ON &#83;&lt;&gt;&quot;')]));
  t.equal(error, null);
  t.match(records[0], { name: { familyName: `O'BRIEN & SON S<>"` } });
});
