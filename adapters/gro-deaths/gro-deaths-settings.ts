import { DEFAULT_TRACE_CONFIG, parseTraceConfig, type TraceConfig } from '../pds/trace/trace-config.js';
import { DEFAULT_GRO_XML_LIMITS, parseGroXmlLimits, type GroXmlLimits } from './xml/gro-xml-limits.js';

/** The gro-deaths adapter's route settings (conf/routes.yaml `target.settings`), defaults filled in. */
export interface GroDeathsSettings {
  /** Where registrations that cannot be matched safely go (required). */
  manualResolutionMailbox: string;
  /** Workflow of the notification to the GP practice, and of its endpoint lookup. */
  notificationWorkflow: string;
  manualResolutionWorkflow: string;
  /** Workflow of the per-file summary to the GRO sender (MESH's `<workflow>_ACK` convention). */
  summaryWorkflow: string;
  /** ODS code of the publisher named in the notification bundle (PDS is X26 in NEMS's messages). */
  publisherOds: string;
  /** Registrations traced, applied and committed together. */
  batchSize: number;
  trace: TraceConfig;
  xml: GroXmlLimits;
}

const WORKFLOW = /^[A-Za-z0-9_\-.]{1,300}$/;
const KEYS = new Set(['manualResolutionMailbox', 'notificationWorkflow', 'manualResolutionWorkflow', 'summaryWorkflow', 'publisherOds', 'batchSize', 'trace', 'xml']);

/** Checks and completes the settings; a string names what is wrong (shown at start-up). */
export function parseGroDeathsSettings(raw: Readonly<Record<string, unknown>>): GroDeathsSettings | string {
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) return `settings.${key} is not a gro-deaths setting`;
  const manual = raw['manualResolutionMailbox'];
  if (typeof manual !== 'string' || !/^[A-Za-z0-9]{1,20}$/.test(manual)) return 'settings.manualResolutionMailbox must be a mailbox ID';
  const workflows: Record<string, string> = {};
  for (const [key, fallback] of [
    ['notificationWorkflow', 'DEATHNOTIFICATION_1'],
    ['manualResolutionWorkflow', 'GRO_DEATH_MANUAL_RESOLUTION'],
    ['summaryWorkflow', 'GRO_DEATH_REGISTRATION_ACK'],
  ] as const) {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'string' || !WORKFLOW.test(v)) return `settings.${key} must be a workflow ID`;
    workflows[key] = v;
  }
  const publisherOds = raw['publisherOds'] ?? 'X26';
  if (typeof publisherOds !== 'string' || !/^[A-Z0-9]{2,10}$/.test(publisherOds)) return 'settings.publisherOds must be an ODS code';
  const batchSize = raw['batchSize'] ?? 500;
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5_000) return 'settings.batchSize must be an integer from 1 to 5000';
  const trace = raw['trace'] === undefined ? DEFAULT_TRACE_CONFIG : parseTraceConfig(raw['trace']);
  if (typeof trace === 'string') return `settings.trace: ${trace}`;
  const xml = raw['xml'] === undefined ? DEFAULT_GRO_XML_LIMITS : parseGroXmlLimits(raw['xml']);
  if (typeof xml === 'string') return `settings.xml: ${xml}`;
  return {
    manualResolutionMailbox: manual.toUpperCase(),
    notificationWorkflow: workflows['notificationWorkflow']!,
    manualResolutionWorkflow: workflows['manualResolutionWorkflow']!,
    summaryWorkflow: workflows['summaryWorkflow']!,
    publisherOds,
    batchSize,
    trace,
    xml,
  };
}
