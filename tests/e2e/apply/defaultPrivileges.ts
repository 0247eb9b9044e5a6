/** postgresql:index/defaultPrivileges:DefaultPrivileges — follows postgresql/resource_postgresql_default_privileges.go. */
import { checkRoleDBSchemaExists } from "./grant";
import { getRoleOID, pgLockRole, privilegesEqual, quoteIdent, setList, validatePrivileges, withRolesGranted } from "./helpers";
import { bool, str, strs, type ResourceKind, type State } from "./kind";
import type { Queryable, Session } from "./session";

// pg_default_acl.defaclobjtype per object_type (resource_postgresql_grant.go objectTypes).
const defaclObjType: Record<string, string> = { table: "r", sequence: "S", function: "f", routine: "f", type: "T", schema: "n" };

export const defaultPrivileges: ResourceKind = {
  fields: [
    { name: "role", type: "string", forceNew: true },
    { name: "database", type: "string", forceNew: true },
    { name: "owner", type: "string", forceNew: true },
    { name: "schema", type: "string", forceNew: true },
    { name: "objectType", type: "string", forceNew: true },
    { name: "privileges", type: "set" },
    { name: "withGrantOption", type: "bool", default: false, forceNew: true },
  ],

  async read(s, d) {
    checkObjectType(d);
    if (!(await checkRoleDBSchemaExists(s, d))) return null;
    return s.transaction(str(d.database), (tx) => readRoleDefaultPrivileges(s, tx, d));
  },

  // Create and Update are the same function upstream: revoke everything, grant the wanted set.
  create: (s, d) => createOrUpdate(s, d),
  update: (s, _old, d) => createOrUpdate(s, d),

  async delete(s, d) {
    await s.transaction(str(d.database), async (tx) => {
      await pgLockRole(tx, str(d.owner));
      await withRolesGranted(tx, [str(d.owner)], async () => {
        await tx.q(revokeQuery(d));
      });
      await tx.commit();
    });
  },
};

function checkObjectType(d: State): void {
  if (!(str(d.objectType) in defaclObjType)) {
    throw new Error(`DefaultPrivileges objectType ${JSON.stringify(d.objectType)} is not one of ${Object.keys(defaclObjType)}`);
  }
}

async function createOrUpdate(s: Session, d: State): Promise<State | null> {
  checkObjectType(d);
  if (str(d.schema) !== "" && d.objectType === "schema") throw new Error("cannot specify `schema` when `object_type` is `schema`");
  if (bool(d.withGrantOption) && str(d.role).toLowerCase() === "public") {
    throw new Error("with_grant_option cannot be true for role 'public'");
  }
  await validatePrivileges(s, str(d.objectType), strs(d.privileges));

  await s.transaction(str(d.database), async (tx) => {
    await pgLockRole(tx, str(d.owner));
    // ALTER DEFAULT PRIVILEGES FOR ROLE x needs membership in x: the non-superuser trick again.
    await withRolesGranted(tx, [str(d.owner)], async () => {
      await tx.q(revokeQuery(d));
      const privileges = setList(strs(d.privileges));
      if (!privileges.length) return;
      const sql =
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(str(d.owner))} ${inSchema(d)} GRANT ${privileges.join(",")} ` +
        `ON ${str(d.objectType).toUpperCase()}S TO ${quoteIdent(str(d.role))}`;
      await tx.q(bool(d.withGrantOption) ? sql + " WITH GRANT OPTION" : sql);
    });
    await tx.commit();
  });
  return s.transaction(str(d.database), (tx) => readRoleDefaultPrivileges(s, tx, d));
}

/** No schema means the global defaults (the statement keeps upstream's double space). */
const inSchema = (d: State) => (str(d.schema) !== "" ? `IN SCHEMA ${quoteIdent(str(d.schema))}` : "");

function revokeQuery(d: State): string {
  return (
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(str(d.owner))} ${inSchema(d)} REVOKE ALL ` +
    `ON ${str(d.objectType).toUpperCase()}S FROM ${quoteIdent(str(d.role))}`
  );
}

/**
 * readRoleDefaultPrivileges: privileges of the grantee in pg_default_acl entries whose *grantor* is
 * the owner, for the schema (or namespace 0 = global). None at all while some are wanted means
 * "gone" (recreate); otherwise a different set becomes the state. Takes the owner's advisory locks
 * even though it only reads. with_grant_option is not read back.
 */
async function readRoleDefaultPrivileges(s: Session, tx: Queryable, d: State): Promise<State | null> {
  await pgLockRole(tx, str(d.owner));
  const oid = await getRoleOID(tx, str(d.role));
  const rows =
    str(d.schema) !== ""
      ? await tx.q(
          `SELECT array_agg(prtype) FROM (
		SELECT defaclnamespace, (aclexplode(defaclacl)).* FROM pg_default_acl
		WHERE defaclobjtype = $3
	) AS t (namespace, grantor_oid, grantee_oid, prtype, grantable)
	JOIN pg_namespace ON pg_namespace.oid = namespace
	WHERE grantee_oid = $1 AND nspname = $2 AND pg_get_userbyid(grantor_oid) = $4;
`,
          [oid, str(d.schema), defaclObjType[str(d.objectType)], str(d.owner)],
        )
      : await tx.q(
          `SELECT array_agg(prtype) FROM (
		SELECT defaclnamespace, (aclexplode(defaclacl)).* FROM pg_default_acl
		WHERE defaclobjtype = $2
	) AS t (namespace, grantor_oid, grantee_oid, prtype, grantable)
	WHERE grantee_oid = $1 AND namespace = 0 AND pg_get_userbyid(grantor_oid) = $3;
`,
          [oid, defaclObjType[str(d.objectType)], str(d.owner)],
        );
  const granted: string[] = rows[0]?.array_agg ?? [];
  const wanted = strs(d.privileges);
  if (granted.length === 0 && wanted.length !== 0) return null;
  return (await privilegesEqual(s, str(d.objectType), granted, wanted)) ? d : { ...d, privileges: granted };
}
