/**
 * Connections and statement recording for one apply/destroy run.
 *
 * Upstream (config.go Client.Connect, helpers.go startTransaction) keeps one database/sql pool per
 * database and runs plain `db.Exec/QueryRow` on any pooled connection while `txn.*` runs on the
 * connection pinned by BEGIN. Some resources depend on that split (resource_postgresql_database.go
 * holds an advisory-lock transaction open while CREATE DATABASE, which cannot run in a transaction,
 * goes through the pool), so we keep the same shape: `pool(db)` = autocommit on an idle connection,
 * `transaction(db, fn)` = BEGIN on a dedicated connection, ROLLBACK unless fn committed (the
 * provider's `defer deferredRollback(txn)`). Unlike upstream (SetMaxIdleConns(0)) idle connections
 * are reused, which changes connection count, not the SQL.
 */
import type { Client } from "pg";
import type { ProviderSettings } from "./resources";

/** Gives a connected client, logged in as the deploying user, for one database. */
export type Connector = (database: string) => Promise<Client>;

/** write = anything that can change the catalogues; lock = SET statement_timeout / advisory locks. */
export type StatementKind = "read" | "lock" | "tx" | "write";

export interface StatementRecord {
  database: string;
  sql: string;
  params?: unknown[];
  kind: StatementKind;
  /** Server NOTICE/WARNING messages, e.g. `WARNING: no privileges were granted for "app"`. */
  notices: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- catalogue rows are checked at use
export type Row = Record<string, any>;

export interface Queryable {
  q(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface Tx extends Queryable {
  commit(): Promise<void>;
}

function classify(sql: string): StatementKind {
  const s = sql.trim().toUpperCase();
  if (/^(BEGIN|COMMIT|ROLLBACK)\b/.test(s)) return "tx";
  if (s.startsWith("SET STATEMENT_TIMEOUT") || s.includes("PG_ADVISORY_XACT_LOCK")) return "lock";
  if (s.startsWith("SELECT") && !s.includes("PG_TERMINATE_BACKEND")) return "read";
  return "write";
}

export class Session {
  /** Statements of the resource currently being processed; the translator swaps this per resource. */
  log: StatementRecord[] = [];
  private version?: number;
  private readonly idle = new Map<string, Client[]>();
  private readonly open = new Set<Client>();
  private readonly current = new Map<Client, StatementRecord>();

  constructor(
    private readonly connector: Connector,
    readonly settings: ProviderSettings,
  ) {}

  /** server_version_num, read once like upstream fingerprintCapabilities (not recorded). */
  async serverVersion(): Promise<number> {
    if (this.version === undefined) {
      const c = await this.acquire(this.settings.databaseDefault);
      try {
        this.version = Number((await c.query("SHOW server_version_num")).rows[0].server_version_num);
      } finally {
        this.release(this.settings.databaseDefault, c);
      }
    }
    return this.version;
  }

  /** Autocommit statement on a pooled connection (upstream `db.Exec` / `db.QueryRow`). */
  pool(database: string): Queryable {
    return {
      q: async (sql, params) => {
        const c = await this.acquire(database);
        try {
          return await this.run(c, database, sql, params);
        } finally {
          this.release(database, c);
        }
      },
    };
  }

  /** BEGIN ... fn ... ROLLBACK unless fn called commit() (upstream startTransaction + deferredRollback). */
  async transaction<T>(database: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const c = await this.acquire(database);
    let done = false;
    const tx: Tx = {
      q: (sql, params) => this.run(c, database, sql, params),
      commit: async () => {
        await this.run(c, database, "COMMIT");
        done = true;
      },
    };
    try {
      await this.run(c, database, "BEGIN");
      return await fn(tx);
    } finally {
      if (!done) await this.run(c, database, "ROLLBACK").catch(() => undefined);
      this.release(database, c);
    }
  }

  /** Close idle connections to a database (before DROP DATABASE terminates them). */
  async closeDatabase(database: string): Promise<void> {
    const list = this.idle.get(database) ?? [];
    this.idle.delete(database);
    await Promise.all(list.map((c) => this.end(c)));
  }

  async close(): Promise<void> {
    this.idle.clear();
    await Promise.all([...this.open].map((c) => this.end(c)));
  }

  private async run(c: Client, database: string, sql: string, params?: unknown[]): Promise<Row[]> {
    const rec: StatementRecord = { database, sql, kind: classify(sql), notices: [] };
    if (params?.length) rec.params = params;
    this.log.push(rec);
    this.current.set(c, rec);
    const res = await c.query(sql, params);
    return res.rows as Row[];
  }

  private async acquire(database: string): Promise<Client> {
    const list = this.idle.get(database);
    const reused = list?.pop();
    if (reused) return reused;
    const c = await this.connector(database);
    this.open.add(c);
    // Parse name[] (e.g. ARRAY(SELECT pg_get_userbyid(...)) in the role read) like text[], as lib/pq does.
    const types = c as unknown as {
      setTypeParser(oid: number, parse: (v: string) => unknown): void;
      getTypeParser(oid: number, format: "text"): (v: string) => unknown;
    };
    types.setTypeParser(1003, types.getTypeParser(1009, "text"));
    c.on("notice", (n) => this.current.get(c)?.notices.push(`${n.severity ?? "NOTICE"}: ${n.message}`));
    c.on("error", () => {
      // Terminated under us (e.g. by DROP DATABASE ... WITH (FORCE)): forget it.
      this.open.delete(c);
      this.idle.set(
        database,
        (this.idle.get(database) ?? []).filter((x) => x !== c),
      );
    });
    return c;
  }

  private release(database: string, c: Client): void {
    if (!this.open.has(c)) return;
    const list = this.idle.get(database) ?? [];
    list.push(c);
    this.idle.set(database, list);
  }

  private async end(c: Client): Promise<void> {
    this.open.delete(c);
    this.current.delete(c);
    await c.end().catch(() => undefined);
  }
}
