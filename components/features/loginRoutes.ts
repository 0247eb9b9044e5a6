/**
 * The login guide's other ways in: Azure's PgBouncer on port 6432 of the same host, and each read
 * replica's host (read-only). Same username, same token (PgBouncer on flexible server takes Microsoft
 * Entra tokens: Azure's release notes fix "PgBouncer with Microsoft Entra ID authentication" for
 * tokens over 4 KB), same TLS. Plain functions; the guide calls them per principal.
 */
import { PGBOUNCER_PORT } from "./pgBouncer";

/** One more way to connect: where, and the ready commands (no secret in any). */
export interface LoginRoute {
  host: string;
  port: number;
  /** The replica's region, for a read replica. */
  location?: string;
  conninfo: string;
  psql: string;
  uri: string;
}

/** What the server offers besides its own host and port. */
export interface LoginRouteSettings {
  /** PgBouncer is on (port 6432 on the server's host). */
  pgBouncer?: boolean;
  /** Read replicas: their hosts and regions. */
  readReplicas?: { host: string; location?: string }[];
}

/** Builds a route's commands from the host and port; the guide passes its own quoting. */
export type RouteBuilder = (host: string, port: number) => { conninfo: string; psql: string; uri: string };

export const PGBOUNCER_NOTE =
  `PgBouncer is on: port ${PGBOUNCER_PORT} on the same host pools connections (transaction pooling, Azure's default). ` +
  "Use it for applications that open many short connections; use 5432 for migrations, psql sessions, and anything that needs " +
  "session state across transactions (SET, advisory locks, LISTEN/NOTIFY, temporary tables, WITH HOLD cursors). Same username and token.";

export const REPLICA_NOTE =
  "Read replicas are READ-ONLY (writes fail with `cannot execute ... in a read-only transaction`) and lag the primary by seconds or more: " +
  "use them for reports and reads that tolerate stale data. Same username and token: logins are replicated from the primary.";

export function extraRoutes(
  host: string,
  settings: LoginRouteSettings,
  build: RouteBuilder,
): { pgBouncer?: LoginRoute; readReplicas: LoginRoute[]; notes: string[] } {
  const notes: string[] = [];
  const pgBouncer = settings.pgBouncer ? { host, port: PGBOUNCER_PORT, ...build(host, PGBOUNCER_PORT) } : undefined;
  if (pgBouncer) notes.push(PGBOUNCER_NOTE);
  const readReplicas = (settings.readReplicas ?? []).map((r) => ({
    host: r.host,
    port: 5432,
    ...(r.location ? { location: r.location } : {}),
    ...build(r.host, 5432),
  }));
  if (readReplicas.length > 0) notes.push(REPLICA_NOTE);
  return { ...(pgBouncer ? { pgBouncer } : {}), readReplicas, notes };
}
