import t from 'tap';
import { DEFAULT_TRACE_CONFIG, maxScoreWeight, parseTraceConfig, type TraceConfig } from '../../../../adapters/pds/trace/trace-config.js';

const parsed = (value: unknown): TraceConfig => {
  const c = parseTraceConfig(value);
  if (typeof c === 'string') throw new Error(c);
  return c;
};

t.test('nothing given: the defaults', async (t) => {
  t.equal(parseTraceConfig(undefined), DEFAULT_TRACE_CONFIG);
  t.equal(parseTraceConfig(null), DEFAULT_TRACE_CONFIG);
  t.same(parsed({}), DEFAULT_TRACE_CONFIG);
});

t.test('partial overrides are merged over the defaults', async (t) => {
  const c = parsed({ thresholds: { matchThreshold: 0.7 }, weights: { postcode: { outward: 3 } }, rules: { minimumDateAgreement: 'exact' }, candidateLimit: 50 });
  t.equal(c.thresholds.matchThreshold, 0.7);
  t.equal(c.thresholds.minimumMargin, DEFAULT_TRACE_CONFIG.thresholds.minimumMargin, 'sibling key kept');
  t.equal(c.weights.postcode.outward, 3);
  t.equal(c.weights.postcode.exact, DEFAULT_TRACE_CONFIG.weights.postcode.exact);
  t.same(c.weights.familyName, DEFAULT_TRACE_CONFIG.weights.familyName, 'untouched sections kept');
  t.equal(c.rules.minimumDateAgreement, 'exact');
  t.equal(c.candidateLimit, 50);
  t.equal(DEFAULT_TRACE_CONFIG.thresholds.matchThreshold !== 0.7, true, 'the defaults are not modified');
});

t.test('every bad value names its path', async (t) => {
  const cases: Array<[unknown, string]> = [
    [{ thresholds: { matchThreshold: 2 } }, 'thresholds.matchThreshold must be a number between 0 and 1'],
    [{ thresholds: { matchThreshold: '0.5' } }, 'thresholds.matchThreshold must be a number between 0 and 1'],
    [{ thresholds: { minimumMargin: -0.1 } }, 'thresholds.minimumMargin must be a number between 0 and 1'],
    [{ thresholds: { matchThresold: 0.5 } }, 'thresholds.matchThresold is not a known setting'],
    [{ colour: 'blue' }, 'colour is not a known setting'],
    [{ weights: { familyName: { exact: 100 } } }, 'weights.familyName.exact must be a number between 0 and 40'],
    [{ weights: { familyName: { disagree: 3 } } }, 'weights.familyName.disagree must be a number between -40 and 0'],
    [{ weights: { dateOfBirth: { exact: Number.NaN } } }, 'weights.dateOfBirth.exact must be a number between 0 and 40'],
    [{ weights: { givenName: 'heavy' } }, 'weights.givenName must be an object'],
    [{ weights: [] }, 'weights must be an object'],
    [{ rules: { minimumDateAgreement: 'disagree' } }, 'rules.minimumDateAgreement must be one of exact, transposed, partial, typo'],
    [{ rules: { minimumFamilyNameAgreement: 'close' } }, 'rules.minimumFamilyNameAgreement must be one of exact, variant, typo, phonetic'],
    [{ rules: { requireGivenNameAgreement: 'yes' } }, 'rules.requireGivenNameAgreement must be true or false'],
    [{ crossCheck: { enabled: 1 } }, 'crossCheck.enabled must be true or false'],
    [{ nameComparison: { typoJaroWinkler: 0.5 } }, 'nameComparison.typoJaroWinkler must be a number between 0.8 and 1'],
    [{ nameComparison: { editDistanceMinLength: 4.5 } }, 'nameComparison.editDistanceMinLength must be an integer between 1 and 20'],
    [{ candidateLimit: 0 }, 'candidateLimit must be an integer between 1 and 10000'],
    [{ reportedCandidates: 1000 }, 'reportedCandidates must be an integer between 1 and 100'],
    ['strict', 'trace settings must be an object'],
  ];
  for (const [value, message] of cases) t.equal(parseTraceConfig(value), message, message);
});

t.test('a stronger level may not weigh less than a weaker one', async (t) => {
  t.equal(parseTraceConfig({ weights: { familyName: { variant: 10 } } }), 'weights.familyName.variant must not exceed weights.familyName.exact');
  t.equal(parseTraceConfig({ weights: { givenName: { phonetic: 4 } } }), 'weights.givenName.phonetic must not exceed weights.givenName.typo');
  t.equal(parseTraceConfig({ weights: { dateOfBirth: { partialYear: 10 } } }), 'weights.dateOfBirth.partialYear must not exceed weights.dateOfBirth.partialMonth');
  t.equal(parseTraceConfig({ weights: { postcode: { outward: 10 } } }), 'weights.postcode.outward must not exceed weights.postcode.exact');
  t.equal(
    parseTraceConfig({
      weights: {
        familyName: { exact: 0, variant: 0, typo: 0, phonetic: 0 },
        givenName: { exact: 0, variant: 0, typo: 0, phonetic: 0 },
        otherGivenNames: { agree: 0 },
        dateOfBirth: { exact: 0, transposed: 0, partialMonth: 0, partialYear: 0, typo: 0 },
        gender: { agree: 0 },
        postcode: { exact: 0, outward: 0 },
      },
    }),
    'weights: the exact weights must not all be 0',
  );
});

t.test('the score scale: the core fields exact', async (t) => {
  const w = DEFAULT_TRACE_CONFIG.weights;
  t.equal(maxScoreWeight(w), w.familyName.exact + w.givenName.exact + w.dateOfBirth.exact + w.gender.agree + w.postcode.exact);
});
