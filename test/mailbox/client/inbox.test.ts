import t from 'tap';
import { MeshClient, MeshError, parseInboxPage } from '../../../mailbox/client/index.js';
import { CREDS, json, startFakeServer } from './fixtures/fake-mesh-server.js';

const ids = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `2024010112000000000${i}_${prefix}${String(i).padStart(4, '0')}`);

t.test('listInbox sends the query parameters and parses a v2 page', async (t) => {
  const server = await startFakeServer(t, (_req, res) =>
    json(res, 200, {
      messages: ['A_000000000000000000000001'],
      links: { self: '/messageexchange/X26ABC1/inbox' },
      approx_inbox_count: 42,
    }),
  );
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  const page = await mesh.listInbox({ maxResults: 10, workflowFilter: '!*_ACK*', continueFrom: 'token-of-at-least-24-chars' });
  t.same(page, { messages: ['A_000000000000000000000001'], next: null, approxInboxCount: 42 });
  const req = server.requests[0]!;
  t.equal(req.method, 'GET');
  t.equal(req.path, '/messageexchange/X26ABC1/inbox');
  t.equal(req.query.get('max_results'), '10');
  t.equal(req.query.get('workflow_filter'), '!*_ACK*');
  t.equal(req.query.get('continue_from'), 'token-of-at-least-24-chars');
  await mesh.listInbox();
  t.equal(server.requests[1]?.url, '/messageexchange/X26ABC1/inbox', 'no query string when no options');
});

t.test('iterateInbox follows host-relative links.next across 3 pages', async (t) => {
  const pages = [ids('AAA', 10), ids('BBB', 10), ids('CCC', 3)];
  const nextFor = (i: number): string =>
    `/messageexchange/X26ABC1/inbox?max_results=10&continue_from=${encodeURIComponent(`opaque+token/${i}==`)}`;
  const server = await startFakeServer(t, (req, res) => {
    const token = req.query.get('continue_from');
    const index = token === null ? 0 : Number(token.slice('opaque+token/'.length, -2));
    const body: Record<string, unknown> = { messages: pages[index], links: { self: req.url }, approx_inbox_count: 23 };
    if (index < pages.length - 1) (body['links'] as Record<string, string>)['next'] = nextFor(index + 1);
    json(res, 200, body);
  });
  // A trailing slash on the base URL must not produce `//messageexchange`.
  const mesh = new MeshClient({ baseUrl: `${server.baseUrl}/`, ...CREDS });
  t.teardown(() => mesh.close());
  const seen: string[] = [];
  for await (const id of mesh.iterateInbox({ maxResults: 10 })) seen.push(id);
  t.same(seen, pages.flat(), 'all IDs, in page order');
  t.same(
    server.requests.map((r) => r.url),
    ['/messageexchange/X26ABC1/inbox?max_results=10', nextFor(1), nextFor(2)],
    'next paths requested verbatim on the base URL',
  );
  const first = await mesh.listInbox({ maxResults: 10 });
  t.equal(first.next, nextFor(1));
  const second = await mesh.listInbox({ next: first.next! });
  t.same(second.messages, pages[1]);
});

t.test('absolute or looping next links are reported instead of followed', async (t) => {
  let mode: 'absolute' | 'loop' = 'absolute';
  const server = await startFakeServer(t, (_req, res) =>
    json(res, 200, {
      messages: ['X_000000000000000000000001'],
      links: { next: mode === 'absolute' ? 'http://elsewhere.example/messageexchange/X26ABC1/inbox?continue_from=x' : '/messageexchange/X26ABC1/inbox?continue_from=same' },
    }),
  );
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  const drain = async (): Promise<void> => {
    for await (const id of mesh.iterateInbox()) void id;
  };
  await t.rejects(drain(), /host-relative/);
  mode = 'loop';
  await t.rejects(drain(), /loops/);
  t.equal(server.requests.length, 3, 'one request before the absolute link, two before the repeat is seen');
});

t.test('parseInboxPage accepts v1 pages and rejects malformed ones', async (t) => {
  t.same(parseInboxPage({ messages: ['a', 'b'] }), { messages: ['a', 'b'], next: null });
  t.same(parseInboxPage({ messages: [], links: { next: '' } }), { messages: [], next: null });
  t.throws(() => parseInboxPage({ messages: [1] }), MeshError);
  t.throws(() => parseInboxPage({}), MeshError);
  t.throws(() => parseInboxPage('nope'), MeshError);
});

t.test('gzip-encoded JSON responses are decoded', async (t) => {
  const { gzipSync } = await import('node:zlib');
  const server = await startFakeServer(t, (_req, res) => {
    const body = gzipSync(JSON.stringify({ messages: ['GZ_00000000000000000000001'] }));
    res.writeHead(200, { 'content-type': 'application/vnd.mesh.v2+json', 'content-encoding': 'gzip', 'content-length': body.length });
    res.end(body);
  });
  const mesh = new MeshClient({ baseUrl: server.baseUrl, ...CREDS });
  t.teardown(() => mesh.close());
  t.same((await mesh.listInbox()).messages, ['GZ_00000000000000000000001']);
});
