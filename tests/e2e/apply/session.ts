/**
 * Connections and statement recording for one run (up, refresh or destroy).
 *
 * Upstream (config.go Client.Connect, helpers.go startTransaction) keeps one database/sql pool per
 * database and runs plain `db.Exec/QueryRow` on any pooled connection while `txn.*` runs on the
 * connection pinned by BEGIN. Some resources depend on that split (resource_postgresql_database.go
 * holds an advisory-lock transaction open while CREATE DATABASE, which cannot run in a transaction,
 * goes through the pool), so we keep the same shape: `pool(db)` = autocommit on an idle connection,
 * `transaction(db, fn)` = BEGIN on a dedicated connection, ROLLBACK unless fn committed (the
 * provider's `defer deferredRollback(txn)`). Unlike upstream (SetMaxIdleConns(0)) idle connections
 * are reused, which changes connection count, not the SQL. Steps run concurrently (translator.ts), each
 * with its own Session over the shared Pool, so each running step has its own connection(s).
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
  /** When it was issued on the run's clock (shared with the steps' start/end): shows real interleaving. */
  seq: number;
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

/**
 * The connections of one provider configuration during a run, shared by the steps running
 * concurrently the way the provider's database/sql pool is: a connection serves one step's statement
 * (or one transaction) at a time and goes back idle afterwards, so concurrent steps always run on
 * separate connections. `tick` is the run's clock: every statement and step start/end takes a number.
 */
export class Pool {
  private version?: Promise<number>;
  private readonly idle = new Map<string, Client[]>();
  private readonly open = new Set<Client>();
  /** The statement each connection is running, so its NOTICEs land on that statement's record. */
  readonly current = new Map<Client, StatementRecord>();

  constructor(
    private readonly connector: Connector,
    readonly settings: ProviderSettings,
    readonly tick: () => number = counter(),
  ) {}

  /** server_version_num, read once like upstream fingerprintCapabilities (not recorded). */
  serverVersion(): Promise<number> {
    this.version ??= (async () => {
      const c = await this.acquire(this.settings.databaseDefault);
      try {
        return Number((await c.query("SHOW server_version_num")).rows[0].server_version_num);
      } finally {
        this.release(this.settings.databaseDefault, c);
      }
    })();
    return this.version;
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

  async acquire(database: string): Promise<Client> {
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

  release(database: string, c: Client): void {
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

function counter(): () => number {
  let n = 0;
  return () => n++;
}

/**
 * What one step (one resource operation) sees: the provider's pool, and its own statement log. The
 * translator makes one Session per step, so steps running at the same time never share a log or a
 * connection.
 */
export class Session {
  /** Statements of this step, in the order it issued them. */
  readonly log: StatementRecord[] = [];

  constructor(private readonly connections: Pool) {}

  get settings(): ProviderSettings {
    return this.connections.settings;
  }

  serverVersion(): Promise<number> {
    return this.connections.serverVersion();
  }

  /** Autocommit statement on a pooled connection (upstream `db.Exec` / `db.QueryRow`). */
  pool(database: string): Queryable {
    return {
      q: async (sql, params) => {
        const c = await this.connections.acquire(database);
        try {
          return await this.run(c, database, sql, params);
        } finally {
          this.connections.release(database, c);
        }
      },
    };
  }

  /** BEGIN ... fn ... ROLLBACK unless fn called commit() (upstream startTransaction + deferredRollback). */
  async transaction<T>(database: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const c = await this.connections.acquire(database);
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
      this.connections.release(database, c);
    }
  }

  /** Close the pool's idle connections to a database (before DROP DATABASE terminates them). */
  closeDatabase(database: string): Promise<void> {
    return this.connections.closeDatabase(database);
  }

  private async run(c: Client, database: string, sql: string, params?: unknown[]): Promise<Row[]> {
    const rec: StatementRecord = { database, sql, kind: classify(sql), notices: [], seq: this.connections.tick() };
    if (params?.length) rec.params = params;
    this.log.push(rec);
    this.connections.current.set(c, rec);
    const res = await c.query(sql, params);
    return res.rows as Row[];
  }
}
