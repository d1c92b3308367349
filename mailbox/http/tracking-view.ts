import type { Directory } from '../../broker/directory/directory.js';
import type { MessageRecord } from '../../broker/message/model.js';
import { isoSeconds, meshTimestamp } from './time-format.js';

const ts = (ms: number | null): string | null => (ms === null ? null : meshTimestamp(ms));

/** MESH's status words: the routing core's internal steps are all `accepted` to the sender. */
function meshStatus(m: MessageRecord): string {
  return m.status === 'routed' || m.status === 'processed' ? 'accepted' : m.status;
}

/** Tracking in the v2 shape (snake_case, lower-case status). */
export function trackingV2(m: MessageRecord, expiry: number | null, directory: Directory): Record<string, unknown> {
  const r = directory.getMailbox(m.recipient);
  return {
    message_id: m.messageId,
    local_id: m.localId,
    workflow_id: m.workflowId,
    filename: m.fileName,
    expiry_time: ts(expiry),
    upload_timestamp: ts(m.createdAt),
    recipient: m.recipient,
    recipient_name: r?.mailboxName ?? null,
    recipient_ods_code: r?.odsCode ?? null,
    recipient_org_code: r?.orgCode ?? null,
    recipient_org_name: r?.orgName ?? null,
    status_success: m.statusSuccess,
    status: meshStatus(m),
    status_event: m.statusEvent,
    status_timestamp: isoSeconds(m.updatedAt),
    status_description: m.statusDescription,
    status_code: m.statusCode,
  };
}

/** Tracking in the v1 shape (camelCase, Title-case status, compact timestamps). */
export function trackingV1(m: MessageRecord, expiry: number | null, directory: Directory): Record<string, unknown> {
  const r = directory.getMailbox(m.recipient);
  const s = directory.getMailbox(m.sender);
  return {
    addressType: 'ALL',
    checksum: m.checksum,
    chunkCount: m.totalChunks,
    compressFlag: m.compressed ? 'Y' : null,
    contentEncoding: m.contentEncoding,
    downloadTimestamp: ts(m.acknowledgedAt),
    dtsId: m.messageId,
    encryptedFlag: m.encrypted ? 'Y' : null,
    expiryTime: ts(expiry),
    failureDate: m.statusSuccess === false ? ts(m.updatedAt) : null,
    failureDiagnostic: m.statusSuccess === false ? m.statusDescription : null,
    fileName: m.fileName,
    fileSize: m.fileSize,
    isCompressed: m.compressed ? 'Y' : null,
    linkedMsgId: m.linkedMessageId,
    localId: m.localId,
    meshRecipientOdsCode: r?.odsCode ?? null,
    messageId: m.messageId,
    messageType: m.messageType,
    partnerId: m.partnerId,
    recipient: m.recipient,
    recipientBillingEntity: r?.billingEntity ?? null,
    recipientName: r?.mailboxName ?? null,
    recipientOrgCode: r?.orgCode ?? null,
    recipientOrgName: r?.orgName ?? null,
    recipientSmtp: `${m.recipient.toLowerCase()}@dts.nhs.uk`,
    sender: m.sender,
    senderBillingEntity: s?.billingEntity ?? null,
    senderName: s?.mailboxName ?? null,
    senderOdsCode: s?.odsCode ?? null,
    senderOrgCode: s?.orgCode ?? null,
    senderOrgName: s?.orgName ?? null,
    senderSmtp: m.sender ? `${m.sender.toLowerCase()}@dts.nhs.uk` : null,
    status: meshStatus(m).charAt(0).toUpperCase() + meshStatus(m).slice(1),
    statusCode: m.statusCode,
    statusDescription: m.statusDescription,
    statusEvent: m.statusEvent,
    statusSuccess: m.statusSuccess === null ? null : m.statusSuccess ? 'SUCCESS' : 'ERROR',
    statusTimestamp: m.statusCode ? ts(m.updatedAt) : null,
    subject: m.subject,
    uploadTimestamp: ts(m.createdAt),
    version: '1.0',
    workflowId: m.workflowId,
  };
}
