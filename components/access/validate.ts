/**
 * Validation of the access input: plain functions, no Pulumi runtime. Every problem is collected, so a
 * user fixes a stack once; Outputs (object ids of resources being created) are checked where they resolve.
 */
import { InputIssue } from "../errors";
import { validateDatabaseExtensions } from "../features/extensions";
import { PRINCIPAL_TYPES, RESERVED_ROLES, isUuid, roleNameProblem } from "../principals";
import type { AccessEntryArgs, AccessInput, DatabaseArgs, ExplicitPrivileges } from "./args";
import { ACCESS_DEFAULTS, PRESETS, PRIVILEGES, RESERVED_DATABASES, managerRoleName, ownerRoleName } from "./naming";

export interface AccessValidationOptions {
  /** The caller looks up missing object ids in Entra (EntraPostgres does), so they may be absent. */
  objectIdsLookedUp?: boolean;
}

type Add = (field: string, value: unknown, allowed: string) => void;

/** All problems with the input; empty when it is usable. */
export function validateAccessInput(args: AccessInput, options: AccessValidationOptions = {}): InputIssue[] {
  const issues: InputIssue[] = [];
  const add: Add = (field, value, allowed) => issues.push({ field, value, allowed });
  if (!args || typeof args !== "object") {
    add("args", args, "an object with databases and access");
    return issues;
  }

  const databases = new Map<string, DatabaseArgs>();
  // Databases declared but rejected: grants on them are not reported a second time as "undeclared".
  const rejected = new Set<string>();
  if (args.databases !== undefined && !Array.isArray(args.databases)) {
    add("databases", args.databases, "a list of databases: [{ name }]");
  } else
    (args.databases ?? []).forEach((db, i) => {
      validateDatabase(db, `databases[${i}]`, databases, add);
      // Only a rejected name: a database with, say, a bad schema still has its grants checked.
      if (typeof db?.name === "string" && !databases.has(db.name)) rejected.add(db.name);
    });
  if (Array.isArray(args.databases ?? []) && (args.databases ?? []).length === 0)
    add("databases", args.databases, "at least one database to grant on");

  const manager = managerRoleName(
    [...databases.values()].filter((d) => typeof d.name === "string"),
    args.managerRole,
  );
  if (args.managerRole !== undefined) {
    const problem = identifierProblem(args.managerRole);
    if (problem) add("managerRole", args.managerRole, problem);
    else if (isReservedRole(args.managerRole)) add("managerRole", args.managerRole, "a role of ours, not one Azure or PostgreSQL reserves");
  }
  const deployerProblem = typeof args.deployer === "string" && args.deployer.length > 0 ? roleNameProblem(args.deployer) : "required";
  if (deployerProblem) {
    add("deployer", args.deployer, `the Entra administrator the provider connects as (${deployerProblem})`);
  }
  if (args.roleCreator !== undefined) {
    const problem = identifierProblem(args.roleCreator);
    if (problem) add("roleCreator", args.roleCreator, `the administrator that ran the stack's first \`pulumi up\` (${problem})`);
  }
  if (args.administrators !== undefined && !Array.isArray(args.administrators)) {
    add("administrators", args.administrators, "a list of the server's Entra administrators' role names");
  } else {
    (args.administrators ?? []).forEach((a, i) => {
      const problem = identifierProblem(a);
      if (problem) add(`administrators[${i}]`, a, problem);
    });
  }

  const principals = new Map<string, string>();
  const objectIds = new Map<string, string>();
  // The server's administrators by role name. Entra compares UPNs and names without regard to case,
  // so an entry that differs from one only in case is the same identity under a second role name.
  const administrators = new Map<string, string>();
  for (const a of [args.deployer, args.roleCreator, ...(Array.isArray(args.administrators) ? args.administrators : [])] as unknown[]) {
    if (typeof a === "string" && a.length > 0 && !administrators.has(a.toLowerCase())) administrators.set(a.toLowerCase(), a);
  }
  // Names the component gives its own roles; a principal of the same name would be merged into them.
  const ours = [...databases.values()].map((db) => ({ db: db.name, owner: db.owner ?? ownerRoleName(db.name) }));
  const isOurs = (name: string) =>
    name === manager ||
    ours.some(
      ({ db, owner }) =>
        name === owner ||
        name === `${db}_read` ||
        name === `${db}_readwrite` ||
        name.startsWith(`${db}_read_`) ||
        name.startsWith(`${db}_readwrite_`) ||
        // with schemas and/or a _by_<hex> suffix (accessRoleName)
        name.startsWith(`${db}_owner_members`),
    );
  for (const db of databases.values()) {
    if ((db.owner ?? ownerRoleName(db.name)) === manager) {
      add("managerRole", manager, `a name other than database ${db.name}'s owner role`);
    }
  }
  if (args.access !== undefined && !Array.isArray(args.access)) add("access", args.access, "a list of access entries");
  else
    (args.access ?? []).forEach((entry, i) => {
      validateEntry(entry, `access[${i}]`, databases, rejected, principals, objectIds, administrators, options, add);
      if (typeof entry?.principal?.name === "string" && isOurs(entry.principal.name)) {
        add(
          `access[${i}].principal.name`,
          entry.principal.name,
          `a name other than the component's own roles (${manager}, <database>_owner, <database>_read, <database>_readwrite, <database>_owner_members, with or without schemas or a _by_ suffix)`,
        );
      }
    });
  return issues;
}

/** Azure's built-in roles (restricted: Azure refuses to alter or grant to them) and PostgreSQL's own. */
function isReservedRole(name: string): boolean {
  return (RESERVED_ROLES as readonly string[]).includes(name.toLowerCase()) || name.startsWith("pg_");
}

function identifierProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return "a name";
  return roleNameProblem(name);
}

function validateDatabase(db: DatabaseArgs, f: string, seen: Map<string, DatabaseArgs>, add: Add): void {
  if (!db || typeof db !== "object") return add(f, db, "an object with a name");
  const problem = identifierProblem(db.name);
  if (problem) add(`${f}.name`, db.name, problem);
  else if (RESERVED_DATABASES.includes(db.name.toLowerCase()))
    add(`${f}.name`, db.name, `a database other than ${RESERVED_DATABASES.join(", ")}`);
  // The provider pastes the name unescaped into a string literal when it drops the database, so a
  // quote would make the database impossible to destroy.
  else if (db.name.includes("'"))
    add(`${f}.name`, db.name, "a name without a single quote (the postgresql provider cannot drop such a database)");
  else if (seen.has(db.name)) add(`${f}.name`, db.name, "a database listed once");
  else seen.set(db.name, db);
  if (db.owner !== undefined) {
    const ownerProblem = identifierProblem(db.owner);
    if (ownerProblem) add(`${f}.owner`, db.owner, ownerProblem);
    else if (isReservedRole(db.owner)) add(`${f}.owner`, db.owner, "a role of ours, not one Azure or PostgreSQL reserves");
  } else if (typeof db.name === "string" && !problem && roleNameProblem(ownerRoleName(db.name))) {
    add(`${f}.owner`, undefined, `a shorter owner role name: the default ${JSON.stringify(ownerRoleName(db.name))} is over 63 bytes`);
  }
  const schemas = db.schemas ?? ACCESS_DEFAULTS.schemas;
  if (!Array.isArray(schemas) || schemas.length === 0)
    add(`${f}.schemas`, db.schemas, 'a non-empty list of schema names (default ["public"])');
  else {
    const seenSchemas = new Set<string>();
    schemas.forEach((s, j) => {
      const sp = identifierProblem(s);
      if (sp) add(`${f}.schemas[${j}]`, s, sp);
      else if (s.startsWith("pg_") || s === "information_schema") add(`${f}.schemas[${j}]`, s, "a schema of ours, not a system schema");
      else if (seenSchemas.has(s)) add(`${f}.schemas[${j}]`, s, "a schema listed once");
      seenSchemas.add(String(s));
    });
  }
  (db.objectOwners ?? []).forEach((o, j) => {
    const op = identifierProblem(o);
    if (op) add(`${f}.objectOwners[${j}]`, o, op);
  });
  validateDatabaseExtensions(`${f}.extensions`, db.extensions, Array.isArray(schemas) ? schemas : [], undefined, add);
}

function validateEntry(
  entry: AccessEntryArgs,
  f: string,
  databases: Map<string, DatabaseArgs>,
  rejected: Set<string>,
  principals: Map<string, string>,
  objectIds: Map<string, string>,
  administrators: Map<string, string>,
  options: AccessValidationOptions,
  add: Add,
): void {
  if (!entry || typeof entry !== "object" || !entry.principal || typeof entry.principal !== "object")
    return add(f, entry, "an object with principal and grants");
  const p = entry.principal;
  const problem = identifierProblem(p.name);
  if (problem) add(`${f}.principal.name`, p.name, problem);
  else if (isReservedRole(p.name)) {
    add(`${f}.principal.name`, p.name, "an Entra principal's name, not a role Azure or PostgreSQL reserves");
  } else {
    const lower = p.name.toLowerCase();
    const admin = administrators.get(lower);
    if (principals.has(lower))
      add(`${f}.principal.name`, p.name, `a principal listed once (it is also ${principals.get(lower)}); put all its grants in one entry`);
    else if (admin !== undefined && admin !== p.name)
      add(
        `${f}.principal.name`,
        p.name,
        `the administrator's name exactly as declared, ${JSON.stringify(admin)}: Entra ignores case, so this is the same identity, and a second spelling would make a second role for it`,
      );
    principals.set(lower, f);
  }
  if (typeof p.objectId === "string" && isUuid(p.objectId)) {
    // Object ids are UUIDs; Entra compares them without regard to case.
    const id = p.objectId.toLowerCase();
    if (objectIds.has(id))
      add(
        `${f}.principal.objectId`,
        p.objectId,
        `an object id listed once: it is also ${objectIds.get(id)}, and one identity gets one role; put all its grants in one entry`,
      );
    else objectIds.set(id, `${f} (${String(p.name)})`);
  }
  if (!(PRINCIPAL_TYPES as readonly string[]).includes(p.type)) add(`${f}.principal.type`, p.type, `one of ${PRINCIPAL_TYPES.join(", ")}`);
  if (p.type === "User" && typeof p.name === "string" && !p.name.includes("@")) {
    add(`${f}.principal.name`, p.name, "a user principal name (UPN) such as alice@contoso.com");
  }
  // An administrator is recognised by its name exactly as declared: Azure made its role, so it needs no label.
  if (administrators.get(String(p.name).toLowerCase()) !== p.name) {
    const mi = p.managedIdentity;
    if (mi !== undefined && p.type !== "ManagedIdentity") add(`${f}.principal.managedIdentity`, "(set)", "only with type ManagedIdentity");
    else if (mi !== undefined && (mi === null || typeof mi !== "object" || mi.principalId === undefined))
      add(
        `${f}.principal.managedIdentity.principalId`,
        mi?.principalId,
        "the identity's principal id: the object id of its service principal",
      );
    else if (mi !== undefined && typeof mi.principalId === "string" && !isUuid(mi.principalId))
      add(`${f}.principal.managedIdentity.principalId`, mi.principalId, "the identity's principal id (UUID)");
    else if (mi !== undefined && isUuid(mi.principalId) && isUuid(p.objectId) && mi.principalId.toLowerCase() !== p.objectId.toLowerCase())
      add(
        `${f}.principal.objectId`,
        p.objectId,
        `the identity's principal id ${mi.principalId.toLowerCase()} (managedIdentity.principalId), or leave objectId unset`,
      );
    if (p.objectId === undefined && mi === undefined && !options.objectIdsLookedUp)
      add(`${f}.principal.objectId`, undefined, "the principal's object id (UUID); the pgaadauth label needs it");
    else if (typeof p.objectId === "string" && !isUuid(p.objectId))
      add(`${f}.principal.objectId`, p.objectId, "the principal's object id (UUID)");
  }

  if (!Array.isArray(entry.grants) || entry.grants.length === 0) {
    return add(`${f}.grants`, entry.grants, "at least one grant: { database, preset } or { database, privileges }");
  }
  const seen = new Map<string, string>();
  entry.grants.forEach((g, j) => {
    const gf = `${f}.grants[${j}]`;
    if (!g || typeof g !== "object") return add(gf, g, "an object: { database, preset } or { database, privileges }");
    // A database declared but rejected is reported once, where it is declared.
    if (rejected.has(g.database)) return;
    const db = databases.get(g.database);
    if (!db) return add(`${gf}.database`, g.database, `one of the databases declared: ${[...databases.keys()].join(", ") || "(none)"}`);
    const declared = db.schemas ?? ACCESS_DEFAULTS.schemas;
    if (g.schemas !== undefined && (!Array.isArray(g.schemas) || g.schemas.length === 0)) {
      return add(
        `${gf}.schemas`,
        g.schemas,
        `a non-empty list of schemas declared on database ${g.database} (${declared.join(", ")}), or leave it out to grant on all of them`,
      );
    }
    const schemas = g.schemas ?? declared;
    schemas.forEach((s, k) => {
      if (!declared.includes(s)) add(`${gf}.schemas[${k}]`, s, `a schema declared on database ${g.database}: ${declared.join(", ")}`);
    });
    if (g.preset !== undefined && g.privileges !== undefined)
      add(gf, "(preset and privileges)", "either a preset or explicit privileges, not both");
    else if (g.preset === undefined && g.privileges === undefined)
      add(gf, "(neither preset nor privileges)", `a preset (${PRESETS.join(", ")}) or explicit privileges`);
    else if (g.preset !== undefined && !(PRESETS as readonly string[]).includes(g.preset))
      add(`${gf}.preset`, g.preset, `one of ${PRESETS.join(", ")}`);
    else if (g.privileges !== undefined) validatePrivileges(g.privileges, `${gf}.privileges`, add);
    const what = g.preset ?? JSON.stringify(g.privileges);
    for (const s of g.preset === "owner" ? ["*"] : schemas) {
      const key = `${g.database}\u0000${s}`;
      const before = seen.get(key);
      if (before !== undefined && before !== what) {
        add(
          `${gf}`,
          what,
          `one set of privileges per database and schema: ${g.database}${s === "*" ? "" : `.${s}`} is already granted ${before}`,
        );
      }
      seen.set(key, what);
    }
  });
  // owner already covers every schema; another preset beside it on the same database is a contradiction.
  const owned = entry.grants.filter((g) => g.preset === "owner").map((g) => g.database);
  entry.grants.forEach((g, j) => {
    if (g.preset !== "owner" && owned.includes(g.database)) {
      add(
        `${f}.grants[${j}]`,
        g.preset ?? "(privileges)",
        `nothing beside preset owner on database ${g.database}: owner already includes it`,
      );
    }
  });
}

function validatePrivileges(privileges: ExplicitPrivileges, f: string, add: Add): void {
  if (privileges === null || typeof privileges !== "object" || Array.isArray(privileges)) {
    return add(
      f,
      privileges,
      `a map from object kinds (${Object.keys(PRIVILEGES).join(", ")}) to lists of privileges, e.g. { table: ["SELECT"] }${Array.isArray(privileges) ? ", not a list" : ""}`,
    );
  }
  const kinds = Object.keys(privileges);
  if (kinds.length === 0) return add(f, privileges, `at least one of ${Object.keys(PRIVILEGES).join(", ")} with a non-empty list`);
  for (const kind of kinds) {
    const allowed = (PRIVILEGES as Record<string, readonly string[]>)[kind];
    const list = (privileges as Record<string, unknown>)[kind];
    if (!allowed) {
      add(`${f}.${kind}`, list, `one of the object kinds ${Object.keys(PRIVILEGES).join(", ")}`);
    } else if (!Array.isArray(list) || list.length === 0) {
      add(`${f}.${kind}`, list, `a non-empty list from ${allowed.join(", ")}; leave the kind out to grant nothing on it`);
    } else {
      for (const priv of list) {
        if (!allowed.includes(String(priv).toUpperCase())) add(`${f}.${kind}`, priv, `privileges from ${allowed.join(", ")}`);
      }
    }
  }
}
