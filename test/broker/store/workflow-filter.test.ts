import t from 'tap';
import { matchesWorkflowFilter, parseWorkflowFilter, WorkflowFilterError } from '../../../broker/store/workflow-filter.js';

t.test('parses the six MESH forms', async (t) => {
  t.strictSame(parseWorkflowFilter('WORKFLOW1'), { kind: 'equals', value: 'WORKFLOW1', negate: false });
  t.strictSame(parseWorkflowFilter('!WORKFLOW1'), { kind: 'equals', value: 'WORKFLOW1', negate: true });
  t.strictSame(parseWorkflowFilter('WORKFL*'), { kind: 'prefix', value: 'WORKFL', negate: false });
  t.strictSame(parseWorkflowFilter('!WORKFL*'), { kind: 'prefix', value: 'WORKFL', negate: true });
  t.strictSame(parseWorkflowFilter('*_ACK*'), { kind: 'contains', value: '_ACK', negate: false });
  t.strictSame(parseWorkflowFilter('!*_ACK*'), { kind: 'contains', value: '_ACK', negate: true });
});

t.test('keeps case and characters that are special elsewhere', async (t) => {
  t.strictSame(parseWorkflowFilter('path_%x'), { kind: 'equals', value: 'path_%x', negate: false });
  t.strictSame(parseWorkflowFilter('a!b*'), { kind: 'prefix', value: 'a!b', negate: false }, 'only a leading ! negates');
  t.strictSame(parseWorkflowFilter('*X*'), { kind: 'contains', value: 'X', negate: false });
  t.strictSame(parseWorkflowFilter('X'), { kind: 'equals', value: 'X', negate: false });
});

t.test('rejects empty values and stray wildcards', async (t) => {
  for (const raw of ['', '!', '*', '**', '!*', '!**', '*X', '!*X', 'A*B', '***', '*A*B*']) {
    t.throws(() => parseWorkflowFilter(raw), WorkflowFilterError, JSON.stringify(raw));
  }
  const err = (() => {
    try {
      parseWorkflowFilter('!');
    } catch (e) {
      return e;
    }
    return null;
  })();
  t.match(err, { code: 'invalid_workflow_filter', raw: '!' });
});

t.test('matches case-sensitively', async (t) => {
  const cases: [string, string, boolean][] = [
    ['PATH_MEDRPT_V3', 'PATH_MEDRPT_V3', true],
    ['PATH_MEDRPT_V3', 'PATH_MEDRPT_V3_ACK', false],
    ['PATH_MEDRPT_V3', 'path_medrpt_v3', false],
    ['!PATH_MEDRPT_V3', 'PATH_MEDRPT_V3', false],
    ['!PATH_MEDRPT_V3', 'OTHER', true],
    ['PATH*', 'PATH_MEDRPT_V3', true],
    ['PATH*', 'path_medrpt_v3', false],
    ['PATH*', 'XPATH', false],
    ['!PATH*', 'PATH_X', false],
    ['!PATH*', 'XPATH', true],
    ['*_ACK*', 'PATH_MEDRPT_V3_ACK', true],
    ['*_ACK*', 'SCRN_ACK_X', true],
    ['*_ACK*', 'path_ack', false],
    ['!*_ACK*', 'PATH_MEDRPT_V3_ACK', false],
    ['!*_ACK*', 'PATH_MEDRPT_V3', true],
    ['A_*', 'AXB', false],
    ['*%*', 'A%B', true],
  ];
  for (const [raw, workflowId, expected] of cases) {
    t.equal(matchesWorkflowFilter(parseWorkflowFilter(raw), workflowId), expected, `${raw} vs ${workflowId}`);
  }
});
