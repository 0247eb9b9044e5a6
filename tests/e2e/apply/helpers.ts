/**
 * Ports of the upstream helpers the resources share: quoting (github.com/lib/pq), Terraform set
 * ordering, and postgresql/helpers.go (role membership juggling, locks, owner lookups, privilege
 * validation and comparison). Written from the upstream behaviour, not copied.
 */
import { crc32 } from "zlib";
import type { Queryable, Session } from "./session";

/** pq.QuoteIdentifier: cut at NUL, double embedded quotes, always wrap in double quotes. */
export function quoteIdent(name: string): string {
  const nul = name.indexOf("\0");
  const s = nul >= 0 ? name.slice(0, nul) : name;
  return `"${s.replace(/"/g, '""')}"`;
}

/** pq.QuoteLiteral: '' for quotes; with a backslash it becomes ` E'...'` (leading space included). */
export function quoteLiteral(value: string): string {
  const s = value.replace(/'/g, "''");
  return s.includes("\\") ? ` E'${s.replace(/\\/g, "\\\\")}'` : `'${s}'`;
}

/**
 * helpers.go pqQuoteLiteral: doubles backslashes AND quotes but the caller wraps it in plain '...'.
 * With standard_conforming_strings=on a backslash is therefore doubled in the stored value.
 */
export function pqQuoteLiteral(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/'/g, "''");
}

/**
 * A Terraform TypeSet of strings as `Set.List()` returns it: deduplicated and ordered by the decimal
 * string of schema.HashString (crc32), so statement text matches the provider byte for byte.
 */
export function setList(values: readonly string[] | undefined): string[] {
  const byKey = new Map<string, string>();
  for (const v of values ?? []) byKey.set(String(crc32(v)), v);
  return [...byKey.keys()].sort().map((k) => byKey.get(k) as string);
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

// ---- catalogue lookups (helpers.go) ----

export async function dbExists(db: Queryable, name: string): Promise<boolean> {
  return (await db.q("SELECT datname FROM pg_database WHERE datname=$1", [name])).length > 0;
}

export async function roleExists(db: Queryable, name: string): Promise<boolean> {
  return (await db.q("SELECT 1 FROM pg_roles WHERE rolname=$1", [name])).length > 0;
}

export async function schemaExists(db: Queryable, name: string): Promise<boolean> {
  return (await db.q("SELECT 1 FROM pg_namespace WHERE nspname=$1", [name])).length > 0;
}

export async function getCurrentUser(db: Queryable): Promise<string> {
  return (await db.q("SELECT CURRENT_USER"))[0].current_user as string;
}

export async function isSuperuser(db: Queryable, role: string): Promise<boolean> {
  const rows = await db.q("SELECT rolsuper FROM pg_roles WHERE rolname = $1", [role]);
  if (!rows.length) throw new Error(`could not check if role ${role} is superuser: no rows`);
  return rows[0].rolsuper as boolean;
}

/** Empty database = current_database(). */
export async function getDatabaseOwner(db: Queryable, database: string): Promise<string> {
  const where = database === "" ? "current_database()" : "$1";
  const rows = await db.q(
    `SELECT rolname FROM pg_database JOIN pg_roles ON datdba = pg_roles.oid WHERE datname = ${where}`,
    database === "" ? [] : [database],
  );
  if (!rows.length) throw new Error(`could not find database '${database}' while looking for owner`);
  return rows[0].rolname as string;
}

export async function getSchemaOwner(db: Queryable, schema: string): Promise<string> {
  const rows = await db.q("SELECT rolname FROM pg_namespace JOIN pg_roles ON nspowner = pg_roles.oid WHERE nspname = $1", [schema]);
  if (!rows.length) throw new Error(`could not find schema '${schema}' while looking for owner`);
  return rows[0].rolname as string;
}

/** Owners of *tables* only (pg_tables): upstream uses it for sequences/functions too. */
export async function getTablesOwner(db: Queryable, schema: string): Promise<string[]> {
  const rows = await db.q("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = $1", [schema]);
  return rows.map((r) => r.tableowner as string);
}

/** PG15's public schema is owned by pg_database_owner, which cannot be granted: use the real owner. */
export async function resolveOwners(db: Queryable, owners: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const o of owners) out.push(o === "pg_database_owner" ? await getDatabaseOwner(db, "") : o);
  return out;
}

export const PUBLIC_ROLE = "public";

/** PUBLIC is grantee 0 in aclexplode; only the exact lower-case name is special-cased upstream. */
export async function getRoleOID(db: Queryable, role: string): Promise<number> {
  if (role === PUBLIC_ROLE) return 0;
  const rows = await db.q("SELECT oid FROM pg_roles WHERE rolname = $1", [role]);
  if (!rows.length) throw new Error(`could not find oid for role ${role}`);
  return Number(rows[0].oid);
}

// ---- locks (helpers.go pgLockRole / pgLockDatabase) ----

export async function pgLockRole(tx: Queryable, role: string): Promise<void> {
  await tx.q("SET statement_timeout = 0");
  await tx.q("SELECT pg_advisory_xact_lock(oid::bigint) FROM pg_roles WHERE rolname = $1", [role]);
  await tx.q(
    "SELECT pg_advisory_xact_lock(member::bigint) FROM pg_auth_members JOIN pg_roles ON roleid = pg_roles.oid WHERE rolname = $1",
    [role],
  );
}

export async function pgLockDatabase(tx: Queryable, database: string): Promise<void> {
  await tx.q("SET statement_timeout = 0");
  await tx.q("SELECT pg_advisory_xact_lock(oid::bigint) FROM pg_database WHERE datname = $1", [database]);
}

// ---- role membership (helpers.go isMemberOfRole / grantRoleMembership / revokeRoleMembership) ----

/** Direct membership only (pg_auth_members); PG16+ additionally requires set_option. */
export async function isMemberOfRole(db: Queryable, role: string, member: string): Promise<boolean> {
  const hasSetOption =
    (await db.q("SELECT 1 FROM information_schema.columns WHERE table_name='pg_auth_members' AND column_name = 'set_option'")).length > 0;
  let sql = "SELECT 1 FROM pg_auth_members WHERE pg_get_userbyid(roleid) = $1 AND pg_get_userbyid(member) = $2";
  if (hasSetOption) sql += " AND set_option";
  return (await db.q(sql, [role, member])).length > 0;
}

/** GRANT role TO member unless already a direct member; true when it granted. */
export async function grantRoleMembership(db: Queryable, role: string, member: string): Promise<boolean> {
  if (member === role || (await isMemberOfRole(db, role, member))) return false;
  await db.q(`GRANT ${quoteIdent(role)} TO ${quoteIdent(member)}`);
  return true;
}

export async function revokeRoleMembership(db: Queryable, role: string, member: string): Promise<boolean> {
  if (member === role || !(await isMemberOfRole(db, role, member))) return false;
  await db.q(`REVOKE ${quoteIdent(role)} FROM ${quoteIdent(member)}`);
  return true;
}

/**
 * helpers.go withRolesGranted: the non-superuser trick. Inside the caller's transaction, make the
 * connected user (CURRENT_USER) a member of each role (owners of the objects it must touch), run fn,
 * then undo. A reverse membership (role member of current user) is revoked first and restored after,
 * because PostgreSQL forbids membership loops. Superuser roles are skipped (cannot be granted by a
 * non-superuser) and nothing at all happens when CURRENT_USER is a superuser per pg_roles: the
 * provider's `superuser` setting plays no part here.
 */
export async function withRolesGranted(tx: Queryable, roles: string[], fn: () => Promise<void>): Promise<void> {
  if (roles.length === 0) return fn();
  const currentUser = await getCurrentUser(tx);
  if (await isSuperuser(tx, currentUser)) return fn();

  const granted: string[] = [];
  const revoked: string[] = [];
  for (const role of roles) {
    if (await isSuperuser(tx, role)) continue;
    if (await revokeRoleMembership(tx, currentUser, role)) revoked.push(role);
    if (await grantRoleMembership(tx, role, currentUser)) granted.push(role);
  }
  await fn();
  for (const role of granted) await revokeRoleMembership(tx, role, currentUser);
  for (const role of revoked) {
    if (await roleExists(tx, role)) await grantRoleMembership(tx, currentUser, role);
  }
}

// ---- privileges (helpers.go allowedPrivileges / validatePrivileges / resourcePrivilegesEqual) ----

const allowedPrivileges: Record<string, string[]> = {
  database: ["ALL", "CREATE", "CONNECT", "TEMPORARY"],
  table: ["ALL", "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
  sequence: ["ALL", "USAGE", "SELECT", "UPDATE"],
  schema: ["ALL", "CREATE", "USAGE"],
  function: ["ALL", "EXECUTE"],
  procedure: ["ALL", "EXECUTE"],
  routine: ["ALL", "EXECUTE"],
  type: ["ALL", "USAGE"],
  foreign_data_wrapper: ["ALL", "USAGE"],
  foreign_server: ["ALL", "USAGE"],
  column: ["ALL", "SELECT", "INSERT", "UPDATE", "REFERENCES"],
};

export async function allowedPrivilegesFor(s: Session, objectType: string): Promise<string[] | undefined> {
  const base = allowedPrivileges[objectType];
  if (base && objectType === "table" && (await s.serverVersion()) >= 170000) return [...base, "MAINTAIN"];
  return base;
}

/** Privileges are case-sensitive upper-case names; "select" is rejected, as upstream does. */
export async function validatePrivileges(s: Session, objectType: string, privileges: string[]): Promise<void> {
  const allowed = await allowedPrivilegesFor(s, objectType);
  if (!allowed) throw new Error(`unknown object type ${objectType}`);
  for (const p of privileges) {
    if (!allowed.includes(p)) throw new Error(`${p} is not an allowed privilege for object type ${objectType}`);
  }
}

/**
 * resourcePrivilegesEqual: exact set equality, or, when "ALL" is wanted, equality with every
 * privilege of the object type. Read leaves the state untouched when this holds, so "ALL" never
 * shows a diff; it does not treat ["ALL","SELECT"] or partially expanded lists specially.
 */
export async function privilegesEqual(s: Session, objectType: string, granted: string[], wanted: string[]): Promise<boolean> {
  if (sameSet(granted, wanted)) return true;
  if (!wanted.includes("ALL")) return false;
  const all = ((await allowedPrivilegesFor(s, objectType)) ?? []).filter((p) => p !== "ALL");
  return sameSet(granted, all);
}
