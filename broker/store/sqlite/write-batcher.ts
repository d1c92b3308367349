import type Database from 'better-sqlite3';

/** A synchronous unit of work run inside the batch transaction; throwing undoes only its own writes. */
export type WriteOp<T> = () => T;

interface Pending {
  op: WriteOp<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface WriteBatcherOptions {
  /** Most ops committed by one transaction; the rest wait for the next turn of the event loop. */
  maxBatch?: number;
}

/** Counters for tests and metrics. */
export interface WriteBatcherStats {
  /** Transactions committed. */
  commits: number;
  /** Ops that committed successfully. */
  ops: number;
}

/**
 * Group commit. With synchronous=FULL every COMMIT is an fsync, which caps a one-transaction-per-request
 * store at a few hundred writes a second. Instead, writes queued during one turn of the event loop share
 * one transaction (one fsync); each runs inside its own SAVEPOINT, so a failing op is rolled back alone
 * and the others still commit. No promise resolves before the COMMIT that made its write durable.
 */
export class WriteBatcher {
  private queue: Pending[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  private closed = false;
  private readonly maxBatch: number;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackTo: Database.Statement;
  readonly stats: WriteBatcherStats = { commits: 0, ops: 0 };

  constructor(
    private readonly db: Database.Database,
    opts: WriteBatcherOptions = {},
  ) {
    this.maxBatch = Math.max(1, opts.maxBatch ?? 256);
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT op');
    this.release = db.prepare('RELEASE op');
    this.rollbackTo = db.prepare('ROLLBACK TO op');
  }

  /** Queues a write; resolves with its result once committed, or rejects with what it threw. */
  enqueue<T>(op: WriteOp<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('write batcher is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Commits everything queued so far, synchronously. */
  flush(): void {
    if (this.scheduled !== null) {
      clearImmediate(this.scheduled);
      this.scheduled = null;
    }
    while (this.queue.length > 0) this.runBatch();
  }

  /** Commits what is queued and refuses further writes. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private schedule(): void {
    if (this.scheduled !== null) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = null;
      this.runBatch();
      // Ops beyond maxBatch wait a turn, so I/O and resolved callers interleave with a long queue.
      if (this.queue.length > 0) this.schedule();
    });
  }

  private runBatch(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    try {
      this.begin.run();
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    // Outcomes are settled only after COMMIT; until then a success is only provisional.
    const done: { p: Pending; value: unknown }[] = [];
    const failed: { p: Pending; err: unknown }[] = [];
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      try {
        this.savepoint.run();
        const value = p.op();
        this.release.run();
        done.push({ p, value });
      } catch (err) {
        failed.push({ p, err });
        this.undoOp();
      }
      if (!this.db.inTransaction) {
        // Some errors (SQLITE_FULL, IOERR, ...) make SQLite abandon the whole transaction, taking the
        // earlier ops' writes with it. Those fail; the ops not yet run go back to the queue's front.
        const lost = new Error('transaction rolled back by SQLite after a write failed');
        for (const d of done) failed.push({ p: d.p, err: lost });
        done.length = 0;
        this.queue.unshift(...batch.slice(i + 1));
        break;
      }
    }
    if (this.db.inTransaction) {
      try {
        this.commit.run();
      } catch (err) {
        if (this.db.inTransaction) this.rollback.run();
        for (const d of done) d.p.reject(err);
        for (const f of failed) f.p.reject(f.err);
        return;
      }
      this.stats.commits++;
      this.stats.ops += done.length;
    }
    for (const d of done) d.p.resolve(d.value);
    for (const f of failed) f.p.reject(f.err);
  }

  /** Undoes the current op's writes only; if even that fails, abandons the transaction. */
  private undoOp(): void {
    if (!this.db.inTransaction) return;
    try {
      this.rollbackTo.run();
      this.release.run();
    } catch {
      try {
        this.rollback.run();
      } catch {
        // Nothing left to undo: the loop sees inTransaction false and fails the batch's earlier ops.
      }
    }
  }
}
