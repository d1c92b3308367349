import type { EventInput } from '../message/model.js';

/** The event rows the broker writes, in MESH's words, built in one place. */
export const events = {
  uploading: (): EventInput => ({ status: 'uploading', event: 'UPLOAD', code: null, description: 'Chunked upload in progress', linkedMessageId: null }),
  accepted: (): EventInput => ({ status: 'accepted', event: 'TRANSFER', code: '00', description: 'Transferred to recipient mailbox', linkedMessageId: null }),
  routed: (adapter: string): EventInput => ({ status: 'routed', event: 'ROUTED', code: null, description: `Accepted and routed to adapter ${adapter}`, linkedMessageId: null }),
  acknowledged: (): EventInput => ({ status: 'acknowledged', event: 'ACKNOWLEDGED', code: '00', description: 'Message acknowledged by recipient', linkedMessageId: null }),
} as const;
