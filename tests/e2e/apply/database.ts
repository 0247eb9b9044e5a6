/** postgresql:index/database:Database — follows postgresql/resource_postgresql_database.go. */
import { dbExists, getDatabaseOwner, grantRoleMembership, pgLockRole, pqQuoteLiteral, quoteIdent, revokeRoleMembership } from "./helpers";
import { bool, int, str, type ResourceKind, type State } from "./kind";
import type { Session } from "./session";

export const database: ResourceKind = {
  fields: [
    { name: "name", type: "string" },
    { name: "owner", type: "string", computed: true },
    { name: "template", type: "string", computed: true, forceNew: true },
    { name: "encoding", type: "string", computed: true, forceNew: true },
    { name: "lcCollate", type: "string", computed: true, forceNew: true },
    { name: "lcCtype", type: "string", computed: true, forceNew: true },
    { name: "tablespaceName", type: "string", computed: true },
    { name: "connectionLimit", type: "int", default: -1 },
    { name: "allowConnections", type: "bool", default: true },
    { name: "isTemplate", type: "bool", computed: true },
    { name: "alterObjectOwnership", type: "bool", default: false },
  ],

  exists: (s, d) => s.transaction(s.settings.databaseDefault, (tx) => dbExists(tx, str(d.name))),

  read: readDatabase,

  async create(s, d) {
    const owner = str(d.owner);
    await asOwner(s, owner, async () => {
      // CREATE DATABASE cannot run in a transaction: it goes through the pool (autocommit).
      const opt = (v: string, def: string, set: string) => (v.toUpperCase() === "DEFAULT" ? def : set);
      let sql = `CREATE DATABASE ${quoteIdent(str(d.name))} OWNER ${quoteIdent(owner || s.settings.username)}`;
      const template = str(d.template);
      sql += template ? opt(template, " TEMPLATE DEFAULT", ` TEMPLATE ${quoteIdent(template)}`) : " TEMPLATE template0";
      const encoding = str(d.encoding);
      sql += encoding ? opt(encoding, " ENCODING DEFAULT", ` ENCODING '${pqQuoteLiteral(encoding)}' `) : " ENCODING 'UTF8'";
      // LC_COLLATE / LC_CTYPE only when given (otherwise the template's).
      const collate = str(d.lcCollate);
      if (collate) sql += opt(collate, " LC_COLLATE DEFAULT", ` LC_COLLATE '${pqQuoteLiteral(collate)}' `);
      const ctype = str(d.lcCtype);
      if (ctype) sql += opt(ctype, " LC_CTYPE DEFAULT", ` LC_CTYPE '${pqQuoteLiteral(ctype)}' `);
      const tablespace = str(d.tablespaceName);
      if (tablespace) sql += opt(tablespace, " TABLESPACE DEFAULT", ` TABLESPACE ${quoteIdent(tablespace)}`);
      sql += ` ALLOW_CONNECTIONS ${bool(d.allowConnections)} CONNECTION LIMIT ${int(d.connectionLimit)}`;
      sql += ` IS_TEMPLATE ${bool(d.isTemplate)}`;
      await s.pool(s.settings.databaseDefault).q(sql);
    });
    return readDatabase(s, d);
  },

  async update(s, _old, d, changed) {
    const db = s.pool(s.settings.databaseDefault);
    const name = quoteIdent(str(d.name));
    const owner = str(d.owner);
    // setAlterOwnership: REASSIGN OWNED BY <current owner> inside the database, as a member of it.
    if ((changed.has("owner") || changed.has("alterObjectOwnership")) && owner !== "" && bool(d.alterObjectOwnership)) {
      await s.transaction(str(d.name), async (lock) => {
        await pgLockRole(lock, s.settings.username);
        const currentOwner = await getDatabaseOwner(db, str(d.name));
        if (currentOwner === owner) return;
        const granted = await grantRoleMembership(db, currentOwner, s.settings.username);
        try {
          await lock.q(`REASSIGN OWNED BY ${quoteIdent(currentOwner)} TO ${quoteIdent(owner)}`);
          await lock.commit();
        } finally {
          if (granted) await revokeRoleMembership(db, currentOwner, s.settings.username).catch(() => false);
        }
      });
    }
    // setDBOwner: only the *new* owner is granted; a non-superuser must already own the database.
    if (changed.has("owner") && owner !== "") {
      await asOwner(s, owner, async () => {
        await db.q(`ALTER DATABASE ${name} OWNER TO ${quoteIdent(owner)}`);
      });
    }
    if (changed.has("tablespaceName")) {
      const t = str(d.tablespaceName);
      await db.q(
        t === "" || t.toUpperCase() === "DEFAULT"
          ? `ALTER DATABASE ${name} RESET TABLESPACE`
          : `ALTER DATABASE ${name} SET TABLESPACE ${quoteIdent(t)}`,
      );
    }
    if (changed.has("connectionLimit")) await db.q(`ALTER DATABASE ${name} CONNECTION LIMIT = ${int(d.connectionLimit)}`);
    if (changed.has("allowConnections")) await db.q(`ALTER DATABASE ${name} ALLOW_CONNECTIONS ${bool(d.allowConnections)}`);
    if (changed.has("isTemplate")) await db.q(`ALTER DATABASE ${name} IS_TEMPLATE ${bool(d.isTemplate)}`);
    return readDatabase(s, d);
  },

  async delete(s, d) {
    const db = s.pool(s.settings.databaseDefault);
    const dbName = str(d.name);
    await asOwner(s, str(d.owner), async () => {
      if (bool(d.isTemplate)) await db.q(`ALTER DATABASE ${quoteIdent(dbName)} IS_TEMPLATE false`);
      // terminateBConnections. Our own idle connections to it go first (the provider's pool keeps none).
      await s.closeDatabase(dbName);
      await db.q(`ALTER DATABASE ${quoteIdent(dbName)} ALLOW_CONNECTIONS false`);
      // Upstream interpolates the name unescaped here: a database name containing ' cannot be dropped.
      await db.q(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${dbName}' AND pid <> pg_backend_pid()`);
      await db.q(`DROP DATABASE ${quoteIdent(dbName)} WITH ( FORCE )`);
    });
  },
};

/**
 * createDatabase / setDBOwner / Delete: with an owner, hold an advisory lock on the *configured*
 * username in a side transaction, GRANT owner TO username through the pool (committed: CREATE
 * DATABASE cannot share a transaction), run fn, REVOKE it again (errors ignored, as the deferred
 * revoke's are), then roll the lock transaction back.
 */
async function asOwner(s: Session, owner: string, fn: () => Promise<void>): Promise<void> {
  if (owner === "") return fn();
  const db = s.pool(s.settings.databaseDefault);
  const user = s.settings.username;
  await s.transaction(s.settings.databaseDefault, async (lock) => {
    await pgLockRole(lock, user);
    const granted = await grantRoleMembership(db, owner, user);
    try {
      await fn();
    } finally {
      if (granted) await revokeRoleMembership(db, owner, user).catch(() => false);
    }
  });
}

/** resourcePostgreSQLDatabaseReadImpl: four pool queries; template is not read (state or "template0"). */
async function readDatabase(s: Session, d: State): Promise<State | null> {
  const db = s.pool(s.settings.databaseDefault);
  const name = str(d.name);
  const head = await db.q("SELECT d.datname, pg_catalog.pg_get_userbyid(d.datdba) from pg_database d WHERE datname=$1", [name]);
  if (!head.length) return null;
  const from = "FROM pg_catalog.pg_database AS d, pg_catalog.pg_tablespace AS ts WHERE d.datname = $1 AND d.dattablespace = ts.oid";
  const props = await db.q(
    `SELECT pg_catalog.pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, ts.spcname, d.datconnlimit ${from}`,
    [name],
  );
  if (!props.length) return null;
  const allow = await db.q(`SELECT d.datallowconn ${from}`, [name]);
  const tmpl = await db.q(`SELECT d.datistemplate ${from}`, [name]);
  return {
    ...d,
    name: head[0].datname,
    owner: head[0].pg_get_userbyid,
    encoding: props[0].pg_encoding_to_char,
    lcCollate: props[0].datcollate,
    lcCtype: props[0].datctype,
    tablespaceName: props[0].spcname,
    connectionLimit: props[0].datconnlimit,
    template: str(d.template) || "template0",
    allowConnections: allow[0].datallowconn,
    isTemplate: tmpl[0].datistemplate,
  };
}
