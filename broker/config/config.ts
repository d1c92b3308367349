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
  /** Reported by /_ping as `env`. */
  environment: string;
  logLevel: string;
}
