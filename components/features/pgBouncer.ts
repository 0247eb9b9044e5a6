/**
 * Azure's built-in PgBouncer (server parameter `pgbouncer.enabled`), which listens on port 6432 of
 * the same host beside PostgreSQL's 5432.
 *
 * From Microsoft's articles: "When enabled, PgBouncer runs on port 6432 on your database server" and
 * its `pgbouncer.pool_mode` defaults to TRANSACTION ("PgBouncer in Azure Database for PostgreSQL -
 * Flexible Server", MicrosoftDocs/azure-docs, articles/postgresql/flexible-server/concepts-pgbouncer.md);
 * `pgbouncer.enabled` "is only visible when the server is running on General Purpose or Memory
 * Optimized tiers. In Burstable tier, it is hidden and PgBouncer is not supported" (MicrosoftDocs/
 * azure-databases-docs, server-parameters/includes/server-parameters-azure-notes-pgbouncer-enabled.md).
 * With transaction pooling a session's state (SET, advisory locks, LISTEN, temporary tables, WITH
 * HOLD cursors) does not outlive a transaction on 6432: the login guide says to use 5432 for those
 * and for migrations.
 */
import type { Add, ServerContext } from "./common";

export const PGBOUNCER_PORT = 6432;
export const POSTGRES_PORT = 5432;

/** The built-in connection pooler. Default: off. */
export interface PgBouncerArgs {
  /** Turn PgBouncer on (port 6432). Not on the Burstable tier. */
  enabled: boolean;
}

export function validatePgBouncer(p: PgBouncerArgs | undefined, server: Pick<ServerContext, "tier">, add: Add): void {
  if (p === undefined) return;
  if (p === null || typeof p !== "object" || typeof p.enabled !== "boolean") {
    add("pgBouncer.enabled", p?.enabled, "true or false");
    return;
  }
  if (p.enabled && server.tier === "Burstable")
    add("pgBouncer.enabled", true, "false on the Burstable tier (Azure offers PgBouncer on General Purpose and Memory Optimized only)");
}

/** The server parameter to set, or none when PgBouncer was never asked for (Azure's default is off). */
export function pgBouncerParameters(p: PgBouncerArgs | undefined): { name: string; value: string }[] {
  if (p === undefined) return [];
  return [{ name: "pgbouncer.enabled", value: p.enabled ? "true" : "false" }];
}
