import t from 'tap';
import { DEFAULT_GRO_XML_LIMITS, parseGroXmlLimits } from '../../../../adapters/gro-deaths/xml/gro-xml-limits.js';

t.test('defaults are the documented ones, and absent configuration means defaults', async (t) => {
  t.same(DEFAULT_GRO_XML_LIMITS, {
    maxBytes: 512 * 1024 * 1024, maxRecords: 200_000, maxDepth: 12, maxTextLength: 1024, maxElementsPerRecord: 200, maxAttributes: 32,
  });
  t.same(parseGroXmlLimits(undefined), DEFAULT_GRO_XML_LIMITS);
  t.same(parseGroXmlLimits({}), DEFAULT_GRO_XML_LIMITS);
  t.ok(Object.isFrozen(DEFAULT_GRO_XML_LIMITS), 'defaults cannot be changed by a caller');
});

t.test('partial overrides keep the other defaults', async (t) => {
  t.same(parseGroXmlLimits({ maxRecords: 10, maxTextLength: 64 }), { ...DEFAULT_GRO_XML_LIMITS, maxRecords: 10, maxTextLength: 64 });
});

t.test('a bad value is an error naming the key', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ maxBytes: 0 }, /^maxBytes: must be an integer from 1 to/],
    [{ maxDepth: 3 }, /^maxDepth: must be an integer from 4 to 256, got 3$/],
    [{ maxRecords: 1.5 }, /^maxRecords: .*got 1\.5$/],
    [{ maxTextLength: '1024' }, /^maxTextLength: .*got "1024"$/],
    [{ maxElementsPerRecord: -1 }, /^maxElementsPerRecord: /],
    [{ maxAttributes: 100_000 }, /^maxAttributes: /],
    [{ maxBytes: Number.NaN }, /^maxBytes: /],
    [{ maxDepht: 5 }, /^maxDepht: unknown GRO XML limit/],
    [[1, 2], /must be an object/],
    ['12', /must be an object/],
  ];
  for (const [input, expected] of cases) t.match(parseGroXmlLimits(input), expected, JSON.stringify(input));
});
