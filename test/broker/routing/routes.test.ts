import t from 'tap';
import { compilePattern, DELIVER, Routes, type RouteRule, type RouteTarget } from '../../../broker/routing/routes.js';

const fanout: RouteTarget = { kind: 'adapter', adapter: 'fanout', settings: { recipients: [] } };

/** A rule from pattern texts, compiled as the loader compiles them. */
function rule(name: string, workflow: string, target: RouteTarget, who: { sender?: string; recipient?: string } = {}): RouteRule {
  const r: RouteRule = { name, workflow: compilePattern(workflow), target, source: `test:${name}` };
  if (who.sender !== undefined) r.sender = compilePattern(who.sender, { caseInsensitive: true });
  if (who.recipient !== undefined) r.recipient = compilePattern(who.recipient, { caseInsensitive: true });
  return r;
}

const msg = (workflowId: string, sender = 'X26ABC1', recipient = 'X26ABC2') => ({ workflowId, sender, recipient });

t.test('a pattern without wildcards matches exactly that workflow ID, case-sensitively', async (t) => {
  const p = compilePattern('GRO_DEATH_REGISTRATION');
  t.equal(p.kind, 'exact');
  t.ok(p.test('GRO_DEATH_REGISTRATION'));
  t.notOk(p.test('GRO_DEATH_REGISTRATION_ACK'), 'not a prefix match');
  t.notOk(p.test('XGRO_DEATH_REGISTRATION'));
  t.notOk(p.test('gro_death_registration'), 'MESH workflow IDs are case-sensitive');
});

t.test('a single trailing star is a prefix', async (t) => {
  const p = compilePattern('PATH_*');
  t.equal(p.kind, 'prefix');
  t.ok(p.test('PATH_MEDRPT_V3'));
  t.ok(p.test('PATH_'), 'the star may match nothing');
  t.notOk(p.test('PATH'));
  t.notOk(p.test('XPATH_MEDRPT'));
  t.notOk(p.test('path_medrpt_v3'));
  const all = compilePattern('*');
  t.equal(all.kind, 'prefix');
  t.ok(all.test('ANYTHING') && all.test(''), 'a lone star matches every ID');
});

t.test('globs: * any run, ? exactly one character, anchored at both ends', async (t) => {
  const ack = compilePattern('*_ACK');
  t.equal(ack.kind, 'glob');
  t.ok(ack.test('PATH_MEDRPT_V3_ACK'));
  t.ok(ack.test('_ACK'));
  t.notOk(ack.test('PATH_ACK_V2'), 'anchored at the end');

  const v3 = compilePattern('PATH_?_V3');
  t.ok(v3.test('PATH_X_V3'));
  t.notOk(v3.test('PATH__V3'), '? needs one character');
  t.notOk(v3.test('PATH_XY_V3'), '? takes only one character');

  const mid = compilePattern('*RESULT*');
  t.ok(mid.test('RESULT') && mid.test('LAB_RESULTS_V2'));
  t.notOk(mid.test('RESULXT'));

  const trailingQ = compilePattern('NEMS_?');
  t.equal(trailingQ.kind, 'glob', 'only a trailing * makes a prefix');
  t.ok(trailingQ.test('NEMS_1'));
  t.notOk(trailingQ.test('NEMS_12'));

  // Header values are not ours to trust: wildcards must cover any character a sender can put there.
  t.ok(compilePattern('A?B').test('A\u{1F600}B'), '? is one code point, not half a surrogate pair');
  t.ok(compilePattern('*_ACK?').test('X\nY_ACK1'), '* runs across a line break');

  const twoStars = compilePattern('A**');
  t.equal(twoStars.kind, 'glob');
  t.ok(twoStars.test('AB') && twoStars.test('A'));
  t.notOk(twoStars.test('BA'));
});

t.test('regex metacharacters in a pattern stand for themselves', async (t) => {
  t.notOk(compilePattern('A.B').test('AxB'), 'exact: a dot is a dot');
  t.notOk(compilePattern('A.B*').test('AxB_1'), 'prefix: a dot is a dot');
  t.ok(compilePattern('A.B*').test('A.B_1'));
  const dotted = compilePattern('*.B?');
  t.ok(dotted.test('A.B1'));
  t.notOk(dotted.test('AxB1'), 'glob: a dot is a dot');
  // Each look-alike is what the pattern would match were that character read as regex syntax.
  const cases: Array<[pattern: string, literal: string, lookalike: string]> = [
    ['A+B?', 'A+B1', 'AAB1'], ['A(B)?', 'A(B)1', 'AB1'], ['A[BC]?', 'A[BC]1', 'AC1'],
    ['A{2}?', 'A{2}1', 'AA1'], ['A|B?', 'A|B1', 'A'], ['?$', 'X$', 'X'], ['^?', '^X', 'X'],
    ['A\\d?', 'A\\d1', 'A12'],
  ];
  for (const [pattern, literal, lookalike] of cases) {
    const p = compilePattern(pattern);
    t.ok(p.test(literal), `${pattern} matches ${literal}`);
    t.notOk(p.test(lookalike), `${pattern} does not match ${lookalike}`);
  }
  t.ok(compilePattern('A/B*?').test('A/BCD'), 'a slash needs no escaping but must not break the glob');
  t.notOk(compilePattern('A+').test('AA'), 'no wildcard: exact, so + is literal');
});

t.test('mailbox patterns are case-insensitive; workflow patterns are not', async (t) => {
  const exact = compilePattern('x26abc1', { caseInsensitive: true });
  t.ok(exact.test('X26ABC1') && exact.test('x26Abc1'));
  t.notOk(exact.test('X26ABC10'));
  const prefix = compilePattern('x26*', { caseInsensitive: true });
  t.ok(prefix.test('X26LAB1'));
  t.notOk(prefix.test('X27LAB1'));
  const glob = compilePattern('X26???1', { caseInsensitive: true });
  t.ok(glob.test('x26abc1'));
  t.notOk(glob.test('x26ab1'));
  t.equal(exact.text, 'x26abc1', 'the text is kept as written, for messages');
});

t.test('the first matching rule wins; no match delivers', async (t) => {
  const routes = new Routes([
    rule('one-lab', 'PATH_*', fanout, { sender: 'X26LAB1' }),
    rule('acks', '*_ACK', DELIVER),
    rule('all-path', 'PATH_*', { kind: 'adapter', adapter: 'pathology', settings: {} }),
  ]);
  t.equal(routes.match(msg('PATH_MEDRPT_V3', 'x26lab1')).rule?.name, 'one-lab');
  t.equal(routes.match(msg('PATH_MEDRPT_V3', 'X26LAB2')).rule?.name, 'all-path', 'sender filter skips the first rule');
  const ack = routes.match(msg('PATH_MEDRPT_V3_ACK', 'X26LAB2'));
  t.equal(ack.rule?.name, 'acks', 'an earlier broad rule shadows a later one');
  t.same(ack.target, { kind: 'deliver' });

  const none = routes.match(msg('TEST_WORKFLOW'));
  t.equal(none.rule, null);
  t.same(none.target, { kind: 'deliver' });
  t.same(new Routes([]).match(msg('ANY')), { rule: null, target: { kind: 'deliver' } });
});

t.test('sender and recipient filters must both match when given', async (t) => {
  const routes = new Routes([rule('pair', 'W', fanout, { sender: 'X26ABC1', recipient: 'X26ABC?' })]);
  t.equal(routes.match(msg('W', 'X26ABC1', 'X26ABC3')).rule?.name, 'pair');
  t.equal(routes.match(msg('W', 'X26ABC1', 'x26abc2')).target, fanout, 'the rule\'s own target is returned');
  t.equal(routes.match(msg('W', 'X26ABC2', 'X26ABC3')).rule, null, 'wrong sender');
  t.equal(routes.match(msg('W', 'X26ABC1', 'X26LAB1')).rule, null, 'wrong recipient');
  t.equal(routes.match(msg('V', 'X26ABC1', 'X26ABC3')).rule, null, 'wrong workflow');
  const onlyRecipient = new Routes([rule('to-gp', '*', fanout, { recipient: 'X26GP01' })]);
  t.equal(onlyRecipient.match(msg('ANY', 'WHOEVER', 'X26GP01')).rule?.name, 'to-gp');
  t.equal(onlyRecipient.match(msg('ANY', 'X26GP01', 'X26ABC1')).rule, null, 'the sender is not the recipient');
});

t.test('adapters() lists each adapter once, in first-use order', async (t) => {
  const nems: RouteTarget = { kind: 'adapter', adapter: 'nems', settings: {} };
  const routes = new Routes([
    rule('a', 'NEMS_*', nems), rule('b', 'X', DELIVER), rule('c', 'Y', fanout), rule('d', 'NEMS', nems),
  ]);
  t.same(routes.adapters(), ['nems', 'fanout']);
  t.same(new Routes([rule('a', 'X', DELIVER)]).adapters(), []);
});

t.test('the rule list is copied, so a caller cannot change routing afterwards', async (t) => {
  const list = [rule('a', 'X', fanout)];
  const routes = new Routes(list);
  list.push(rule('b', 'Y', fanout));
  t.equal(routes.rules.length, 1);
  t.equal(routes.match(msg('Y')).rule, null);
});
