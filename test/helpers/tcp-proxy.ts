/**
 * A TCP proxy a test can cut: the network between meshd and RabbitMQ, under the test's control.
 * Cutting destroys every proxied socket (both ends see the connection drop at once, as when a
 * link or a broker host dies) and refuses new connections until restore() is called.
 */

import net from 'node:net';
import type { Test } from 'tap';

export interface TcpProxyOptions {
  targetHost?: string;
  targetPort?: number;
}

export class TcpProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly clients = new Set<net.Socket>();
  private cutNow = false;
  private listenPort = 0;
  /** Client connections accepted and forwarded, in all. */
  accepted = 0;
  /** Client connections turned away while cut. */
  refused = 0;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => this.onClient(client));
  }

  /** Listens on 127.0.0.1 (a free port); closed at `t`'s teardown. */
  static async start(t: Test, opts: TcpProxyOptions = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy({ host: opts.targetHost ?? '127.0.0.1', port: opts.targetPort ?? 5672 });
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => {
        proxy.server.off('error', reject);
        resolve();
      });
    });
    proxy.listenPort = (proxy.server.address() as net.AddressInfo).port;
    t.teardown(() => proxy.close());
    return proxy;
  }

  get port(): number {
    return this.listenPort;
  }

  get isCut(): boolean {
    return this.cutNow;
  }

  /** Proxied connections open right now. */
  get open(): number {
    return this.clients.size;
  }

  /** `amqp://user:pass@127.0.0.1:<proxy port>/vhost` for an amqp URL that points at the target. */
  amqpUrl(through: string): string {
    const u = new URL(through);
    u.hostname = '127.0.0.1';
    u.port = String(this.listenPort);
    return u.toString();
  }

  /** Drops every proxied connection and refuses new ones. */
  cut(): void {
    this.cutNow = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /** Accepts and forwards new connections again. */
  restore(): void {
    this.cutNow = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onClient(client: net.Socket): void {
    // Accepting then resetting (rather than closing the listener) keeps the port ours while cut,
    // so restore() can never find it taken by someone else; the client sees ECONNRESET at once.
    if (this.cutNow) {
      this.refused++;
      client.resetAndDestroy();
      return;
    }
    this.accepted++;
    this.clients.add(client);
    client.once('close', () => this.clients.delete(client));
    const upstream = net.connect(this.target.port, this.target.host);
    const pair = [client, upstream];
    for (const s of pair) {
      this.sockets.add(s);
      s.setNoDelay(true);
      // Either side failing takes the other down with it, as a dead link would.
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        for (const other of pair) if (other !== s) other.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
