import t from 'tap';
import {
  MAX_KEY_LENGTH,
  InvalidKeyError,
  assertSafeKey,
  chunkObjectKey,
  keyPrefix,
  messageObjectPrefix,
  newUploadId,
} from '../../../broker/objects/object-keys.js';

const MESSAGE_ID = '20200529155357895317_3573F8';

t.test('chunkObjectKey has the documented layout', async (t) => {
  const uploadId = newUploadId();
  const key = chunkObjectKey(MESSAGE_ID, 3, uploadId);
  t.match(key, /^messages\/[0-9a-f]{2}\/20200529155357895317_3573F8\/3\.[A-Za-z0-9_-]+$/);
  t.equal(key, `messages/${keyPrefix(MESSAGE_ID)}/${MESSAGE_ID}/3.${uploadId}`);
  t.ok(key.startsWith(messageObjectPrefix(MESSAGE_ID)), 'chunk keys live under the message prefix');
  t.doesNotThrow(() => assertSafeKey(key), 'generated keys pass the safety check');
});

t.test('the prefix is stable per message and spreads messages out', async (t) => {
  t.equal(keyPrefix(MESSAGE_ID), keyPrefix(MESSAGE_ID), 'same id, same prefix');
  t.equal(
    chunkObjectKey(MESSAGE_ID, 1, 'u1').split('/')[1],
    chunkObjectKey(MESSAGE_ID, 2, 'u2').split('/')[1],
    'all chunks of a message share a directory',
  );
  const prefixes = new Set<string>();
  for (let i = 0; i < 2000; i++) prefixes.add(keyPrefix(`20240101000000${String(i).padStart(6, '0')}_ABC123`));
  // 2000 ids over 256 buckets: a working hash fills nearly all; a constant or sequential one would not.
  t.ok(prefixes.size > 240, `ids spread over ${prefixes.size} of 256 prefixes`);
});

t.test('different uploads of the same chunk get different keys', async (t) => {
  t.not(chunkObjectKey(MESSAGE_ID, 1, newUploadId()), chunkObjectKey(MESSAGE_ID, 1, newUploadId()));
});

t.test('chunkObjectKey refuses unsafe parts', async (t) => {
  const bad: Array<[string, number, string]> = [
    ['', 1, 'u'],
    ['..', 1, 'u'],
    ['.hidden', 1, 'u'],
    ['a/b', 1, 'u'],
    ['../../etc', 1, 'u'],
    ['a\\b', 1, 'u'],
    ['x'.repeat(201), 1, 'u'],
    [MESSAGE_ID, 0, 'u'],
    [MESSAGE_ID, -1, 'u'],
    [MESSAGE_ID, 1.5, 'u'],
    [MESSAGE_ID, Number.NaN, 'u'],
    [MESSAGE_ID, 1, ''],
    [MESSAGE_ID, 1, 'a/b'],
    [MESSAGE_ID, 1, '..'],
    [MESSAGE_ID, 1, 'x'.repeat(65)],
  ];
  for (const [id, chunk, upload] of bad) {
    t.throws(() => chunkObjectKey(id, chunk, upload), { code: 'invalid_key' }, JSON.stringify([id, chunk, upload]));
  }
  t.throws(() => messageObjectPrefix('../x'), InvalidKeyError);
});

t.test('newUploadId is url-safe and unique', async (t) => {
  const ids = new Set<string>();
  for (let i = 0; i < 1000; i++) ids.add(newUploadId());
  t.equal(ids.size, 1000, 'no repeats in 1000');
  const bad = [...ids].filter((id) => !/^[A-Za-z0-9_-]{16}$/.test(id));
  t.same(bad, [], 'every id is 16 base64url characters');
});

t.test('assertSafeKey accepts ordinary keys', async (t) => {
  for (const key of ['a', 'a/b/c', 'messages/ab/id/1.xyz', 'with.dots/..x/x..', 'k'.repeat(MAX_KEY_LENGTH)]) {
    t.doesNotThrow(() => assertSafeKey(key), JSON.stringify(key.slice(0, 40)));
  }
});

t.test('assertSafeKey rejects keys that could escape or mislead', async (t) => {
  const bad: Record<string, string> = {
    empty: '',
    absolute: '/etc/passwd',
    'dot-dot at start': '../x',
    'dot-dot in middle': 'a/../../x',
    'dot-dot at end': 'a/..',
    'dot segment': 'a/./b',
    backslash: 'a\\b',
    'backslash traversal': '..\\..\\x',
    NUL: 'a\0b',
    newline: 'a\nb',
    'empty segment': 'a//b',
    'trailing slash': 'a/b/',
    'too long': 'k'.repeat(MAX_KEY_LENGTH + 1),
  };
  for (const [why, key] of Object.entries(bad)) {
    const err = t.throws(() => assertSafeKey(key), InvalidKeyError, why);
    t.equal((err as InvalidKeyError).code, 'invalid_key', `${why}: code`);
  }
  t.throws(() => assertSafeKey(undefined as unknown as string), { code: 'invalid_key' }, 'non-string');
});
