/** meshd's configuration after files, environment and flags are merged and validated. */

export interface TlsConfig {
  certFile: string;
  keyFile: string;
  /** CA bundle used to verify client certificates (mutual TLS). */
  caFile: string | null;
  requireClientCert: boolean;
}

export interface LimitsConfig {
  /** Largest request body accepted, counted on decoded bytes (MESH: 100 MB). */
  maxRequestBytes: number;
  /** Largest N in a `mex-Chunk-Range: n:N`. */
  maxChunks: number;
  /** Chunks up to this size are kept inline in the metadata store (one fsync with the metadata). */
  inlineChunkBytes: number;
  /** Inbox page size bounds (MESH: 10..5000, default 500). */
  inboxMaxResultsDefault: number;
}

export interface AuthConfig {
  /** Environment-wide shared secret for the NHSMESH HMAC. */
  sharedKey: string;
  /** Largest accepted difference between token timestamp and server clock, in minutes (MESH: 120). */
  maxClockSkewMinutes: number;
}

/** Which parts of meshd this process runs, so HTTP nodes and adapter workers scale separately. */
export interface RolesConfig {
  api: boolean;
  workers: boolean;
}

/** The routing core: routes file, transport, and how adapters are fed. */
export interface RoutingConfig {
  /** conf/routes.yaml or similar; null means every message is delivered to its recipient's inbox. */
  routesFile: string | null;
  /** 'embedded' (in-process) or an amqp:// or amqps:// URL (credentials may come from MESH_AMQP_URL). */
  transport: string;
  /** Prefix for every exchange and queue name (lets several deployments or tests share a RabbitMQ vhost). */
  queuePrefix: string;
  /** Deliveries each adapter consumer works on at once. */
  prefetch: number;
  /** Attempts in all (first try included) before a message is parked. */
  retryAttempts: number;
  /** Delay before each retry, in milliseconds; the last repeats. */
  retryDelaysMs: number[];
  /** How often the outbox sweeper looks for messages to (re)publish. */
  sweepIntervalMs: number;
  /** A published message not processed after this long is published again. */
  republishAfterMs: number;
}

export type { JobsConfig } from './jobs-config.js';

export interface MeshdConfig {
  /** Where the config file was read from, if any (for error messages). */
  configFile: string | null;
  host: string;
  port: number;
  dataDir: string;
  tls: TlsConfig | null;
  auth: AuthConfig;
  /** YAML or mesh-sandbox JSONL files with mailboxes, resolved to absolute paths. */
  mailboxFiles: string[];
  workflowFiles: string[];
  strictWorkflows: boolean;
  sandboxAdmin: boolean;
  /** Allow the sandbox admin API on a non-loopback address. */
  sandboxAdminForce: boolean;
  limits: LimitsConfig;
  /** Days an accepted message stays collectable (MESH: 5). */
  inboxExpiryDays: number;
  /** Scheduled housekeeping jobs (absent = DEFAULT_JOBS with inboxExpiryDays). */
  jobs?: import('./jobs-config.js').JobsConfig;
  /** Reported by /_ping as `env`. */
  environment: string;
  logLevel: string;
  roles: RolesConfig;
  routing: RoutingConfig;
  /** `sqlite:PATH` or `postgres://...`; null means SQLite at `<dataDir>/meshd.sqlite`. */
  metadata: string | null;
  /** `file:DIR` or `s3://BUCKET?endpoint=...`; null means the filesystem at `<dataDir>/objects`. */
  objects: string | null;
  /** Bearer token for the operator admin API (parking lot); null disables that API. From MESH_ADMIN_TOKEN. */
  adminToken: string | null;
  /**
   * On SIGTERM, how long in-flight requests and adapter work get to finish before meshd forces its
   * connections closed and exits 1 (absent = 25 s: under compose's and Kubernetes' 30 s grace).
   */
  shutdownTimeoutMs?: number;
  /** On SIGTERM, how long /readyz answers 503 while the listener still serves, before intake stops (absent = 0). */
  shutdownDrainMs?: number;
  /** Serve Prometheus metrics at /metrics (absent = true). */
  metrics?: boolean;
}
