import type { WorkflowFilter } from './message-store.js';

/**
 * Raised for a workflow_filter that is not one of MESH's six forms.
 * The HTTP layer maps it to a 400; it is not a store failure, so it is not a StoreError.
 */
export class WorkflowFilterError extends Error {
  readonly code = 'invalid_workflow_filter';
  constructor(
    readonly raw: string,
    reason: string,
  ) {
    super(`invalid workflow_filter ${JSON.stringify(raw)}: ${reason}`);
    this.name = 'WorkflowFilterError';
  }
}

/**
 * Parses MESH's workflow_filter syntax: `X` equals, `!X` not equal, `X*` begins with,
 * `!X*` does not begin with, `*X*` contains, `!*X*` does not contain.
 * Throws WorkflowFilterError when the value is empty or uses `*` anywhere else.
 */
export function parseWorkflowFilter(raw: string): WorkflowFilter {
  const negate = raw.startsWith('!');
  const body = negate ? raw.slice(1) : raw;
  let kind: WorkflowFilter['kind'];
  let value: string;
  if (body.length >= 2 && body.startsWith('*') && body.endsWith('*')) {
    kind = 'contains';
    value = body.slice(1, -1);
  } else if (body.endsWith('*')) {
    kind = 'prefix';
    value = body.slice(0, -1);
  } else {
    kind = 'equals';
    value = body;
  }
  if (value === '') {
    throw new WorkflowFilterError(raw, 'no workflow ID to compare with');
  }
  // A `*` left in the value is a pattern MESH does not define (ends-with, infix); refusing it
  // beats silently matching the literal character, which no workflow ID contains.
  if (value.includes('*')) {
    throw new WorkflowFilterError(raw, "'*' is only allowed at the start of a contains filter or at the end");
  }
  return { kind, value, negate };
}

/** True when the workflow ID passes the filter; comparisons are case-sensitive, like MESH's. */
export function matchesWorkflowFilter(filter: WorkflowFilter, workflowId: string): boolean {
  let hit: boolean;
  switch (filter.kind) {
    case 'equals':
      hit = workflowId === filter.value;
      break;
    case 'prefix':
      hit = workflowId.startsWith(filter.value);
      break;
    case 'contains':
      hit = workflowId.includes(filter.value);
      break;
    default: {
      const unknownKind: never = filter.kind;
      throw new Error(`unknown workflow filter kind ${String(unknownKind)}`);
    }
  }
  return filter.negate ? !hit : hit;
}
