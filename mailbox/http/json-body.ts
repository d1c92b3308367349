import type { FastifyRequest } from 'fastify';
import { meshErrors } from '../errors/mesh-errors.js';

/** Reads a small JSON request body (admin API), refusing more than `maxBytes` or invalid JSON. */
export async function readJsonBody(request: FastifyRequest, maxBytes = 64 * 1024): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw meshErrors.validation(['body'], `body exceeds ${maxBytes} bytes`);
    parts.push(chunk);
  }
  if (size === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch {
    throw meshErrors.validation(['body'], 'body is not valid JSON', 'value_error.jsondecode');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw meshErrors.validation(['body'], 'body must be a JSON object');
  return value as Record<string, unknown>;
}

/** A string field of a JSON body: required or optional, with a length limit. */
export function stringField(body: Record<string, unknown>, name: string, opts: { required?: boolean; max?: number } = {}): string | null {
  const v = body[name];
  if (v === undefined || v === null || v === '') {
    if (opts.required) throw meshErrors.validation(['body', name], 'field required', 'value_error.missing');
    return null;
  }
  if (typeof v !== 'string') throw meshErrors.validation(['body', name], 'must be a string', 'type_error.str');
  if (v.length > (opts.max ?? 1000)) throw meshErrors.validation(['body', name], `ensure this value has at most ${opts.max ?? 1000} characters`);
  return v;
}
