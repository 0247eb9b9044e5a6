/**
 * Grant planning for EntraDatabaseAccess: which roles, labels, grants, default privileges and
 * memberships give each Entra principal exactly what its preset allows. Plain functions, no Pulumi
 * runtime: the result is data that the component wires into @pulumi/postgresql resources and that
 * the login guide and the real-PostgreSQL tests read.
 */
import { createHash } from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import { InputIssue, throwIfIssues } from "./errors";
import { MAX_ROLE_NAME_BYTES, PRINCIPAL_TYPES, PrincipalType, isUuid, labelPrincipalType, nameKey, roleNameProblem } from "./principals";
import type { AccessEntryArgs, AccessInput, DatabaseArgs } from "./EntraDatabaseAccess";

export const PRESETS = ["read", "readWrite", "owner"] as const;
export type Preset = (typeof PRESETS)[number];

/** Privileges PostgreSQL accepts per object kind, as the provider's Grant takes them. */
export const PRIVILEGES = {
  database: ["CONNECT", "CREATE", "TEMPORARY"],
  schema: ["USAGE", "CREATE"],
  table: ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
  sequence: ["USAGE", "SELECT", "UPDATE"],
  function: ["EXECUTE"],
} as const;
export type ObjectKind = keyof typeof PRIVILEGES;

/** What a grant of explicit privileges may name; every list given must be non-empty. */
export interface ExplicitPrivileges {
  database?: string[];
  schema?: string[];
  table?: string[];
  sequence?: string[];
  function?: string[];
}

/**
 * The presets, least privilege first. `owner` is membership in the database's owner role (full DDL on
 * what that role owns); the others are grants on the schemas named, plus default privileges so objects
 * the owner roles create later are covered without another `pulumi up`.
 */
const PRESET_PRIVILEGES: Record<Exclude<Preset, "owner">, Required<Omit<ExplicitPrivileges, "function">> & { function: string[] }> = {
  read: { database: ["CONNECT"], schema: ["USAGE"], table: ["SELECT"], sequence: ["SELECT"], function: [] },
  readWrite: {
    database: ["CONNECT"],
    schema: ["USAGE"],
    table: ["SELECT", "INSERT", "UPDATE", "DELETE"],
    sequence: ["USAGE", "SELECT", "UPDATE"],
    function: ["EXECUTE"],
  },
};

/** Databases PostgreSQL or Azure keep for themselves. */
const RESERVED_DATABASES = ["postgres", "template0", "template1", "azure_maintenance", "azure_sys"];
/** Roles that exist on every Azure server and must never be created, altered or granted to by us. */
const RESERVED_ROLES = ["public", "azuresu", "azure_pg_admin", "azure_superuser", "replication", "localadmin"];

export interface PlannedRole {
  /** Resource-name key: a slug and hash of the name. */
  key: string;
  name: string;
  objectId: pulumi.Input<string>;
  principalType: PrincipalType;
  /** True when Azure made the role (a server administrator): grant to it, never create or label it. */
  administrator: boolean;
  /**
   * The role it is granted (a GrantRole each): its one access role, or the access set standing for
   * several (see accessSetFor); empty when it has only explicit privileges.
   */
  memberOf: string[];
}

/**
 * A shared NOLOGIN role holding one preset's privileges on some schemas of one database. Principals
 * with that preset become members, so the grants and default privileges exist once per preset, not
 * once per principal.
 */
export interface PlannedAccessRole {
  key: string;
  name: string;
  database: string;
  /** owner: a member of the database's owner role, holding no grants of its own. */
  preset: Preset;
  schemas: string[];
}

/**
 * A NOLOGIN role standing for one distinct set of access roles (say `app1_read` and `app2_readwrite`):
 * a member of each, holding no grants of its own. A principal that needs several access roles joins
 * the set instead, so it costs one membership whatever the number of databases and presets, while the
 * grants stay once per preset on the access roles.
 */
export interface PlannedAccessSet {
  key: string;
  name: string;
  /** The access roles it is a member of, sorted. */
  roles: string[];
}

export interface PlannedDatabase {
  name: string;
  key: string;
  /** NOLOGIN role that owns the database and its schemas; all Entra administrators are its members. */
  owner: string;
  /** Schemas to grant on; those other than `public` are created, owned by `owner`. */
  schemas: string[];
  /** Roles whose future objects get default privileges: the owner plus any named. */
  objectOwners: string[];
}

export interface PlannedGrant {
  key: string;
  role: string;
  database: string;
  schema?: string;
  objectType: ObjectKind;
  privileges: string[];
}

export interface PlannedDefaultPrivileges {
  key: string;
  role: string;
  database: string;
  schema: string;
  owner: string;
  objectType: "table" | "sequence" | "function";
  privileges: string[];
}

export interface PlannedMembership {
  key: string;
  /** The member. */
  role: string;
  /** The role granted to it. */
  grantRole: string;
  withAdminOption: boolean;
  /**
   * The member may be the creator of `grantRole` (an administrator): on PostgreSQL 16 and later the
   * creator holds a second, implicit membership WITH ADMIN OPTION (grantor the bootstrap superuser) that
   * nobody but a superuser can remove, and the provider reads back whichever row comes first. The admin
   * option is then not compared (ignoreChanges), so that row is not taken for drift on every refresh.
   */
  ignoreAdminOption: boolean;
}

/** What one principal may do in one database, for the login guide. */
export interface PlannedAccess {
  role: string;
  database: string;
  schemas: string[];
  preset: Preset | "custom";
}

/** Everything EntraDatabaseAccess creates, as data: the login guide and the tests read it. */
export interface AccessPlan {
  databases: PlannedDatabase[];
  /** Shared roles holding each preset's privileges; principals are their members. */
  accessRoles: PlannedAccessRole[];
  /** One role per distinct set of access roles that some principal needs together. */
  accessSets: PlannedAccessSet[];
  /** Principals, sorted by name. Administrators are listed but get no Role resource. */
  principals: PlannedRole[];
  grants: PlannedGrant[];
  defaultPrivileges: PlannedDefaultPrivileges[];
  memberships: PlannedMembership[];
  access: PlannedAccess[];
  /**
   * NOLOGIN role through which every Entra administrator manages what the component made: it holds
   * ADMIN OPTION on every role of ours and is a member of every owner role; the administrators are its
   * members. (Not azure_pg_admin: Azure refuses any grant to that restricted role.)
   */
  manager: string;
  /** The server's Entra administrators (role names), the deployer among them. */
  administrators: string[];
  /** The administrator the provider connects as. */
  deployer: string;
  /** The administrator that created the manager role (the stack's first `pulumi up`). */
  roleCreator: string;
}

export const ACCESS_DEFAULTS = {
  schemas: ["public"] as string[],
  revokePublicCreate: true,
  revokePublicConnect: true,
} as const;

export function ownerRoleName(database: string): string {
  return `${database}_owner`;
}

/**
 * `<database>_manager` after the alphabetically first database: databases are unique on a server, so
 * two components on one server never share a manager role, and reordering the list renames nothing.
 */
export function managerRoleName(databases: readonly { name: string }[], explicit?: string): string {
  if (explicit !== undefined) return explicit;
  const first = databases.map((d) => d.name).sort()[0] ?? "";
  const base = `${first}_manager`;
  return Buffer.byteLength(base, "utf8") <= MAX_ROLE_NAME_BYTES ? base : nameKey(base);
}

/**
 * `<db>_read`, `<db>_readwrite`, with the schemas when a grant names only some of them, or
 * `<db>_owner_members` (members of the owner role); `_by_<tag>` when another administrator than the
 * roles' creator deploys (see deployerTag).
 */
export function accessRoleName(db: { name: string; schemas: string[] }, preset: Preset, schemas: string[], tag = ""): string {
  const all = db.schemas.length === schemas.length && db.schemas.every((s) => schemas.includes(s));
  const kind = preset === "owner" ? "owner_members" : preset.toLowerCase();
  const base = `${db.name}_${kind}${all ? "" : `_${[...schemas].sort().join("_")}`}${tag}`;
  return Buffer.byteLength(base, "utf8") <= MAX_ROLE_NAME_BYTES ? base : nameKey(base);
}

/**
 * The access set for several access roles: their names joined with `+` (`app1_read+app2_readwrite`),
 * or, over 63 bytes, that string's name key. Derived from the roles alone, so it is stable whatever the
 * order of the user's lists, and it changes with them: an administrator taking over (tagged access
 * roles) makes its own sets too.
 */
export function accessSetName(roles: readonly string[]): string {
  const base = [...roles].sort().join("+");
  return Buffer.byteLength(base, "utf8") <= MAX_ROLE_NAME_BYTES ? base : nameKey(base);
}

/**
 * Principals' memberships are in roles made by the administrator that deploys. PostgreSQL 16+ records
 * who granted a membership, and a REVOKE by anyone else only warns ("role ... has not been granted
 * membership ... by role ..."): the provider sends no GRANTED BY. So when another administrator takes
 * over, it makes its own access roles (this suffix) and moves the principals; dropping the old roles
 * removes every membership in them, whoever granted it.
 */
export function deployerTag(deployer: string, roleCreator: string): string {
  return deployer === roleCreator ? "" : `_by_${createHash("sha256").update(deployer, "utf8").digest("hex").slice(0, 6)}`;
}

export interface AccessValidationOptions {
  /** The caller looks up missing object ids in Entra (EntraPostgres does), so they may be absent. */
  objectIdsLookedUp?: boolean;
}

/** Validates the input and returns the plan, or throws one InputError listing every problem. */
export function planAccess(input: AccessInput): AccessPlan {
  throwIfIssues("EntraDatabaseAccess", validateAccessInput(input));
  return buildAccessPlan(input);
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
  if (issues.length === 0) {
    // Names the component shortens to a hash (over 63 bytes) are not caught by the prefixes above:
    // compare with every role the plan would create.
    const plan = buildAccessPlan(args);
    const generated = new Set([
      plan.manager,
      ...plan.databases.map((d) => d.owner),
      ...plan.accessRoles.map((r) => r.name),
      ...plan.accessSets.map((r) => r.name),
    ]);
    (args.access ?? []).forEach((entry, i) => {
      if (generated.has(entry.principal.name))
        add(`access[${i}].principal.name`, entry.principal.name, "a name other than the roles the component creates for itself");
    });
  }
  return issues;
}

/** Azure's built-in roles (restricted: Azure refuses to alter or grant to them) and PostgreSQL's own. */
function isReservedRole(name: string): boolean {
  return RESERVED_ROLES.includes(name.toLowerCase()) || name.startsWith("pg_");
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
  if (!entry.administrator) {
    if (p.objectId === undefined && !options.objectIdsLookedUp)
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

function normalise(list: readonly string[]): string[] {
  return [...new Set(list.map((p) => p.toUpperCase()))].sort();
}

/** The plan for input that validateAccessInput accepted. */
export function buildAccessPlan(args: AccessInput): AccessPlan {
  const manager = managerRoleName(args.databases, args.managerRole);
  const deployer = args.deployer;
  const roleCreator = args.roleCreator ?? deployer;
  const tag = deployerTag(deployer, roleCreator);
  const administrators = [
    ...new Set([
      deployer,
      roleCreator,
      ...(args.administrators ?? []),
      ...(args.access ?? []).filter((e) => e.administrator).map((e) => e.principal.name),
    ]),
  ].sort();
  const databases: PlannedDatabase[] = args.databases.map((db) => {
    const owner = db.owner ?? ownerRoleName(db.name);
    return {
      name: db.name,
      key: nameKey(db.name),
      owner,
      schemas: [...(db.schemas ?? ACCESS_DEFAULTS.schemas)].sort(),
      objectOwners: [...new Set([owner, ...(db.objectOwners ?? [])])].sort(),
    };
  });

  const entries = args.access ?? [];
  const declaredAdmins = new Set([deployer, roleCreator, ...(args.administrators ?? [])]);
  const principals: PlannedRole[] = entries
    .map((e) => ({
      key: nameKey(e.principal.name),
      name: e.principal.name,
      objectId:
        typeof e.principal.objectId === "string" ? e.principal.objectId.toLowerCase() : (e.principal.objectId as pulumi.Input<string>),
      principalType: e.principal.type,
      administrator: e.administrator === true || declaredAdmins.has(e.principal.name),
      memberOf: [] as string[],
    }))
    .sort((a, b) => a.name.localeCompare(b.name));

  const grants: PlannedGrant[] = [];
  const defaults: PlannedDefaultPrivileges[] = [];
  const memberships: PlannedMembership[] = [];
  const access: PlannedAccess[] = [];
  const accessRoles = new Map<string, PlannedAccessRole>();
  const accessSets = new Map<string, PlannedAccessSet>();

  /** Grants and default privileges giving `role` the privileges on the schemas of one database. */
  const grantTo = (role: string, roleKey: string, db: PlannedDatabase, schemas: string[], privs: ExplicitPrivileges) => {
    const databasePrivs = normalise(privs.database ?? []);
    if (databasePrivs.length > 0) {
      grants.push({ key: `${db.key}-${roleKey}-database`, role, database: db.name, objectType: "database", privileges: databasePrivs });
    }
    for (const schema of [...schemas].sort()) {
      const skey = `${db.key}-${nameKey(schema)}-${roleKey}`;
      for (const kind of ["schema", "table", "sequence", "function"] as const) {
        const list = normalise(privs[kind] ?? []);
        if (list.length === 0) continue;
        grants.push({ key: `${skey}-${kind}`, role, database: db.name, schema, objectType: kind, privileges: list });
        if (kind === "schema") continue;
        for (const owner of db.objectOwners.filter((o) => o !== role)) {
          defaults.push({
            key: `${skey}-${kind}-by-${nameKey(owner)}`,
            role,
            database: db.name,
            schema,
            owner,
            objectType: kind,
            privileges: list,
          });
        }
      }
    }
  };

  /** The shared NOLOGIN role holding a preset's privileges on some schemas of a database. */
  const accessRoleFor = (db: PlannedDatabase, preset: Preset, schemas: string[]): string => {
    const name = accessRoleName(db, preset, schemas, tag);
    if (!accessRoles.has(name)) {
      accessRoles.set(name, { key: nameKey(name), name, database: db.name, preset, schemas: [...schemas].sort() });
      if (preset === "owner") {
        memberships.push({
          key: `${nameKey(db.owner)}-${nameKey(name)}`,
          role: name,
          grantRole: db.owner,
          withAdminOption: false,
          ignoreAdminOption: false,
        });
      } else grantTo(name, nameKey(name), db, schemas, PRESET_PRIVILEGES[preset]);
      managed(name);
    }
    return name;
  };

  /**
   * The one role a principal is granted for the access roles it needs: the access role itself, or the
   * access set of several (a member of each). Least privilege is unchanged: a member inherits exactly
   * the union of the access roles' privileges, through the set as it would directly.
   */
  const accessSetFor = (roles: string[]): string[] => {
    const sorted = [...new Set(roles)].sort();
    if (sorted.length <= 1) return sorted;
    const name = accessSetName(sorted);
    if (!accessSets.has(name)) {
      accessSets.set(name, { key: nameKey(name), name, roles: sorted });
      for (const target of sorted) {
        memberships.push({
          key: `${nameKey(target)}-${nameKey(name)}`,
          role: name,
          grantRole: target,
          withAdminOption: false,
          ignoreAdminOption: false,
        });
      }
      managed(name);
    }
    return [name];
  };

  /** The manager role holds ADMIN OPTION on every role we create (see the README: "The role model"). */
  const managed = (role: string) =>
    memberships.push({
      key: `${nameKey(role)}-${nameKey(manager)}`,
      role: manager,
      grantRole: role,
      withAdminOption: true,
      ignoreAdminOption: false,
    });

  // Every administrator is a member of the manager role. The deployer created it, so on PostgreSQL 16+
  // it already holds ADMIN OPTION on it (an implicit grant only a superuser can revoke) and cannot be
  // granted that option again ("ADMIN option cannot be granted back to your own grantor"); its grant
  // adds only what the implicit one lacks, INHERIT and SET. The others get ADMIN OPTION, so each can
  // add and remove administrators too.
  for (const admin of administrators) {
    const isCreator = admin === roleCreator;
    memberships.push({
      key: `${nameKey(manager)}-${nameKey(admin)}`,
      role: admin,
      grantRole: manager,
      withAdminOption: !isCreator,
      ignoreAdminOption: isCreator,
    });
  }

  // Through the manager role every administrator acts as every owner role (CONNECT, grants on what the
  // owner owns, SET ROLE for DDL), whichever administrator created it.
  for (const db of databases) {
    managed(db.owner);
    if (args.revokePublicConnect ?? ACCESS_DEFAULTS.revokePublicConnect) {
      // PostgreSQL gives PUBLIC CONNECT and TEMPORARY on every new database, so without this every
      // mapped Entra role could connect to every database. An empty list revokes both.
      grants.push({ key: `${db.key}-public-database`, role: "public", database: db.name, objectType: "database", privileges: [] });
    }
    if (db.schemas.includes("public")) {
      // On Azure the public schema of every database belongs to azure_pg_admin, not to the database's
      // owner (Microsoft's "Access management" article), so the owner role may not create in it
      // unless granted; objects it makes there are then its own, like those in its other schemas.
      grants.push({
        key: `${db.key}-${nameKey("public")}-${nameKey(db.owner)}-schema`,
        role: db.owner,
        database: db.name,
        schema: "public",
        objectType: "schema",
        privileges: ["CREATE", "USAGE"],
      });
    }
    if ((args.revokePublicCreate ?? ACCESS_DEFAULTS.revokePublicCreate) && db.schemas.includes("public")) {
      // The provider's Grant revokes what it does not list: PUBLIC keeps USAGE on public, loses CREATE.
      grants.push({
        key: `${db.key}-public-public-schema`,
        role: "public",
        database: db.name,
        schema: "public",
        objectType: "schema",
        privileges: ["USAGE"],
      });
    }
  }

  for (const entry of [...entries].sort((a, b) => a.principal.name.localeCompare(b.principal.name))) {
    const role = entry.principal.name;
    const pkey = nameKey(role);
    const memberOf: string[] = [];
    for (const db of databases) {
      const mine = entry.grants.filter((g) => g.database === db.name);
      if (mine.length === 0) continue;
      if (mine.some((g) => g.preset === "owner")) {
        memberOf.push(accessRoleFor(db, "owner", db.schemas));
        access.push({ role, database: db.name, schemas: db.schemas, preset: "owner" });
        continue;
      }
      // Presets go through shared access roles; explicit privileges are granted to the principal itself.
      const byPreset = new Map<Preset | "custom", Set<string>>();
      for (const g of mine) {
        const set = byPreset.get(g.preset ?? "custom") ?? new Set<string>();
        for (const s of g.schemas ?? db.schemas) set.add(s);
        byPreset.set(g.preset ?? "custom", set);
        if (!g.preset) grantTo(role, pkey, db, g.schemas ?? db.schemas, g.privileges!);
      }
      for (const [preset, schemas] of byPreset) {
        if (preset !== "custom" && preset !== "owner") memberOf.push(accessRoleFor(db, preset, [...schemas]));
      }
      const presets = [...byPreset.keys()];
      access.push({
        role,
        database: db.name,
        schemas: [...new Set([...byPreset.values()].flatMap((x) => [...x]))].sort(),
        preset: presets.length === 1 ? presets[0] : "custom",
      });
    }
    const planned = principals.find((p) => p.name === role)!;
    planned.memberOf = accessSetFor(memberOf);
    if (!planned.administrator) managed(role);
    // One GrantRole per membership, for administrators (Azure owns their roles) and mapped principals
    // alike: a Role's `roles` list is authoritative and would revoke what Azure's group sync grants.
    for (const target of planned.memberOf) {
      memberships.push({
        key: `${nameKey(target)}-${pkey}`,
        role,
        grantRole: target,
        withAdminOption: false,
        ignoreAdminOption: planned.administrator,
      });
    }
  }

  // A second way in for the deployer besides the manager role's membership in the owner role: with
  // PUBLIC's CONNECT revoked, losing that one membership would make every refresh read in the database
  // fail before anything could repair it. Merged into the deployer's own database grant if it has one
  // (two Grants on one role and database would revoke each other's privileges).
  for (const db of databases) {
    const own = grants.find((g) => g.role === deployer && g.database === db.name && g.objectType === "database");
    if (own) own.privileges = normalise([...own.privileges, "CONNECT"]);
    else
      grants.push({
        key: `${db.key}-${nameKey(deployer)}-database`,
        role: deployer,
        database: db.name,
        objectType: "database",
        privileges: ["CONNECT"],
      });
  }

  return {
    databases,
    principals,
    accessRoles: [...accessRoles.values()].sort((a, b) => a.name.localeCompare(b.name)),
    accessSets: [...accessSets.values()].sort((a, b) => a.name.localeCompare(b.name)),
    grants,
    defaultPrivileges: defaults,
    memberships: memberships.sort((a, b) => a.key.localeCompare(b.key)),
    access,
    manager,
    administrators,
    deployer,
    roleCreator,
  };
}

/** The `pgaadauth` security label Azure stores for a mapped role (see azure-entra-facts.md). */
export function pgaadauthLabel(objectId: string, type: PrincipalType, admin = false): string {
  return `aadauth,oid=${objectId.toLowerCase()},type=${labelPrincipalType(type)}${admin ? ",admin" : ""}`;
}
