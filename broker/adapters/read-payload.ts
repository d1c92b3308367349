import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { MessageRecord } from '../message/model.js';
import type { ObjectStore } from '../objects/object-store.js';
import { openPayload } from '../payloads/payload-ingest.js';
import type { MessageStore } from '../store/message-store.js';

/**
 * A message's whole payload as one stream: chunks in order, each gunzipped on its own when the
 * message was sent gzip (MESH clients compress every chunk separately).
 */
export async function readWholePayload(store: MessageStore, objects: ObjectStore, message: MessageRecord): Promise<Readable> {
  async function* bytes(): AsyncGenerator<Buffer> {
    for (let n = 1; n <= message.totalChunks; n++) {
      const chunk = await store.getChunk(message.messageId, n);
      if (!chunk) throw new Error(`message ${message.messageId} is missing chunk ${n}`);
      const raw = await openPayload(objects, chunk);
      const stream = message.contentEncoding === 'gzip' ? raw.pipe(createGunzip()) : raw;
      if (stream !== raw) raw.on('error', (err) => stream.destroy(err));
      for await (const b of stream) yield b as Buffer;
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}
