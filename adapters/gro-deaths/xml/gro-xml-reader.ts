import type { Readable } from 'node:stream';
import { SaxesParser } from 'saxes';
import type { SaxesTagNS } from 'saxes';
import type { GroRegistration, InvalidRegistration } from '../registration.js';
import { validateRegistration } from '../validate-registration.js';
import type { FieldElement, RecordFields } from '../validate-registration.js';
import { DEFAULT_GRO_XML_LIMITS } from './gro-xml-limits.js';
import type { GroXmlLimits } from './gro-xml-limits.js';

/** The namespace of GRO's death extract root element (message-formats.md §1.2). */
export const GRO_NAMESPACE = 'http://www.ons.gov.uk/gro/OGDDeathExtractDWP';

/** Why a GRO file was refused as a whole. */
export type GroFileErrorCode =
  | 'empty' // no root element at all
  | 'malformed' // not well-formed XML 1.0 (includes undeclared entities and truncation)
  | 'encoding' // not UTF-8
  | 'doctype' // any DOCTYPE: it is how entity expansion and external entities get in
  | 'namespace' // root is not DeathRegistrationGroup in GRO_NAMESPACE
  | 'structure' // unexpected element or text at group level, RecordCount not last, processing instructions
  | 'too-large' // over one of GroXmlLimits
  | 'record-count'; // RecordCount missing, not an integer, or not the number of DeathRegistration elements

/** Pass 1's verdict on a whole file. */
export type GroScanResult = { ok: true; records: number } | { ok: false; code: GroFileErrorCode; message: string };

/** A file-level failure, thrown by readGroRegistrations (pass 2) and returned as a value by scanGroFile. */
export class GroXmlError extends Error {
  constructor(readonly code: GroFileErrorCode, message: string) {
    super(message);
    this.name = 'GroXmlError';
  }
}

// Input is fed to the parser in slices so the limits are checked, and records handed on, every SLICE_BYTES.
const SLICE_BYTES = 16 * 1024;
// Room for the markup around one token (tag names, namespace declarations) on top of maxTextLength.
const MARKUP_ALLOWANCE = 4096;
const ACCEPTED_ENCODINGS = /^(?:utf-?8|us-ascii)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Pass 1: checks a whole file (well-formedness, namespace, structure, limits, RecordCount) without keeping records. */
export async function scanGroFile(input: Readable, limits: GroXmlLimits): Promise<GroScanResult> {
  const walker = new GroXmlWalker(limits, null);
  try {
    for await (const chunk of input) {
      for (const slice of slicesOf(chunk)) walker.write(slice);
    }
    return { ok: true, records: walker.end() };
  } catch (err) {
    if (err instanceof GroXmlError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

/**
 * Pass 2: the file's DeathRegistrations in order, each validated. The stream is read only as the consumer asks
 * for records, so at most one slice's worth of records is ever held. Throws GroXmlError if the file is bad.
 */
export async function* readGroRegistrations(
  input: Readable,
  limits: GroXmlLimits,
  opts: { today: string },
): AsyncGenerator<GroRegistration | InvalidRegistration> {
  if (!DATE.test(opts.today)) throw new RangeError(`today must be YYYY-MM-DD, got ${JSON.stringify(opts.today)}`);
  const pending: RecordFields[] = [];
  const walker = new GroXmlWalker(limits, (record) => pending.push(record));
  let ordinal = 0;
  for await (const chunk of input) {
    for (const slice of slicesOf(chunk)) {
      walker.write(slice);
      for (const record of pending.splice(0)) yield validateRegistration(record, ++ordinal, opts.today);
    }
  }
  walker.end();
  for (const record of pending.splice(0)) yield validateRegistration(record, ++ordinal, opts.today);
}

function* slicesOf(chunk: unknown): Generator<Uint8Array> {
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Uint8Array);
  if (!(bytes instanceof Uint8Array)) throw new TypeError('GRO XML input must be a byte or string stream');
  for (let at = 0; at < bytes.length; at += SLICE_BYTES) yield bytes.subarray(at, at + SLICE_BYTES);
}

/**
 * saxes's on() stores each handler under a computed key, and V8 turns an object into a slow dictionary once more than
 * about a dozen properties have been added that way: every field access in the parser's inner loop then pays (4x
 * slower here with our eleven handlers). Adding the slots first, by name, keeps the parser's fast shape; on() then
 * only overwrites them. The names are saxes 6's own (EVENT_NAME_TO_HANDLER_NAME); were they to change, this would
 * cost speed, not correctness.
 */
function reserveHandlerSlots(parser: object): void {
  const slots = parser as Record<string, unknown>;
  slots.xmldeclHandler = undefined;
  slots.textHandler = undefined;
  slots.piHandler = undefined;
  slots.doctypeHandler = undefined;
  slots.commentHandler = undefined;
  slots.openTagStartHandler = undefined;
  slots.attributeHandler = undefined;
  slots.openTagHandler = undefined;
  slots.closeTagHandler = undefined;
  slots.cdataHandler = undefined;
  slots.errorHandler = undefined;
  slots.endHandler = undefined;
  slots.readyHandler = undefined;
}

type Phase = 'prolog' | 'group' | 'record' | 'count' | 'epilog';

/** One pass over one file: saxes plus the GRO structure rules and limits; records go to onRecord as they close. */
class GroXmlWalker {
  private readonly parser = new SaxesParser({ xmlns: true, position: true, defaultXMLVersion: '1.0', forceXMLVersion: true });
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly limits: Required<GroXmlLimits>;
  private readonly runLimit: number;
  private bytes = 0;
  private phase: Phase = 'prolog';
  private depth = 0;
  private records = 0;
  private countText: string | null = null;
  private readonly stack: FieldElement[] = [];
  private elementsInRecord = 0;
  private attributes = 0;
  private lastEventAt = 0;
  private charsWritten = 0;
  // Before the root, what saxes has not yet reported on (give or take the last character of a token): without a
  // '<' in it the file is empty, with one it ends inside a tag.
  private prologTail = '';

  constructor(limits: GroXmlLimits, private readonly onRecord: ((record: RecordFields) => void) | null) {
    this.limits = { ...limits, maxAttributes: limits.maxAttributes ?? DEFAULT_GRO_XML_LIMITS.maxAttributes };
    this.runLimit = this.limits.maxTextLength + MARKUP_ALLOWANCE;
    const p = this.parser;
    reserveHandlerSlots(p);
    p.on('error', (err) => {
      throw new GroXmlError('malformed', `malformed XML at ${this.where()}: ${err.message.replace(/^\d+:\d+: /, '')}`);
    });
    p.on('xmldecl', (decl) => {
      this.mark();
      if (decl.version !== '1.0') throw new GroXmlError('malformed', `XML version ${JSON.stringify(decl.version)} is not accepted; GRO files are XML 1.0`);
      if (decl.encoding !== undefined && !ACCEPTED_ENCODINGS.test(decl.encoding)) {
        throw new GroXmlError('encoding', `encoding ${JSON.stringify(decl.encoding)} is not accepted; the file must be UTF-8`);
      }
    });
    p.on('doctype', () => {
      throw new GroXmlError('doctype', `a DOCTYPE declaration is refused (${this.where()}): it could declare entities to expand or fetch`);
    });
    p.on('processinginstruction', (pi) => {
      throw new GroXmlError('structure', `processing instruction <?${pi.target.slice(0, 40)}?> is not allowed (${this.where()})`);
    });
    p.on('comment', (comment) => {
      this.mark();
      if (comment.length > this.runLimit) this.tooLarge(`a comment of more than ${this.runLimit} characters`);
    });
    p.on('opentagstart', () => {
      this.mark();
      this.attributes = 0;
    });
    p.on('attribute', (attribute) => {
      this.mark();
      if (attribute.value.length > this.runLimit) this.tooLarge(`an attribute value of more than ${this.runLimit} characters`);
      if (++this.attributes > this.limits.maxAttributes) this.tooLarge(`more than ${this.limits.maxAttributes} attributes on one element`);
    });
    p.on('opentag', (tag) => this.openTag(tag));
    p.on('closetag', () => this.closeTag());
    p.on('text', (text) => this.text(text));
    p.on('cdata', (text) => this.text(text));
  }

  /** Feeds the next bytes of the file. */
  write(bytes: Uint8Array): void {
    this.bytes += bytes.length;
    if (this.bytes > this.limits.maxBytes) this.tooLarge(`file over ${this.limits.maxBytes} bytes`);
    this.feed(this.decode(bytes, true));
  }

  /** Ends the file and returns its number of DeathRegistration elements, once every file-level rule has held. */
  end(): number {
    this.feed(this.decode(new Uint8Array(0), false));
    if (this.phase === 'prolog' && !this.prologTail.includes('<')) {
      throw new GroXmlError('empty', 'the file holds no XML element (nothing but whitespace, an XML declaration or comments)');
    }
    this.parser.close();
    if (this.countText === null) throw new GroXmlError('record-count', 'RecordCount is missing');
    const count = this.countText.trim();
    if (!/^\d{1,9}$/.test(count)) throw new GroXmlError('record-count', `RecordCount ${JSON.stringify(count.slice(0, 40))} is not an integer`);
    if (Number(count) !== this.records) {
      throw new GroXmlError('record-count', `RecordCount is ${Number(count)} but the file holds ${this.records} DeathRegistration elements`);
    }
    return this.records;
  }

  private decode(bytes: Uint8Array, stream: boolean): string {
    try {
      return this.decoder.decode(bytes, { stream });
    } catch {
      throw new GroXmlError('encoding', `the file is not valid UTF-8 (within bytes ${this.bytes - bytes.length}..${this.bytes})`);
    }
  }

  private feed(text: string): void {
    if (text.length === 0) return;
    this.parser.write(text);
    // Counted here: after write() returns, saxes's own position getter runs one chunk ahead.
    this.charsWritten += text.length;
    const unreported = this.charsWritten - this.lastEventAt;
    if (this.phase === 'prolog') this.prologTail = unreported === 0 ? '' : (this.prologTail + text).slice(-unreported);
    // saxes holds a token (text, comment, DOCTYPE, attribute value) until it ends: cap what it may hold.
    if (unreported > this.runLimit) {
      this.tooLarge(`more than ${this.runLimit} characters without markup (maxTextLength ${this.limits.maxTextLength})`);
    }
  }

  private openTag(tag: SaxesTagNS): void {
    this.mark();
    if (++this.depth > this.limits.maxDepth) this.tooLarge(`elements nested deeper than ${this.limits.maxDepth}`);
    switch (this.phase) {
      case 'prolog':
        if (tag.local !== 'DeathRegistrationGroup' || tag.uri !== GRO_NAMESPACE) {
          throw new GroXmlError('namespace', `root element is {${tag.uri}}${tag.local}, expected {${GRO_NAMESPACE}}DeathRegistrationGroup`);
        }
        this.phase = 'group';
        return;
      case 'group':
        return this.openGroupChild(tag.local);
      case 'record': {
        if (++this.elementsInRecord > this.limits.maxElementsPerRecord) {
          this.tooLarge(`DeathRegistration ${this.records} has more than ${this.limits.maxElementsPerRecord} elements`);
        }
        const parent = this.stack[this.stack.length - 1];
        const element: FieldElement = { name: tag.local, text: '', children: [] };
        if (parent !== undefined) {
          if (parent.text.trim() === '') parent.text = ''; // indentation before the first child
          parent.children.push(element);
        }
        this.stack.push(element);
        return;
      }
      case 'count':
        throw this.structure(`RecordCount holds an element <${tag.name}>`);
      case 'epilog':
        throw this.structure(`element <${tag.name}> after the root element`);
    }
  }

  private openGroupChild(local: string): void {
    if (local === 'DeathRegistration') {
      if (this.countText !== null) throw this.structure('DeathRegistration after RecordCount: RecordCount must be last');
      if (++this.records > this.limits.maxRecords) this.tooLarge(`more than ${this.limits.maxRecords} DeathRegistration elements`);
      this.phase = 'record';
      this.elementsInRecord = 0;
      this.stack.push({ name: local, text: '', children: [] });
    } else if (local === 'RecordCount') {
      if (this.countText !== null) throw this.structure('RecordCount appears twice');
      this.phase = 'count';
      this.countText = '';
    } else {
      throw this.structure(`unexpected element <${local.slice(0, 60)}> in DeathRegistrationGroup`);
    }
  }

  private closeTag(): void {
    this.mark();
    this.depth--;
    if (this.phase === 'record') {
      const element = this.stack.pop();
      if (this.stack.length === 0 && element !== undefined) {
        this.phase = 'group';
        this.onRecord?.(element);
      }
    } else if (this.phase === 'count') {
      this.phase = 'group';
    } else if (this.phase === 'group') {
      this.phase = 'epilog';
    }
  }

  private text(text: string): void {
    this.mark();
    if (text.length > this.limits.maxTextLength) this.tooLarge(`a text node of more than ${this.limits.maxTextLength} characters`);
    const blank = text.trim() === '';
    switch (this.phase) {
      case 'prolog':
      case 'epilog':
        if (!blank) throw new GroXmlError('malformed', `malformed XML at ${this.where()}: text outside the root element`);
        return;
      case 'group':
        if (!blank) throw this.structure('text directly inside DeathRegistrationGroup');
        return;
      case 'count':
        this.countText = this.appendBounded(this.countText ?? '', text);
        return;
      case 'record': {
        const element = this.stack[this.stack.length - 1];
        if (element === undefined || (blank && element.children.length > 0)) return;
        element.text = this.appendBounded(element.text, text);
      }
    }
  }

  private appendBounded(existing: string, text: string): string {
    const joined = existing + text;
    if (joined.length > this.limits.maxTextLength) this.tooLarge(`an element's text is over ${this.limits.maxTextLength} characters`);
    return joined;
  }

  private mark(): void {
    this.lastEventAt = this.parser.position;
  }

  private tooLarge(what: string): never {
    throw new GroXmlError('too-large', `${what} (${this.where()})`);
  }

  private structure(what: string): GroXmlError {
    return new GroXmlError('structure', `${what} (${this.where()})`);
  }

  private where(): string {
    return `line ${this.parser.line}, column ${this.parser.column + 1}`;
  }
}
