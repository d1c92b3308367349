import { createHmac } from 'node:crypto';
import t from 'tap';
import {
  AuthTokenGenerator,
  formatMeshAuthToken,
  formatMeshTimestamp,
  meshHmac,
} from '../../../mailbox/client/auth-token.js';

const NONCE = '4d8c6a0e-1c29-4b3a-9f2e-2f7e2b1c5a10';
const TOKEN_RE = /^NHSMESH ([A-Z0-9]+):([0-9a-f-]{36}):(\d+):(\d{12}):([0-9a-f]{64})$/;

t.test('meshHmac matches an independent HMAC-SHA256 and a vector made with Python hmac', async (t) => {
  const independent = createHmac('sha256', Buffer.from('TestKey', 'utf8'))
    .update(`X26ABC1:${NONCE}:0:password:202005041305`)
    .digest('hex');
  t.equal(meshHmac('TestKey', 'X26ABC1', NONCE, 0, 'password', '202005041305'), independent);
  // Computed once with Python's hmac module, the language of the reference client.
  t.equal(
    meshHmac('TestKey', 'X26ABC1', NONCE, 0, 'password', '202005041305'),
    '101f7b15b4900d5048e94c503ca331d93cd57b13e935d8a7146c6e58adb25d1a',
  );
  t.equal(
    meshHmac('TestKey', 'X26ABC1', NONCE, 7, 'password', '202005041305'),
    '24252aab62ca640d25d7e4fbe9fbff553244181428bfdc12ef1e65d64a4545ec',
  );
  t.equal(meshHmac(Buffer.from('TestKey'), 'X26ABC1', NONCE, '7', 'password', '202005041305'),
    '24252aab62ca640d25d7e4fbe9fbff553244181428bfdc12ef1e65d64a4545ec', 'Buffer key and string count agree');
});

t.test('meshHmac puts the password between count and timestamp', async (t) => {
  // Swapping password and timestamp is the classic mistake; it must change the result.
  const right = meshHmac('k', 'MB', 'n', 1, 'pw', '202001010000');
  const swapped = createHmac('sha256', 'k').update('MB:n:1:202001010000:pw').digest('hex');
  t.not(right, swapped);
  t.match(right, /^[0-9a-f]{64}$/, 'lower-case hex');
});

t.test('formatMeshTimestamp is UTC yyyyMMddHHmm', async (t) => {
  t.equal(formatMeshTimestamp(new Date(Date.UTC(2020, 4, 4, 13, 5, 59))), '202005041305');
  t.equal(formatMeshTimestamp(new Date(Date.UTC(2021, 0, 2, 3, 4, 0))), '202101020304', 'pads every field');
  t.equal(formatMeshTimestamp(new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999))), '199912312359');
  t.equal(formatMeshTimestamp(new Date('2024-06-30T23:30:00-02:00')), '202407010130', 'offset converted to UTC');
});

t.test('formatMeshAuthToken matches the layout of the SPEC example', async (t) => {
  // From the SPEC handshake curl example; its hash used a redacted key, so compare all but the hash.
  const spec =
    'NHSMESH X26HC005:1c820cd4-be3e-43ff-807f-e65362892722:0:202006041718:3cded68a9e0f9b83f2c5de1b79fc4dac45004523e6658d46145156fa6a03eced';
  const ours = formatMeshAuthToken('secret', 'X26HC005', '1c820cd4-be3e-43ff-807f-e65362892722', 0, 'pw', '202006041718');
  t.equal(ours.slice(0, ours.lastIndexOf(':')), spec.slice(0, spec.lastIndexOf(':')));
  t.match(ours, TOKEN_RE);
  t.equal(
    ours.slice(ours.lastIndexOf(':') + 1),
    meshHmac('secret', 'X26HC005', '1c820cd4-be3e-43ff-807f-e65362892722', 0, 'pw', '202006041718'),
  );
});

t.test('AuthTokenGenerator: one nonce per instance, count from 0 upwards, verifiable HMAC', async (t) => {
  const when = new Date(Date.UTC(2020, 4, 4, 13, 5));
  const gen = new AuthTokenGenerator({ sharedKey: 'TestKey', mailboxId: 'X26ABC1', password: 'password', now: () => when });
  t.equal(gen.nextCount, 0);
  const tokens = [gen.next(), gen.next(), gen.next()];
  t.equal(gen.nextCount, 3);
  const parsed = tokens.map((token) => {
    const m = TOKEN_RE.exec(token);
    if (!m) throw new Error(`bad token ${token}`);
    return { mailbox: m[1], nonce: m[2], count: m[3], ts: m[4], hmac: m[5] };
  });
  t.same(parsed.map((p) => p.count), ['0', '1', '2']);
  t.equal(new Set(parsed.map((p) => p.nonce)).size, 1, 'same nonce throughout');
  t.equal(parsed[0]?.nonce, gen.nonce);
  t.match(gen.nonce, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a v4 uuid');
  for (const p of parsed) {
    t.equal(p.mailbox, 'X26ABC1');
    t.equal(p.ts, '202005041305');
    const expected = createHmac('sha256', 'TestKey')
      .update(`X26ABC1:${p.nonce}:${p.count}:password:202005041305`)
      .digest('hex');
    t.equal(p.hmac, expected);
  }
  t.equal(new Set(tokens).size, 3, 'every token unique');

  const other = new AuthTokenGenerator({ sharedKey: 'TestKey', mailboxId: 'X26ABC1', password: 'password' });
  t.not(other.nonce, gen.nonce, 'a new instance gets a new nonce');
  t.match(other.next(), TOKEN_RE);
});

t.test('AuthTokenGenerator uses the wall clock by default', async (t) => {
  const gen = new AuthTokenGenerator({ sharedKey: 'k', mailboxId: 'MB', password: 'p', nonce: NONCE });
  const before = formatMeshTimestamp(new Date());
  const ts = gen.next().split(':')[3];
  const after = formatMeshTimestamp(new Date());
  t.ok(ts === before || ts === after, `timestamp ${ts} is now`);
  t.equal(gen.nonce, NONCE, 'explicit nonce kept');
});
