/**
 * Catalogue reads for the EntraDatabaseAccess tests, as the bootstrap superuser over the Unix socket
 * (assertions only: deployments always run as an Entra administrator). Every privilege is read from the
 * ACLs themselves (aclexplode of datacl, nspacl, relacl, attacl, proacl, defaclacl), not through
 * has_*_privilege, so PUBLIC's defaults and inherited memberships cannot hide an extra or missing grant.
 * Results are sorted text lines: jest then prints a readable diff.
 */
import { Client } from "pg";
import type { PgCluster } from "../harness/cluster";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- catalogue rows are checked at use
export type Row = Record<string, any>;

const pools = new WeakMap<PgCluster, Map<string, Promise<Client>>>();

async function client(cluster: PgCluster, db: string): Promise<Client> {
  let byDb = pools.get(cluster);
  if (!byDb) pools.set(cluster, (byDb = new Map()));
  let c = byDb.get(db);
  if (!c) {
    const fresh = new Client({ host: cluster.socketDir, port: cluster.port, user: "azuresu", database: db });
    // DROP DATABASE ... WITH (FORCE) (the provider's delete) terminates us: forget the client then.
    const forget = () => byDb!.get(db) === c && byDb!.delete(db);
    fresh.on("error", forget);
    fresh.on("end", forget);
    c = fresh.connect().then(() => fresh);
    byDb.set(db, c);
    c.catch(forget);
  }
  return c;
}

/** Runs SQL as the superuser in `db`; retries once on a connection the server has closed. */
export async function su(cluster: PgCluster, db: string, sql: string, params?: unknown[]): Promise<Row[]> {
  for (let attempt = 1; ; attempt++) {
    const c = await client(cluster, db);
    try {
      return (await c.query(sql, params)).rows;
    } catch (e) {
      const msg = (e as Error).message;
      if (attempt > 1 || !/terminat|not queryable|Connection terminated|ECONNRESET/i.test(msg)) throw e;
      pools.get(cluster)?.delete(db);
    }
  }
}

/** Closes this module's superuser connections to the cluster (call before cluster.stop()). */
export async function closeCatalog(cluster: PgCluster): Promise<void> {
  const byDb = pools.get(cluster);
  pools.delete(cluster);
  await Promise.all([...(byDb?.values() ?? [])].map((c) => c.then((x) => x.end()).catch(() => undefined)));
}

/**
 * Ends this module's superuser connection to `db`: the provider's DROP DATABASE ... WITH (FORCE) may
 * terminate other sessions, but not a superuser's. Call before destroying a deployment that made `db`.
 */
export async function releaseDatabase(cluster: PgCluster, db: string): Promise<void> {
  const c = pools.get(cluster)?.get(db);
  pools.get(cluster)?.delete(db);
  await c?.then((x) => x.end()).catch(() => undefined);
}

export async function one<V = unknown>(cluster: PgCluster, db: string, sql: string, params?: unknown[]): Promise<V> {
  const rows = await su(cluster, db, sql, params);
  return Object.values(rows[0] ?? {})[0] as V;
}

const grantee = (col: string) => `CASE WHEN ${col} = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(${col}) END`;

/** Every ACL entry of a database's own objects (system schemas left out), one row per privilege. */
const LOCAL_ACLS = `
SELECT kind, object, pg_get_userbyid(owner) AS owner, ${grantee("(a).grantee")} AS grantee, (a).privilege_type AS privilege,
       (a).is_grantable AS grantable
FROM (
  SELECT 'schema' AS kind, n.nspname::text AS object, n.nspowner AS owner, aclexplode(n.nspacl) AS a
    FROM pg_namespace n WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  UNION ALL
  SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'view' ELSE 'table' END,
         n.nspname || '.' || c.relname, c.relowner, aclexplode(c.relacl)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  UNION ALL
  SELECT 'column', n.nspname || '.' || c.relname || '.' || att.attname, c.relowner, aclexplode(att.attacl)
    FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  UNION ALL
  SELECT 'function', n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', p.proowner,
         aclexplode(p.proacl)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  UNION ALL
  SELECT 'default ' || CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions'
                                            WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' END,
         coalesce(n.nspname, '*') || ' for ' || pg_get_userbyid(d.defaclrole), d.defaclrole, aclexplode(d.defaclacl)
    FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
) x`;

const DATABASE_ACLS = `
SELECT 'database' AS kind, d.datname::text AS object, pg_get_userbyid(d.datdba) AS owner, ${grantee("(a).grantee")} AS grantee,
       (a).privilege_type AS privilege, (a).is_grantable AS grantable
  FROM (SELECT datname, datdba, aclexplode(datacl) AS a FROM pg_database) d`;

/** Objects of a database's own schemas and who owns them. */
const OWNED = `
SELECT 'schema' AS kind, nspname::text AS object, pg_get_userbyid(nspowner) AS owner FROM pg_namespace
 WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
UNION ALL
SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'view' ELSE 'table' END,
       n.nspname || '.' || c.relname, pg_get_userbyid(c.relowner)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' AND c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f')
UNION ALL
SELECT 'function', n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', pg_get_userbyid(p.proowner)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'`;

const line = (r: Row, withGrantee: boolean) =>
  `${r.kind} ${r.object}: ${r.privilege}${r.grantable ? " WITH GRANT OPTION" : ""}${withGrantee ? ` to ${r.grantee}` : ""}`;

/**
 * Everything `role` holds explicitly: database privileges (all databases), its direct memberships, and
 * privileges and default privileges on objects in `databases`, e.g. `[orders] table app.t: SELECT`.
 */
export async function privilegesOf(cluster: PgCluster, role: string, databases: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of await su(cluster, "postgres", `SELECT * FROM (${DATABASE_ACLS}) x WHERE grantee = $1`, [role])) out.push(line(r, false));
  const members = await su(
    cluster,
    "postgres",
    `SELECT pg_get_userbyid(roleid) AS r, admin_option FROM pg_auth_members WHERE member = (SELECT oid FROM pg_roles WHERE rolname = $1)`,
    [role],
  );
  for (const m of members) out.push(`member of ${m.r}${m.admin_option ? " WITH ADMIN OPTION" : ""}`);
  for (const db of databases) {
    for (const r of await su(cluster, db, `SELECT * FROM (${LOCAL_ACLS}) x WHERE grantee = $1`, [role])) {
      out.push(`[${db}] ${line(r, false)}`);
    }
  }
  return out.sort();
}

/**
 * The roles `role` acts as: itself and every role it inherits from, not following `exclude` (e.g. azure_pg_admin).
 * Whether a membership is inherited is the grant's inherit_option from PostgreSQL 16 on (so the ADMIN-only
 * membership a non-superuser CREATE ROLE gives the creator is not followed), the member's rolinherit before
 * (15 has no such column, hence the lookup through to_jsonb).
 */
export async function actsAs(cluster: PgCluster, role: string, exclude: string[] = []): Promise<string[]> {
  const rows = await su(
    cluster,
    "postgres",
    `WITH RECURSIVE c(oid) AS (
       SELECT oid FROM pg_roles WHERE rolname = $1
       UNION
       SELECT m.roleid FROM pg_auth_members m JOIN c ON m.member = c.oid JOIN pg_roles r ON r.oid = c.oid
        WHERE coalesce((to_jsonb(m) ->> 'inherit_option')::boolean, r.rolinherit) AND pg_get_userbyid(m.roleid) <> ALL ($2::text[])
     )
     SELECT rolname FROM pg_roles WHERE oid IN (SELECT oid FROM c) ORDER BY 1`,
    [role, exclude],
  );
  return rows.map((r) => r.rolname as string);
}

export interface Access {
  /** Roles it inherits from (itself and `exclude`d paths left out), e.g. ["orders_owner"] or ["orders_read"]. */
  through: string[];
  /**
   * What it may do, whichever of those roles holds it: ACL entries (`[orders] table app.t: SELECT`,
   * `database orders: CONNECT`, `[orders] default tables app for orders_owner: SELECT`) and ownership
   * (`owns database orders`, `[orders] owns table app.t`). An owner's entries on its own objects are left
   * out (ownership says more). PUBLIC's defaults are not included.
   */
  lines: string[];
}

/**
 * What `role` can do in `databases`, directly or through the roles it inherits from, independent of how
 * the component spreads privileges over roles (granted to the principal, or to a shared role it joins).
 */
export async function accessOf(cluster: PgCluster, role: string, databases: string[], exclude: string[] = []): Promise<Access> {
  const roles = await actsAs(cluster, role, exclude);
  const lines: string[] = [];
  const held = (sql: string) => `SELECT * FROM (${sql}) x WHERE grantee = ANY ($1::text[]) AND grantee <> owner`;
  for (const r of await su(cluster, "postgres", held(DATABASE_ACLS), [roles])) lines.push(line(r, false));
  for (const d of await su(cluster, "postgres", "SELECT datname FROM pg_database WHERE pg_get_userbyid(datdba) = ANY ($1::text[])", [
    roles,
  ])) {
    lines.push(`owns database ${d.datname}`);
  }
  for (const db of databases) {
    for (const r of await su(cluster, db, held(LOCAL_ACLS), [roles])) lines.push(`[${db}] ${line(r, false)}`);
    for (const o of await su(cluster, db, `SELECT * FROM (${OWNED}) x WHERE owner = ANY ($1::text[])`, [roles])) {
      lines.push(`[${db}] owns ${o.kind} ${o.object}`);
    }
  }
  return { through: roles.filter((r) => r !== role), lines: lines.sort() };
}

/** The role's pgaadauth label, or undefined. */
export async function labelOf(cluster: PgCluster, role: string): Promise<string | undefined> {
  const rows = await su(
    cluster,
    "postgres",
    `SELECT l.label FROM pg_shseclabel l JOIN pg_roles r ON r.oid = l.objoid
      WHERE l.classoid = 'pg_authid'::regclass AND l.provider = 'pgaadauth' AND r.rolname = $1`,
    [role],
  );
  return rows[0]?.label;
}

export interface RoleRow {
  rolname: string;
  rolsuper: boolean;
  rolinherit: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolcanlogin: boolean;
  rolreplication: boolean;
  rolbypassrls: boolean;
  rolconnlimit: number;
}

export async function roleRow(cluster: PgCluster, role: string): Promise<RoleRow | undefined> {
  const rows = await su(
    cluster,
    "postgres",
    `SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit
       FROM pg_roles WHERE rolname = $1`,
    [role],
  );
  return rows[0] as RoleRow | undefined;
}

/**
 * The cluster's access state as sorted lines: every non-system role with its attributes and
 * settings, every membership (admin option included, grantor left out: it only records who ran GRANT),
 * every pgaadauth label, database owners and ACLs, and for each of `databases` its schema, relation,
 * function and default ACLs with owners. Equal snapshots mean equal access.
 */
export async function snapshot(cluster: PgCluster, databases: string[]): Promise<string[]> {
  const out: string[] = [];
  const roles = await su(
    cluster,
    "postgres",
    `SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls,
            rolconnlimit, coalesce(rolvaliduntil::text, '') AS until, coalesce(array_to_string(rolconfig, ','), '') AS config
       FROM pg_roles WHERE rolname !~ '^pg_'`,
  );
  for (const r of roles) {
    const { rolname, ...attrs } = r;
    out.push(`role ${rolname}: ${JSON.stringify(attrs)}`);
  }
  const members = await su(
    cluster,
    "postgres",
    `SELECT pg_get_userbyid(roleid) AS r, pg_get_userbyid(member) AS m, admin_option FROM pg_auth_members`,
  );
  for (const m of members) out.push(`membership ${m.m} in ${m.r}${m.admin_option ? " WITH ADMIN OPTION" : ""}`);
  const labels = await su(
    cluster,
    "postgres",
    `SELECT r.rolname, l.label FROM pg_shseclabel l JOIN pg_roles r ON r.oid = l.objoid
      WHERE l.classoid = 'pg_authid'::regclass AND l.provider = 'pgaadauth'`,
  );
  for (const l of labels) out.push(`label ${l.rolname}: ${l.label}`);
  for (const d of await su(cluster, "postgres", `SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database`)) {
    out.push(`database ${d.datname} owned by ${d.owner}`);
  }
  for (const r of await su(cluster, "postgres", DATABASE_ACLS)) out.push(line(r, true));
  for (const db of databases) {
    for (const r of await su(cluster, db, LOCAL_ACLS)) out.push(`[${db}] ${line(r, true)}`);
    for (const o of await su(cluster, db, OWNED)) out.push(`[${db}] ${o.kind} ${o.object} owned by ${o.owner}`);
  }
  return out.sort();
}

/** Lines of `after` not in `before` and vice versa, for failure messages. */
export function diffLines(before: string[], after: string[]): { added: string[]; removed: string[] } {
  const b = new Set(before);
  const a = new Set(after);
  return { added: after.filter((l) => !b.has(l)), removed: before.filter((l) => !a.has(l)) };
}
