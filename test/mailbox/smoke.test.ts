import t from 'tap';
import { authFor, raw, startTestMeshd, V2 } from '../helpers/meshd.js';

t.test('send, list, download, acknowledge over raw HTTP', async (t) => {
  const meshd = await startTestMeshd(t);
  const sent = await raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', { authorization: authFor('MB1'), accept: V2, 'mex-to': 'MB2', 'mex-workflowid': 'WF1', 'content-type': 'text/plain' }, 'hello');
  t.equal(sent.status, 202, sent.body.toString());
  const id = sent.json().message_id as string;
  t.match(id, /^\d{20}_[0-9A-F]{6}$/);
  const list = await raw(meshd.url, 'GET', '/messageexchange/MB2/inbox', { authorization: authFor('MB2'), accept: V2 });
  t.same(list.json().messages, [id]);
  const got = await raw(meshd.url, 'GET', `/messageexchange/MB2/inbox/${id}`, { authorization: authFor('MB2'), accept: V2 });
  t.equal(got.status, 200);
  t.equal(got.body.toString(), 'hello');
  t.equal(got.headers['mex-from'], 'MB1');
  const ack = await raw(meshd.url, 'PUT', `/messageexchange/MB2/inbox/${id}/status/acknowledged`, { authorization: authFor('MB2'), accept: V2 });
  t.equal(ack.status, 200);
  const after = await raw(meshd.url, 'GET', '/messageexchange/MB2/inbox', { authorization: authFor('MB2'), accept: V2 });
  t.same(after.json().messages, []);
});
