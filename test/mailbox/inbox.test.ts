import t from 'tap';
import { authFor, clientFor, raw, startTestMeshd, V1, V2 } from '../helpers/meshd.js';

t.test('inbox paging: max_results, host-relative links.next, approx_inbox_count, v1 continue_from', async (t) => {
  const meshd = await startTestMeshd(t);
  const sender = clientFor(t, meshd, 'MB1');
  const ids: string[] = [];
  for (let i = 0; i < 25; i++) ids.push(await sender.sendMessage({ to: 'MB2', workflowId: i % 2 ? 'PATH_RESULT' : 'GP_DATA', body: `m${i}` }));
  const get = (path: string, accept = V2) => raw(meshd.url, 'GET', path, { authorization: authFor('MB2'), accept });

  const p1 = (await get('/messageexchange/MB2/inbox?max_results=10')).json();
  t.same(p1.messages, ids.slice(0, 10), 'oldest first, in send order');
  t.equal(p1.approx_inbox_count, 25);
  t.equal(p1.links.self, '/messageexchange/MB2/inbox?max_results=10');
  t.match(p1.links.next, /^\/messageexchange\/MB2\/inbox\?/, 'next is a host-relative path');
  const p2 = (await get(p1.links.next)).json();
  t.same(p2.messages, ids.slice(10, 20));
  const p3 = (await get(p2.links.next)).json();
  t.same(p3.messages, ids.slice(20));
  t.notOk(p3.links.next, 'no next link on the last page');
  t.equal((await get('/messageexchange/MB2/inbox?max_results=9')).status, 400, 'max_results below 10');
  t.equal((await get('/messageexchange/MB2/inbox?max_results=5001')).status, 400, 'max_results above 5000');
  t.equal((await get('/messageexchange/MB2/inbox?continue_from=short')).status, 400, 'continue_from under 24 characters');
  t.equal((await get('/messageexchange/MB2/inbox?workflow_filter=x')).status, 400, 'workflow_filter under 2 characters');

  const v1 = (await get('/messageexchange/MB2/inbox', V1)).json();
  t.same(Object.keys(v1), ['messages'], 'v1 shape has only messages');
  t.same(v1.messages, ids);
  const v1next = (await get(`/messageexchange/MB2/inbox?continue_from=${ids[4]}`, V1)).json();
  t.same(v1next.messages, ids.slice(5), 'v1 continue_from is the last message ID seen');

  const filtered = async (f: string) => (await get(`/messageexchange/MB2/inbox?workflow_filter=${encodeURIComponent(f)}`)).json().messages as string[];
  const path = ids.filter((_, i) => i % 2 === 1);
  const gp = ids.filter((_, i) => i % 2 === 0);
  t.same(await filtered('PATH_RESULT'), path, 'equals');
  t.same(await filtered('!PATH_RESULT'), gp, 'not equal');
  t.same(await filtered('GP_*'), gp, 'begins with');
  t.same(await filtered('!GP_*'), path, 'does not begin with');
  t.same(await filtered('*_RES*'), path, 'contains');
  t.same(await filtered('!*_RES*'), gp, 'does not contain');
  t.same(await filtered('path_result'), [], 'case-sensitive');
  const fp = (await get('/messageexchange/MB2/inbox?max_results=10&workflow_filter=GP_*')).json();
  t.equal(fp.approx_inbox_count, 13, 'count honours the filter');
  t.match(fp.links.next, /workflow_filter=GP_\*|workflow_filter=GP_%2A/, 'next keeps the filter');
  t.same((await get(fp.links.next)).json().messages, gp.slice(10));

  const c2 = (await get('/messageexchange/MB2/count')).json();
  t.same(c2, { count: 25 }, 'v2 count');
  const c1 = (await get('/messageexchange/MB2/count', V1)).json();
  t.equal(c1.count, 25);
  t.equal(c1.allResultsIncluded, true);
  t.type(c1.internalID, 'string');
});

t.test('the Accept header picks the version; a bad vnd.mesh version is 400', async (t) => {
  const meshd = await startTestMeshd(t);
  const get = (accept?: string) => raw(meshd.url, 'GET', '/messageexchange/MB2/count', { authorization: authFor('MB2'), ...(accept ? { accept } : {}) });
  t.equal((await get()).headers['content-type'], 'application/json', 'no Accept: v1');
  t.equal((await get('application/json')).headers['content-type'], 'application/json');
  t.equal((await get(V2)).headers['content-type'], V2);
  t.equal((await get(`text/plain, ${V2}`)).headers['content-type'], V2, 'lenient about lists');
  t.equal((await get('application/vnd.mesh.v9+json')).status, 400);
  t.equal((await get('application/vnd.mesh.vX')).status, 400);
});

t.test('a chunked message lists where it became visible, not where it started', async (t) => {
  const meshd = await startTestMeshd(t);
  const c = clientFor(t, meshd, 'MB1');
  const start = await raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept: V2, 'mex-to': 'MB2', 'mex-workflowid': 'W', 'mex-chunk-range': '1:2' }, 'a');
  const chunkedId = start.json().message_id as string;
  const plain = await c.sendMessage({ to: 'MB2', workflowId: 'W', body: 'p' });
  await raw(meshd.url, 'POST', `/messageexchange/MB1/outbox/${chunkedId}/2`, { authorization: authFor('MB1'), accept: V2, 'mex-chunk-range': '2:2' }, 'b');
  const list = (await raw(meshd.url, 'GET', '/messageexchange/MB2/inbox', { authorization: authFor('MB2'), accept: V2 })).json();
  t.same(list.messages, [plain, chunkedId]);
});
