/**
 * Grant planning for EntraDatabaseAccess: which roles, labels, grants, default privileges and
 * memberships give each Entra principal exactly what its preset allows. Plain functions, no Pulumi
 * runtime: the result is data that the component wires into @pulumi/postgresql resources and that
 * the login guide and the real-PostgreSQL tests read.
 */
import type * as pulumi from "@pulumi/pulumi";
import { InputIssue, throwIfIssues } from "../errors";
import { PlannedDatabaseExtension, planDatabaseExtensions } from "../features/extensions";
import { PrincipalType, labelPrincipalType, nameKey } from "../principals";
import type { AccessInput, ExplicitPrivileges, Preset } from "./args";
import { ACCESS_DEFAULTS, ObjectKind, accessRoleName, accessSetName, deployerTag, managerRoleName, ownerRoleName } from "./naming";
import { AccessValidationOptions, validateAccessInput } from "./validate";

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
  /** Extensions to create in the databases, by stable key (components/features/extensions.ts). */
  extensions: PlannedDatabaseExtension[];
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
  const administrators = [...new Set([deployer, roleCreator, ...(args.administrators ?? [])])].sort();
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
      objectId: lowerIfPlain(e.principal.objectId ?? e.principal.managedIdentity?.principalId),
      principalType: e.principal.type,
      administrator: declaredAdmins.has(e.principal.name),
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
    extensions: planDatabaseExtensions(databases.map((d, i) => ({ ...d, extensions: args.databases[i].extensions }))),
  };
}

function lowerIfPlain(id: pulumi.Input<string> | undefined): pulumi.Input<string> {
  return typeof id === "string" ? id.toLowerCase() : (id as pulumi.Input<string>);
}

/**
 * Principals named like a role the plan makes for itself: the prefixes validateAccessInput checks miss
 * names the component shortens to a hash (over 63 bytes), so compare with every role of the plan.
 */
export function generatedNameIssues(args: AccessInput, plan: AccessPlan): InputIssue[] {
  const generated = new Set([
    plan.manager,
    ...plan.databases.map((d) => d.owner),
    ...plan.accessRoles.map((r) => r.name),
    ...plan.accessSets.map((r) => r.name),
  ]);
  return (args.access ?? []).flatMap((entry, i) =>
    generated.has(entry.principal.name)
      ? [
          {
            field: `access[${i}].principal.name`,
            value: entry.principal.name,
            allowed: "a name other than the roles the component creates for itself",
          },
        ]
      : [],
  );
}

/** Every problem with the input: validation's, then (when it passes) those only the plan shows. */
export function accessIssues(input: AccessInput, options: AccessValidationOptions = {}): InputIssue[] {
  const issues = validateAccessInput(input, options);
  return issues.length > 0 ? issues : generatedNameIssues(input, buildAccessPlan(input));
}

/** Validates the input and returns the plan, or throws one InputError listing every problem. */
export function planAccess(input: AccessInput): AccessPlan {
  throwIfIssues("EntraDatabaseAccess", accessIssues(input));
  return buildAccessPlan(input);
}

/** The `pgaadauth` security label Azure stores for a mapped role (see azure-entra-facts.md). */
export function pgaadauthLabel(objectId: string, type: PrincipalType, admin = false): string {
  return `aadauth,oid=${objectId.toLowerCase()},type=${labelPrincipalType(type)}${admin ? ",admin" : ""}`;
}
