import type { BrokerError, BrokerErrorCode } from '../../broker/errors.js';

/** Which shape of the MESH API a client asked for (Accept header). */
export type ApiVersion = 1 | 2;

type ErrorBody =
  | { kind: 'mesh'; event: string; code: string; description: string; fields?: string[] }
  | { kind: 'validation'; loc: string[]; msg: string; type: string }
  | { kind: 'none' };

/** An HTTP error the MESH API returns: status plus a body rendered in the client's API version. */
export class MeshHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly messageId: string | null = null,
    /** Why, for the log; never sent to the client (auth failures must not say which check failed). */
    readonly reason: string = body.kind === 'mesh' ? body.description : body.kind === 'validation' ? body.msg : '',
  ) {
    super(reason || `HTTP ${status}`);
    this.name = 'MeshHttpError';
  }

  /** The JSON body for this API version, or null for a bare response. */
  render(version: ApiVersion): Record<string, unknown> | null {
    const b = this.body;
    if (b.kind === 'none') return null;
    if (b.kind === 'validation') return { detail: [{ loc: b.loc, msg: b.msg, type: b.type }] };
    if (version === 1) {
      return {
        ...(this.messageId ? { messageID: this.messageId } : {}),
        errorEvent: b.event,
        errorCode: b.code,
        errorDescription: b.description,
        ...(b.fields ? { fields: b.fields } : {}),
      };
    }
    return {
      ...(this.messageId ? { message_id: this.messageId, internal_id: this.messageId } : {}),
      detail: [{ event: b.event, code: b.code, msg: b.description, ...(b.fields ? { fields: b.fields } : {}) }],
    };
  }
}

const mesh = (status: number, event: string, code: string, description: string, messageId: string | null = null, fields?: string[]): MeshHttpError =>
  new MeshHttpError(status, { kind: 'mesh', event, code, description, ...(fields ? { fields } : {}) }, messageId);

/** The catalogue: every error the mailbox API returns is built here. */
export const meshErrors = {
  /** 403 with no body: no or unusable credentials (MESH gives no detail). */
  forbidden: (reason: string) => new MeshHttpError(403, { kind: 'none' }, null, reason),
  /** 403 for a token naming a mailbox that does not exist. */
  noMailboxMatched: (mailboxId: string) => new MeshHttpError(403, { kind: 'mesh', event: 'SEND', code: 'EPL-151', description: 'No mailbox matched' }, null, `unknown mailbox ${mailboxId}`),
  validation: (loc: string[], msg: string, type = 'value_error') => new MeshHttpError(400, { kind: 'validation', loc, msg, type }),
  missingHeader: (name: string) => new MeshHttpError(400, { kind: 'validation', loc: ['header', name], msg: 'field required', type: 'value_error.missing' }),
  headerTooLong: (name: string, max: number) =>
    new MeshHttpError(400, { kind: 'validation', loc: ['header', name], msg: `ensure this value has at most ${max} characters`, type: 'value_error.any_str.max_length' }),
  malformedControlFile: (fields: string[]) => mesh(400, 'TRANSFER', '06', 'MalformedControlFile', null, fields),
  toMissing: () => mesh(400, 'SEND', '08', 'TO_DTS missing'),
  fromMismatch: () => mesh(417, 'SEND', '07', 'From address does not match the authenticated mailbox'),
  invalidChecksum: () => mesh(400, 'SEND', 'Invalid checksum', 'Invalid checksum'),
  unsupportedEncoding: (encoding: string) => mesh(422, 'SEND', 'UnsupportedContentEncoding', `Unsupported content encoding: ${encoding}`),
  invalidChunkHeader: (detail: string, messageId: string | null = null) => mesh(417, 'SEND', 'InvalidHeaderChunks', detail, messageId),
  badAccept: (value: string) => new MeshHttpError(400, { kind: 'validation', loc: ['header', 'accept'], msg: `unsupported API version in Accept: ${value}`, type: 'value_error' }),
  ambiguousLocalId: () => mesh(300, 'TRACKING', 'Multiple', 'Multiple messages match this local ID'),
  payloadTooLarge: (max: number) => mesh(413, 'SEND', 'PayloadTooLarge', `the request body exceeds ${max} bytes`),
  notFound: (what: string) => mesh(404, 'RECEIVE', '20', what),
  adminDisabled: () => mesh(404, 'ADMIN', 'NotFound', 'Not Found'),
  /** 503: a backing service is down; mesh_client retries 503 with back-off (mesh-api-notes.md §6). */
  serviceUnavailable: (dependency: string) =>
    new MeshHttpError(503, { kind: 'mesh', event: 'SERVICE', code: '503', description: 'Service temporarily unavailable, retry later' }, null, `${dependency} unavailable`),
} as const;

const fromBrokerTable: Record<BrokerErrorCode, (e: BrokerError) => MeshHttpError> = {
  unknown_recipient: (e) => mesh(417, 'SEND', '12', 'Unregistered to address', e.messageId),
  inactive_recipient: (e) => mesh(417, 'SEND', '14', 'Undelivered message: recipient mailbox is not active', e.messageId),
  address_unresolved: (e) => mesh(417, 'SEND', e.meshCode ?? 'EPL-151', e.meshCode === 'EPL-150' ? 'Multiple mailboxes matched' : e.meshCode === 'EPL-151' || !e.meshCode ? 'No mailbox matched' : e.message, e.messageId),
  sender_not_permitted: (e) => mesh(417, 'SEND', '17', 'Workflow not registered for sending mailbox', e.messageId),
  recipient_not_permitted: (e) => mesh(417, 'SEND', '17', 'Workflow not registered for receiving mailbox', e.messageId),
  unregistered_workflow: (e) => mesh(417, 'SEND', '17', 'Workflow ID is not registered', e.messageId),
  message_not_found: (e) => mesh(404, 'RECEIVE', '20', 'Message does not exist', e.messageId),
  chunk_not_found: (e) => mesh(404, 'RECEIVE', '20', 'Chunk does not exist', e.messageId),
  not_sender: (e) => mesh(403, 'SEND', '07', 'Mailbox is not the sender of this message', e.messageId),
  not_recipient: (e) => mesh(403, 'RECEIVE', '20', 'Mailbox is not the recipient of this message', e.messageId),
  not_available: (e) => mesh(410, 'RECEIVE', '20', 'Message is no longer available for download', e.messageId),
  not_uploading: (e) => mesh(423, 'SEND', 'Locked', 'Message upload is already finalised', e.messageId),
  chunk_out_of_range: (e) => mesh(417, 'SEND', 'InvalidHeaderChunks', e.message, e.messageId),
  encoding_changed: (e) => mesh(417, 'SEND', 'InvalidHeaderChunks', 'cannot change content encoding', e.messageId),
  payload_too_large: (e) => mesh(413, 'SEND', 'PayloadTooLarge', e.message, e.messageId),
  payload_empty: (e) => mesh(417, 'COLLECT', '02', 'Data file is missing or inaccessible', null),
};

/** Maps a broker failure to the MESH status and error body. */
export function meshErrorFromBroker(err: BrokerError): MeshHttpError {
  return fromBrokerTable[err.code](err);
}
