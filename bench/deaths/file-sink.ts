/**
 * Buffered text output to a file with back-pressure: strings are batched into ~256 KiB writes,
 * and a write waits for 'drain' when the stream's buffer is full, so generating a million
 * records keeps memory flat whatever the disk's speed.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

const BATCH_CHARS = 256 * 1024;

/** A file being written; call close() to flush and learn its size. */
export class FileSink {
  private readonly stream: WriteStream;
  private pending: string[] = [];
  private pendingChars = 0;
  private failure: Error | null = null;
  bytes = 0;

  /** Opens (truncates) `path` for writing. */
  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { encoding: 'utf8' });
    this.stream.on('error', (err) => {
      this.failure = err;
    });
  }

  /** Queues text; resolves at once unless a batch had to wait for the disk. */
  async write(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= BATCH_CHARS) await this.flush();
  }

  /** Flushes and closes the file; resolves with its size in bytes. */
  async close(): Promise<number> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
    if (this.failure) throw this.failure;
    return this.bytes;
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.bytes += Buffer.byteLength(chunk, 'utf8');
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
    if (this.failure) throw this.failure;
  }
}
