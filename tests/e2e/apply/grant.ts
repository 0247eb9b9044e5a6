/** postgresql:index/grant:Grant — follows postgresql/resource_postgresql_grant.go. */
import {
  dbExists,
  getRoleOID,
  getSchemaOwner,
  getTablesOwner,
  pgLockDatabase,
  pgLockRole,
  privilegesEqual,
  PUBLIC_ROLE,
  quoteIdent,
  resolveOwners,
  roleExists,
  schemaExists,
  setList,
  validatePrivileges,
  withRolesGranted,
} from "./helpers";
import { bool, str, strs, type ResourceKind, type State } from "./kind";
import type { Queryable, Session } from "./session";

const supported = ["database", "schema", "table", "sequence", "function", "procedure", "routine"];
const relkind: Record<string, string> = { table: "r", sequence: "S" };

export const grant: ResourceKind = {
  fields: [
    { name: "role", type: "string", forceNew: true },
    { name: "database", type: "string", forceNew: true },
    { name: "schema", type: "string", forceNew: true },
    { name: "objectType", type: "string", forceNew: true },
    { name: "objects", type: "set", forceNew: true },
    { name: "privileges", type: "set" },
    { name: "withGrantOption", type: "bool", default: false, forceNew: true },
  ],

  async read(s, d) {
    checkSupported(d);
    if (!(await checkRoleDBSchemaExists(s, d))) return null;
    return s.transaction(str(d.database), (tx) => readRolePrivileges(s, tx, d));
  },

  create: (s, d) => createOrUpdate(s, d, d),
  // Update revokes with the *old* (refreshed) privileges: usePrevious=true upstream.
  update: (s, old, d, changed) => createOrUpdate(s, d, changed.has("privileges") ? { ...d, privileges: old.privileges } : d),

  async delete(s, d) {
    checkSupported(d);
    await s.transaction(str(d.database), async (tx) => {
      await pgLockRole(tx, str(d.role));
      if (d.objectType === "database") await pgLockDatabase(tx, str(d.database));
      const owners = await getRolesToGrant(tx, d);
      await withRolesGranted(tx, owners, async () => {
        await tx.q(revokeQuery(d));
      });
      await tx.commit();
    });
  },
};

function checkSupported(d: State): void {
  if (!supported.includes(str(d.objectType))) {
    throw new Error(`Grant objectType ${JSON.stringify(d.objectType)} is not modelled (supported: ${supported.join(", ")})`);
  }
}

async function createOrUpdate(s: Session, d: State, revokeWith: State): Promise<State> {
  checkSupported(d);
  const objectType = str(d.objectType);
  if (str(d.schema) === "" && objectType !== "database") {
    throw new Error("parameter 'schema' is mandatory for postgresql_grant resource");
  }
  if (strs(d.objects).length > 0 && (objectType === "database" || objectType === "schema")) {
    throw new Error("cannot specify `objects` when `object_type` is `database` or `schema`");
  }
  await validatePrivileges(s, objectType, strs(d.privileges));

  await s.transaction(str(d.database), async (tx) => {
    await pgLockRole(tx, str(d.role));
    if (objectType === "database") await pgLockDatabase(tx, str(d.database));
    const owners = await getRolesToGrant(tx, d);
    await withRolesGranted(tx, owners, async () => {
      // Revoke then grant in one transaction so that reducing privileges works without a gap.
      await tx.q(revokeQuery(revokeWith));
      const privileges = setList(strs(d.privileges));
      if (privileges.length) await tx.q(grantQuery(d, privileges));
    });
    await tx.commit();
  });
  return s.transaction(str(d.database), (tx) => readRolePrivileges(s, tx, d));
}

/**
 * getRolesToGrant: what a non-superuser must temporarily become to change privileges. Nothing for
 * object_type database (so a non-owner's GRANT ON DATABASE only earns a WARNING), the schema owner
 * for schema, and schema owner + owners of *tables* (pg_tables) for every other type — sequence,
 * function or view owners that own no table are not included.
 */
async function getRolesToGrant(tx: Queryable, d: State): Promise<string[]> {
  const objectType = str(d.objectType);
  if (objectType === "database") return [];
  const schema = str(d.schema);
  const owners = objectType === "schema" ? [] : await getTablesOwner(tx, schema);
  const schemaOwner = await getSchemaOwner(tx, schema);
  if (!owners.includes(schemaOwner)) owners.push(schemaOwner);
  return resolveOwners(tx, owners);
}

/** "schema"."obj" for each object; a function's "(argtypes)" suffix is kept outside the quotes. */
function identList(schema: string, objects: string[]): string {
  return setList(objects)
    .map((o) => {
      const [name, ...args] = o.split("(");
      return `${quoteIdent(schema)}.${quoteIdent(name)}${args.length ? "(" + args[0] : ""}`;
    })
    .join(",");
}

function grantQuery(d: State, privileges: string[]): string {
  const type = str(d.objectType).toUpperCase();
  const role = quoteIdent(str(d.role)); // "public" quoted still means PUBLIC; "PUBLIC" is a (missing) role
  const objects = strs(d.objects);
  let sql: string;
  if (type === "DATABASE") sql = `GRANT ${privileges.join(",")} ON DATABASE ${quoteIdent(str(d.database))} TO ${role}`;
  else if (type === "SCHEMA") sql = `GRANT ${privileges.join(",")} ON SCHEMA ${quoteIdent(str(d.schema))} TO ${role}`;
  else if (objects.length) sql = `GRANT ${privileges.join(",")} ON ${type} ${identList(str(d.schema), objects)} TO ${role}`;
  else sql = `GRANT ${privileges.join(",")} ON ALL ${type}S IN SCHEMA ${quoteIdent(str(d.schema))} TO ${role}`;
  return bool(d.withGrantOption) ? sql + " WITH GRANT OPTION" : sql;
}

/**
 * createRevokeQuery: ALL PRIVILEGES for database/schema/"all objects in schema"; with explicit
 * objects only the listed privileges are revoked (to spare column grants), so on *create* a stray
 * extra privilege survives until the next refresh notices it.
 */
function revokeQuery(d: State): string {
  const type = str(d.objectType).toUpperCase();
  const role = quoteIdent(str(d.role));
  const objects = strs(d.objects);
  const privileges = setList(strs(d.privileges));
  if (type === "DATABASE") return `REVOKE ALL PRIVILEGES ON DATABASE ${quoteIdent(str(d.database))} FROM ${role}`;
  if (type === "SCHEMA") return `REVOKE ALL PRIVILEGES ON SCHEMA ${quoteIdent(str(d.schema))} FROM ${role}`;
  if (!objects.length) return `REVOKE ALL PRIVILEGES ON ALL ${type}S IN SCHEMA ${quoteIdent(str(d.schema))} FROM ${role}`;
  const what = privileges.length ? privileges.join(",") : "ALL PRIVILEGES";
  return `REVOKE ${what} ON ${type} ${identList(str(d.schema), objects)} FROM ${role}`;
}

/** checkRoleDBSchemaExists: database (via the provider's database), then role and schema inside it. */
export async function checkRoleDBSchemaExists(s: Session, d: State): Promise<boolean> {
  if (!(await dbExists(s.pool(s.settings.databaseDefault), str(d.database)))) return false;
  return s.transaction(str(d.database), async (tx) => {
    if (str(d.role) !== PUBLIC_ROLE && !(await roleExists(tx, str(d.role)))) return false;
    if (d.objectType !== "database" && str(d.schema) !== "" && !(await schemaExists(tx, str(d.schema)))) return false;
    return true;
  });
}

/**
 * readRolePrivileges: drift is detected per object. For database/schema the grantee's aclexplode
 * privileges are compared; for tables/sequences/functions every object of the type in the schema
 * (or only the listed ones) is scanned and the first one whose privileges differ becomes the new
 * state, which forces an update. Objects created after the grant (objects: []) therefore show up
 * as drift; listed objects that no longer exist are silently ignored; function objects given with
 * argument types never match proname and are never checked. with_grant_option is not read back.
 */
async function readRolePrivileges(s: Session, tx: Queryable, d: State): Promise<State> {
  const objectType = str(d.objectType);
  const wanted = strs(d.privileges);
  const oid = await getRoleOID(tx, str(d.role));
  const differs = async (granted: string[]) => !(await privilegesEqual(s, objectType, granted, wanted));

  if (objectType === "database" || objectType === "schema") {
    const [acl, cat, key, name] =
      objectType === "database"
        ? ["datacl", "pg_database", "datname", str(d.database)]
        : ["nspacl", "pg_namespace", "nspname", str(d.schema)];
    const rows = await tx.q(
      `
SELECT array_agg(privilege_type)
FROM (
	SELECT (aclexplode(${acl})).* FROM ${cat} WHERE ${key}=$1
) as privileges
WHERE grantee = $2
`,
      [name, oid],
    );
    const granted: string[] = rows[0]?.array_agg ?? [];
    return (await differs(granted)) ? { ...d, privileges: granted } : d;
  }

  const rows =
    objectType === "table" || objectType === "sequence"
      ? await tx.q(
          `
SELECT pg_class.relname, array_remove(array_agg(privilege_type), NULL)
FROM pg_class
JOIN pg_namespace ON pg_namespace.oid = pg_class.relnamespace
LEFT JOIN (
    SELECT acls.* FROM (
        SELECT relname, relnamespace, relkind, (aclexplode(relacl)).* FROM pg_class c
    ) as acls
    WHERE grantee=$1
) privs
USING (relname, relnamespace, relkind)
WHERE nspname = $2 AND relkind = $3
GROUP BY pg_class.relname
`,
          [oid, str(d.schema), relkind[objectType]],
        )
      : await tx.q(
          `
SELECT pg_proc.proname, array_remove(array_agg(privilege_type), NULL)
FROM pg_proc
JOIN pg_namespace ON pg_namespace.oid = pg_proc.pronamespace
LEFT JOIN (
    select acls.*
    from (
             SELECT proname, pronamespace, (aclexplode(proacl)).* FROM pg_proc
         ) acls
    WHERE grantee = $1
) privs
USING (proname, pronamespace)
      WHERE nspname = $2
GROUP BY pg_proc.proname
`,
          [oid, str(d.schema)],
        );
  const objects = strs(d.objects);
  for (const r of rows) {
    const name: string = r.relname ?? r.proname;
    if (objects.length && !objects.includes(name)) continue;
    const granted: string[] = r.array_remove ?? [];
    if (await differs(granted)) return { ...d, privileges: granted };
  }
  return d;
}
