/** postgresql:index/schema:Schema — follows postgresql/resource_postgresql_schema.go (without the deprecated `policies`). */
import { dbExists, getDatabaseOwner, quoteIdent, schemaExists, withRolesGranted } from "./helpers";
import { bool, str, type ResourceKind, type State } from "./kind";
import type { Queryable, Session } from "./session";

export const schema: ResourceKind = {
  fields: [
    { name: "name", type: "string" },
    { name: "database", type: "string", computed: true, forceNew: true },
    { name: "owner", type: "string", computed: true },
    { name: "ifNotExists", type: "bool", default: true },
    { name: "dropCascade", type: "bool", default: false },
  ],

  // Checks the database first, so a schema whose database is gone reads as gone rather than failing.
  async exists(s, d) {
    const database = dbOf(s, d);
    if (!(await dbExists(s.pool(s.settings.databaseDefault), database))) return false;
    return s.transaction(database, async (tx) => {
      const rows = await tx.q("SELECT n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname=$1", [str(d.name)]);
      return rows.length > 0;
    });
  },

  read: readSchema,

  async create(s, d) {
    const database = dbOf(s, d);
    await s.transaction(database, async (tx) => {
      // A non-superuser must be the database owner to CREATE SCHEMA, and a member of the new owner.
      const dbOwner = await getDatabaseOwner(tx, database);
      const roles = [dbOwner];
      const owner = str(d.owner);
      if (owner !== "" && owner !== dbOwner) roles.push(owner);
      await withRolesGranted(tx, roles, async () => {
        const found = await tx.q("SELECT TRUE FROM pg_catalog.pg_namespace WHERE nspname = $1", [str(d.name)]);
        if (found.length) {
          // Already there (e.g. "public"): adopt it and only set the owner if one is configured.
          if (owner !== "") await setOwner(tx, d);
          return;
        }
        let sql = `CREATE SCHEMA ${bool(d.ifNotExists) ? "IF NOT EXISTS " : ""}${quoteIdent(str(d.name))}`;
        if (owner !== "") sql += ` AUTHORIZATION ${quoteIdent(owner)}`;
        await tx.q(sql);
      });
      await tx.commit();
    });
    return readSchema(s, d);
  },

  // setSchemaOwner runs *without* withRolesGranted: a non-superuser that is not the current owner
  // and a member of the new one gets "must be owner of schema" here.
  async update(s, _old, d, changed) {
    await s.transaction(dbOf(s, d), async (tx) => {
      if (changed.has("owner")) await setOwner(tx, d);
      await tx.commit();
    });
    return readSchema(s, d);
  },

  async delete(s, d) {
    await s.transaction(dbOf(s, d), async (tx) => {
      if (!(await schemaExists(tx, str(d.name)))) return;
      await withRolesGranted(tx, [str(d.owner)], async () => {
        await tx.q(`DROP SCHEMA ${quoteIdent(str(d.name))} ${bool(d.dropCascade) ? "CASCADE" : "RESTRICT"}`);
      });
      await tx.commit();
    });
  },
};

const dbOf = (s: Session, d: State) => str(d.database) || s.settings.databaseDefault;

async function setOwner(tx: Queryable, d: State): Promise<void> {
  if (str(d.owner) === "") throw new Error("error setting schema owner to an empty string");
  await tx.q(`ALTER SCHEMA ${quoteIdent(str(d.name))} OWNER TO ${quoteIdent(str(d.owner))}`);
}

async function readSchema(s: Session, d: State): Promise<State | null> {
  const database = dbOf(s, d);
  return s.transaction(database, async (tx) => {
    const rows = await tx.q(
      "SELECT pg_catalog.pg_get_userbyid(n.nspowner), COALESCE(n.nspacl, '{}'::aclitem[])::TEXT[] FROM pg_catalog.pg_namespace n WHERE n.nspname=$1",
      [str(d.name)],
    );
    if (!rows.length) return null;
    return { ...d, owner: rows[0].pg_get_userbyid, database };
  });
}
