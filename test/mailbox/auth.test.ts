import t from 'tap';
import { formatMeshAuthToken, formatMeshTimestamp } from '../../mailbox/client/auth-token.js';
import { parseMeshTimestamp } from '../../mailbox/auth/authenticator.js';
import { authFor, mailbox, raw, SHARED_KEY, startTestMeshd, V2 } from '../helpers/meshd.js';

const handshakeHeaders = { accept: V2, 'mex-clientversion': 'test 1.0', 'mex-osname': 'Linux', 'mex-osversion': '6.1' };
const token = (mb: string, nonce: string, count: number, opts: { password?: string; when?: Date; key?: string } = {}): string =>
  formatMeshAuthToken(opts.key ?? SHARED_KEY, mb, nonce, count, opts.password ?? `pw-${mb}`, formatMeshTimestamp(opts.when ?? new Date()));

t.test('handshake succeeds with a valid token, in both API versions', async (t) => {
  const meshd = await startTestMeshd(t);
  const v2 = await raw(meshd.url, 'POST', '/messageexchange/MB1', { ...handshakeHeaders, authorization: authFor('MB1') });
  t.equal(v2.status, 200);
  t.equal(v2.body.length, 0, 'v2 handshake has an empty body');
  const v1 = await raw(meshd.url, 'GET', '/messageexchange/mb1', { ...handshakeHeaders, accept: 'application/json', authorization: authFor('MB1') });
  t.equal(v1.status, 200);
  t.same(v1.json(), { mailboxId: 'MB1' });
  const missing = await raw(meshd.url, 'POST', '/messageexchange/MB1', { accept: V2, authorization: authFor('MB1') });
  t.equal(missing.status, 400, 'missing mex-ClientVersion is a validation error');
  t.same(missing.json().detail[0].loc, ['header', 'mex-clientversion']);
});

t.test('every authentication failure is 403', async (t) => {
  const meshd = await startTestMeshd(t, { mailboxes: [mailbox('MB1'), mailbox('MB2'), mailbox('OFF1', { active: false })] });
  const go = (authorization?: string, path = '/messageexchange/MB1') =>
    raw(meshd.url, 'POST', path, { ...handshakeHeaders, ...(authorization ? { authorization } : {}) });

  const none = await go();
  t.equal(none.status, 403, 'no header');
  t.equal(none.body.length, 0, 'bare 403 without a header');
  t.equal((await go('Basic abc')).status, 403, 'wrong scheme');
  t.equal((await go('NHSMESH MB1:abc:0:202001011200')).status, 403, 'too few parts');
  t.equal((await go(token('MB1', 'n1', 0, { password: 'wrong' }))).status, 403, 'wrong password');
  t.equal((await go(token('MB1', 'n2', 0, { key: 'OtherKey' }))).status, 403, 'wrong shared key');
  t.equal((await go(token('MB2', 'n3', 0))).status, 403, 'token for another mailbox than the path');
  const unknown = await go(token('NOPE', 'n4', 0, { password: 'x' }), '/messageexchange/NOPE');
  t.equal(unknown.status, 403, 'unknown mailbox');
  t.equal(unknown.json().detail[0].code, 'EPL-151');
  t.equal((await go(token('OFF1', 'n5', 0), '/messageexchange/OFF1')).status, 403, 'inactive mailbox');
  const old = new Date(Date.now() - 3 * 60 * 60 * 1000);
  t.equal((await go(token('MB1', 'n6', 0, { when: old }))).status, 403, 'timestamp 3 hours old');
  const future = new Date(Date.now() + 3 * 60 * 60 * 1000);
  t.equal((await go(token('MB1', 'n7', 0, { when: future }))).status, 403, 'timestamp 3 hours ahead');
  const nearly = new Date(Date.now() - 100 * 60 * 1000);
  t.equal((await go(token('MB1', 'n8', 0, { when: nearly }))).status, 200, 'timestamp 100 minutes old is within 2 hours');
});

t.test('a token is single-use; a new count or nonce makes it unique; upper-case HMAC is fine', async (t) => {
  const meshd = await startTestMeshd(t);
  const go = (authorization: string) => raw(meshd.url, 'POST', '/messageexchange/MB1', { ...handshakeHeaders, authorization });
  const tok = token('MB1', 'replay-nonce', 0);
  t.equal((await go(tok)).status, 200, 'first use');
  t.equal((await go(tok)).status, 403, 'exact replay refused');
  t.equal((await go(token('MB1', 'replay-nonce', 5))).status, 200, 'same nonce, new count (counts need not be consecutive)');
  t.equal((await go(token('MB1', 'other-nonce', 0))).status, 200, 'new nonce, count 0');
  const upper = token('MB1', 'upper-nonce', 0).replace(/:([0-9a-f]{64})$/, (_m, h: string) => `:${h.toUpperCase()}`);
  t.equal((await go(upper)).status, 200, 'upper-case hex HMAC accepted');
});

t.test('a token whose request failed with a retryable status can be retried', async (t) => {
  const meshd = await startTestMeshd(t);
  // Make the next send fail inside the store: a 500 the python client's urllib3 would retry with the same token.
  const store = meshd.store as unknown as { createMessage: (...a: unknown[]) => Promise<void> };
  const original = store.createMessage.bind(store);
  let failures = 1;
  store.createMessage = async (...a: unknown[]) => {
    if (failures-- > 0) throw new Error('disk on fire');
    return original(...a);
  };
  const tok = token('MB1', 'retry-nonce', 0);
  const headers = { authorization: tok, accept: V2, 'mex-to': 'MB2', 'mex-workflowid': 'WF' };
  const first = await raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', headers, 'payload');
  t.equal(first.status, 500);
  const again = await raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', headers, 'payload');
  t.equal(again.status, 202, 'the same token works after a 500');
  const third = await raw(meshd.url, 'POST', '/messageexchange/MB1/outbox', headers, 'payload');
  t.equal(third.status, 403, 'and is used up once it succeeded');
});

t.test('parseMeshTimestamp accepts real times only', async (t) => {
  t.equal(parseMeshTimestamp('202006041718'), Date.UTC(2020, 5, 4, 17, 18));
  t.equal(parseMeshTimestamp('202002301200'), null, '30 February');
  t.equal(parseMeshTimestamp('202006042418'), null, 'hour 24');
  t.equal(parseMeshTimestamp('20200604171'), null, '11 digits');
});
