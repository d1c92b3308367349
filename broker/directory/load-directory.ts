/**
 * Loads the mailbox and workflow directory from files: our YAML (camelCase, `password` or
 * `passwordEnv`) or mesh-sandbox's JSONL (one snake_case object a line), so a team's existing
 * sandbox fixtures work unchanged. Every entry is schema-checked; every error is a ConfigError
 * naming the file, the line (JSONL) or JSON path (YAML), and the reason.
 *
 * A workflow that names a mailbox no file defines is a ConfigError, not a warning. The
 * directory is loaded once at start-up and nothing adds mailboxes later, so such a reference
 * can only be a typo, and a typo here silently stops a workflow's messages from flowing: the
 * kind of fault that is found days later by whoever was expecting them.
 */

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ConfigError, configErrorFromAjv } from '../config/config-error.js';
import { displayPath, readYamlFile } from '../config/load-config.js';
import { schemaValidator } from '../config/package-root.js';
import { Directory, type Mailbox, type Workflow } from './directory.js';

export interface LoadDirectoryOptions {
  /** Paths in error messages are shown relative to this (default: process.cwd()). */
  cwd?: string;
}

/** One record read from a file, with where it was read, for error messages. */
interface Entry {
  data: Record<string, unknown>;
  /** `file` for YAML, `file:line` for JSONL. */
  source: string;
  /** JSON pointer of the record within the file; '' for a JSONL line. */
  path: string;
  format: 'yaml' | 'jsonl';
}

interface YamlMailbox {
  id: string; name: string; odsCode?: string; orgCode?: string; orgName?: string;
  billingEntity?: string; password?: string; passwordEnv?: string; active?: boolean;
}
interface SandboxMailbox {
  mailbox_id: string; mailbox_name: string; billing_entity?: string | null; ods_code?: string | null;
  org_code?: string | null; org_name?: string | null; password: string; active?: boolean | null;
}
interface YamlWorkflow { id: string; senders: string[]; receivers: string[] }
interface SandboxWorkflow { workflow_id: string; senders: string[]; receivers: string[] }

/** Reads, validates and cross-checks mailbox and workflow files into a Directory. */
export async function loadDirectory(
  mailboxFiles: string[], workflowFiles: string[], env: NodeJS.ProcessEnv, opts: LoadDirectoryOptions = {},
): Promise<Directory> {
  const cwd = opts.cwd ?? process.cwd();

  const mailboxes = new Map<string, { mailbox: Mailbox; at: Entry }>();
  for (const file of mailboxFiles) {
    for (const entry of await readEntries(file, displayPath(file, cwd), 'mailboxes')) {
      const mailbox = toMailbox(entry, env);
      const idPath = `${entry.path}/${entry.format === 'yaml' ? 'id' : 'mailbox_id'}`;
      const earlier = mailboxes.get(mailbox.mailboxId);
      if (earlier) {
        throw new ConfigError(entry.source, idPath,
          `duplicate mailbox ID ${mailbox.mailboxId}, first defined at ${where(earlier.at)}`);
      }
      mailboxes.set(mailbox.mailboxId, { mailbox, at: entry });
    }
  }

  const workflows = new Map<string, { workflow: Workflow; at: Entry }>();
  for (const file of workflowFiles) {
    for (const entry of await readEntries(file, displayPath(file, cwd), 'workflows')) {
      const workflow = toWorkflow(entry);
      const earlier = workflows.get(workflow.workflowId);
      if (earlier) {
        throw new ConfigError(entry.source, `${entry.path}/${entry.format === 'yaml' ? 'id' : 'workflow_id'}`,
          `duplicate workflow ID ${workflow.workflowId}, first defined at ${where(earlier.at)}`);
      }
      for (const role of ['senders', 'receivers'] as const) {
        // Walk the list as written, not the de-duplicated one, so the index in the path is
        // the one the user sees in the file.
        (entry.data[role] as string[]).forEach((id, i) => {
          if (!mailboxes.has(id.toUpperCase())) {
            throw new ConfigError(entry.source, `${entry.path}/${role}/${i}`, `unknown mailbox ${id.toUpperCase()}`);
          }
        });
      }
      workflows.set(workflow.workflowId, { workflow, at: entry });
    }
  }

  return new Directory(
    [...mailboxes.values()].map((m) => m.mailbox),
    [...workflows.values()].map((w) => w.workflow),
  );
}

/** Reads one file's records and checks each against its schema. */
async function readEntries(file: string, shown: string, kind: 'mailboxes' | 'workflows'): Promise<Entry[]> {
  const ext = extname(file).toLowerCase();
  const schemaFile = `${kind}.schema.json`;
  if (ext === '.yaml' || ext === '.yml') {
    // An empty file parses as null; as {} it gets the clearer "/mailboxes: is required".
    const data = (await readYamlFile(file, shown)) ?? {};
    const validate = await schemaValidator(schemaFile);
    if (!validate(data)) throw configErrorFromAjv(shown, validate.errors);
    const items = (data as Record<string, Record<string, unknown>[]>)[kind] ?? [];
    return items.map((item, i) => ({ data: item, source: shown, path: `/${kind}/${i}`, format: 'yaml' }));
  }
  if (ext === '.jsonl') {
    const validate = await schemaValidator(schemaFile, kind === 'mailboxes' ? 'sandboxMailbox' : 'sandboxWorkflow');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new ConfigError(shown, '', `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const entries: Entry[] = [];
    // Editors on Windows add a BOM and CRLFs; neither should make a line invalid JSON.
    text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '') return;
      const source = `${shown}:${i + 1}`;
      let data: unknown;
      try {
        data = JSON.parse(line);
      } catch (err) {
        throw new ConfigError(source, '', `invalid JSON: ${(err as Error).message}`);
      }
      if (!validate(data)) throw configErrorFromAjv(source, validate.errors);
      entries.push({ data: data as Record<string, unknown>, source, path: '', format: 'jsonl' });
    });
    return entries;
  }
  throw new ConfigError(shown, '', `unsupported file type "${ext}": expected .yaml, .yml or .jsonl`);
}

function toMailbox(entry: Entry, env: NodeJS.ProcessEnv): Mailbox {
  if (entry.format === 'jsonl') {
    const m = entry.data as unknown as SandboxMailbox;
    return {
      mailboxId: m.mailbox_id.toUpperCase(),
      mailboxName: m.mailbox_name,
      odsCode: m.ods_code ?? '',
      orgCode: m.org_code ?? '',
      orgName: m.org_name ?? '',
      billingEntity: m.billing_entity ?? '',
      password: m.password,
      active: m.active ?? true,
    };
  }
  const m = entry.data as unknown as YamlMailbox;
  return {
    mailboxId: m.id.toUpperCase(),
    mailboxName: m.name,
    odsCode: m.odsCode ?? '',
    orgCode: m.orgCode ?? '',
    orgName: m.orgName ?? '',
    billingEntity: m.billingEntity ?? '',
    password: yamlPassword(m, entry, env),
    active: m.active ?? true,
  };
}

// The schema can only say "exactly one of" as an unhelpful oneOf failure; checking here lets
// the message say which key is missing or superfluous.
function yamlPassword(m: YamlMailbox, entry: Entry, env: NodeJS.ProcessEnv): string {
  if (m.password !== undefined && m.passwordEnv !== undefined) {
    throw new ConfigError(entry.source, `${entry.path}/passwordEnv`, 'give password or passwordEnv, not both');
  }
  if (m.passwordEnv !== undefined) {
    const value = env[m.passwordEnv];
    if (!value) throw new ConfigError(entry.source, `${entry.path}/passwordEnv`, `environment variable ${m.passwordEnv} is not set`);
    return value;
  }
  if (m.password === undefined) throw new ConfigError(entry.source, `${entry.path}/password`, 'is required (or passwordEnv)');
  return m.password;
}

function toWorkflow(entry: Entry): Workflow {
  const w = entry.data as unknown as YamlWorkflow & SandboxWorkflow;
  // mesh-sandbox upper-cases the mailbox IDs in workflows as it does mailbox IDs; doing the
  // same keeps `x26abc1` in a workflow pointing at mailbox X26ABC1.
  const ids = (list: string[]) => [...new Set(list.map((id) => id.toUpperCase()))];
  return {
    workflowId: entry.format === 'yaml' ? w.id : w.workflow_id,
    senders: ids(w.senders),
    receivers: ids(w.receivers),
  };
}

function where(e: Entry): string {
  return e.path ? `${e.source}#${e.path}` : e.source;
}
