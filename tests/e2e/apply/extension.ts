/** postgresql:index/extension:Extension — follows postgresql/resource_postgresql_extension.go. */
import { dbExists, quoteIdent } from "./helpers";
import { bool, str, type ResourceKind, type State } from "./kind";
import type { Session } from "./session";

export const extension: ResourceKind = {
  fields: [
    { name: "name", type: "string", forceNew: true },
    { name: "schema", type: "string", computed: true },
    { name: "version", type: "string", computed: true },
    { name: "database", type: "string", computed: true, forceNew: true },
    { name: "dropCascade", type: "bool", default: false },
    { name: "createCascade", type: "bool", default: false },
  ],

  async exists(s, d) {
    const database = dbOf(s, d);
    if (!(await dbExists(s.pool(s.settings.databaseDefault), database))) return false;
    return s.transaction(database, async (tx) => {
      const rows = await tx.q("SELECT extname FROM pg_catalog.pg_extension WHERE extname = $1", [str(d.name)]);
      return rows.length > 0;
    });
  },

  read: readExtension,

  async create(s, d) {
    let sql = `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(str(d.name))}`;
    if (str(d.schema)) sql += ` SCHEMA ${quoteIdent(str(d.schema))}`;
    if (str(d.version)) sql += ` VERSION ${quoteIdent(str(d.version))}`;
    if (bool(d.createCascade)) sql += " CASCADE";
    await s.transaction(dbOf(s, d), async (tx) => {
      await tx.q(sql);
      await tx.commit();
    });
    return readExtension(s, d);
  },

  async update(s, _old, d, changed) {
    const name = quoteIdent(str(d.name));
    await s.transaction(dbOf(s, d), async (tx) => {
      if (changed.has("schema")) {
        if (!str(d.schema)) throw new Error("error setting extension name to an empty string");
        await tx.q(`ALTER EXTENSION ${name} SET SCHEMA ${quoteIdent(str(d.schema))}`);
      }
      if (changed.has("version")) await tx.q(`ALTER EXTENSION ${name} UPDATE${str(d.version) ? ` TO ${quoteIdent(str(d.version))}` : ""}`);
      await tx.commit();
    });
    return readExtension(s, d);
  },

  async delete(s, d) {
    await s.transaction(dbOf(s, d), async (tx) => {
      await tx.q(`DROP EXTENSION ${quoteIdent(str(d.name))} ${bool(d.dropCascade) ? "CASCADE" : "RESTRICT"} `);
      await tx.commit();
    });
  },
};

const dbOf = (s: Session, d: State) => str(d.database) || s.settings.databaseDefault;

async function readExtension(s: Session, d: State): Promise<State | null> {
  const database = dbOf(s, d);
  return s.transaction(database, async (tx) => {
    const rows = await tx.q(
      "SELECT n.nspname, e.extversion FROM pg_catalog.pg_extension e, pg_catalog.pg_namespace n WHERE n.oid = e.extnamespace AND e.extname = $1",
      [str(d.name)],
    );
    if (!rows.length) return null;
    return { ...d, schema: rows[0].nspname, version: rows[0].extversion, database };
  });
}
