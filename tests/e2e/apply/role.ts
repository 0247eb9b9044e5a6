/** postgresql:index/role:Role — follows postgresql/resource_postgresql_role.go. */
import { createHash } from "crypto";
import { pgLockRole, pqQuoteLiteral, quoteIdent, setList, withRolesGranted } from "./helpers";
import { bool, int, str, strs, type ResourceKind, type State } from "./kind";
import type { Queryable, Session } from "./session";

// ALTER ROLE ... WITH <on>|<off> for the boolean attributes, in upstream's create order.
const boolOpts: [field: string, on: string, off: string][] = [
  ["superuser", "SUPERUSER", "NOSUPERUSER"],
  ["createDatabase", "CREATEDB", "NOCREATEDB"],
  ["createRole", "CREATEROLE", "NOCREATEROLE"],
  ["inherit", "INHERIT", "NOINHERIT"],
  ["login", "LOGIN", "NOLOGIN"],
  ["bypassRowLevelSecurity", "BYPASSRLS", "NOBYPASSRLS"], // featureRLS (>= 9.5)
  ["replication", "REPLICATION", "NOREPLICATION"], // featureReplication (>= 9.1)
];
// resourcePostgreSQLRoleUpdate calls its per-attribute setters (each guarded by HasChange) in this order.
const updateOrder = [
  "bypassRowLevelSecurity",
  "connectionLimit",
  "createDatabase",
  "createRole",
  "inherit",
  "login",
  "replication",
  "superuser",
  "validUntil",
];

function alterAttribute(q: string, field: string, d: State): string | undefined {
  if (field === "connectionLimit") return `ALTER ROLE ${q} CONNECTION LIMIT ${int(d.connectionLimit)}`;
  if (field === "validUntil") {
    const v = str(d.validUntil);
    if (v === "") return undefined;
    return `ALTER ROLE ${q} VALID UNTIL '${pqQuoteLiteral(v.toLowerCase() === "infinity" ? "infinity" : v)}'`;
  }
  const [, on, off] = boolOpts.find(([f]) => f === field) as [string, string, string];
  return `ALTER ROLE ${q} WITH ${bool(d[field]) ? on : off}`;
}

export const role: ResourceKind = {
  fields: [
    { name: "name", type: "string" },
    { name: "password", type: "string" },
    { name: "roles", type: "set" },
    { name: "searchPaths", type: "list" },
    { name: "encryptedPassword", type: "bool", default: true },
    { name: "validUntil", type: "string", default: "infinity" },
    { name: "connectionLimit", type: "int", default: -1 },
    { name: "superuser", type: "bool", default: false },
    { name: "createDatabase", type: "bool", default: false },
    { name: "createRole", type: "bool", default: false },
    { name: "idleInTransactionSessionTimeout", type: "int" },
    { name: "inherit", type: "bool", default: true },
    { name: "login", type: "bool", default: false },
    { name: "replication", type: "bool", default: false },
    { name: "bypassRowLevelSecurity", type: "bool", default: false },
    { name: "skipDropRole", type: "bool", default: false },
    { name: "skipReassignOwned", type: "bool", default: false },
    { name: "statementTimeout", type: "int" },
    { name: "assumeRole", type: "string" },
  ],

  async exists(s, d) {
    const rows = await s.pool(s.settings.databaseDefault).q("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname=$1", [str(d.name)]);
    return rows.length > 0;
  },

  async read(s, state) {
    return readRole(s, state);
  },

  async create(s, d) {
    const name = str(d.name);
    await s.transaction(s.settings.databaseDefault, async (tx) => {
      const opts: string[] = [];
      const password = str(d.password);
      if (password !== "") {
        if (password.toUpperCase() === "NULL") opts.push("PASSWORD NULL");
        else opts.push(bool(d.encryptedPassword) ? "ENCRYPTED" : "UNENCRYPTED", `PASSWORD '${pqQuoteLiteral(password)}'`);
      }
      const validUntil = str(d.validUntil);
      if (validUntil !== "") {
        opts.push(`VALID UNTIL '${validUntil.toLowerCase() === "infinity" ? "infinity" : pqQuoteLiteral(validUntil)}'`);
      }
      opts.push(`CONNECTION LIMIT ${int(d.connectionLimit)}`);
      for (const [field, on, off] of boolOpts) opts.push(bool(d[field]) ? on : off);
      await tx.q(`CREATE ROLE ${quoteIdent(name)} WITH ${opts.join(" ")}`);

      await grantRoles(tx, d);
      await alterSearchPath(tx, d);
      // On create HasChange(x) means "differs from the zero value".
      if (int(d.statementTimeout) !== 0) await setTimeout(tx, name, "statement_timeout", int(d.statementTimeout));
      if (int(d.idleInTransactionSessionTimeout) !== 0) {
        await setTimeout(tx, name, "idle_in_transaction_session_timeout", int(d.idleInTransactionSessionTimeout));
      }
      if (str(d.assumeRole) !== "") await setAssumeRole(tx, name, str(d.assumeRole));
      await tx.commit();
    });
    return readRole(s, d);
  },

  async update(s, old, d, changed) {
    const name = str(d.name);
    const q = quoteIdent(name);
    await s.transaction(s.settings.databaseDefault, async (tx) => {
      await pgLockRole(tx, str(old.name));
      if (changed.has("name")) await tx.q(`ALTER ROLE ${quoteIdent(str(old.name))} RENAME TO ${q}`);
      if ((changed.has("password") || changed.has("name")) && str(d.password) !== "") {
        await tx.q(`ALTER ROLE ${q} PASSWORD '${pqQuoteLiteral(str(d.password))}'`);
      }
      for (const field of updateOrder) {
        const sql = changed.has(field) ? alterAttribute(q, field, d) : undefined;
        if (sql) await tx.q(sql);
      }
      // Memberships are always rebuilt: revoke every current one, grant the configured ones.
      const current = await tx.q(
        `SELECT pg_get_userbyid(roleid)
		FROM pg_catalog.pg_auth_members members
		JOIN pg_catalog.pg_roles ON members.member = pg_roles.oid
		WHERE rolname = $1`,
        [name],
      );
      for (const r of current) await tx.q(`REVOKE ${quoteIdent(r.pg_get_userbyid)} FROM ${q}`);
      await grantRoles(tx, d);
      await alterSearchPath(tx, d);
      if (changed.has("statementTimeout")) await setTimeout(tx, name, "statement_timeout", int(d.statementTimeout));
      if (changed.has("idleInTransactionSessionTimeout")) {
        await setTimeout(tx, name, "idle_in_transaction_session_timeout", int(d.idleInTransactionSessionTimeout));
      }
      if (changed.has("assumeRole")) await setAssumeRole(tx, name, str(d.assumeRole));
      await tx.commit();
    });
    return readRole(s, d);
  },

  // Only the provider's own database is cleaned: objects owned by, or privileges granted to, the role
  // in other databases make DROP ROLE fail ("some objects depend on it").
  async delete(s, d) {
    const name = str(d.name);
    await s.transaction(s.settings.databaseDefault, async (tx) => {
      await pgLockRole(tx, name);
      if (!bool(d.skipReassignOwned)) {
        await withRolesGranted(tx, [name], async () => {
          await tx.q(`REASSIGN OWNED BY ${quoteIdent(name)} TO ${quoteIdent(s.settings.username)}`);
          await tx.q(`DROP OWNED BY ${quoteIdent(name)}`);
        });
      }
      if (!bool(d.skipDropRole)) await tx.q(`DROP ROLE ${quoteIdent(name)}`);
      await tx.commit();
    });
  },
};

async function grantRoles(tx: Queryable, d: State): Promise<void> {
  for (const r of setList(strs(d.roles))) await tx.q(`GRANT ${quoteIdent(r)} TO ${quoteIdent(str(d.name))}`);
}

/** Always issued (create and every update); an empty list resets to DEFAULT. */
async function alterSearchPath(tx: Queryable, d: State): Promise<void> {
  const parts = strs(d.searchPaths);
  for (const p of parts) if (p.includes(", ")) throw new Error(`search_path cannot contain \`, \`: ${p}`);
  const value = parts.length ? parts.map(quoteIdent).join(", ") : "DEFAULT";
  await tx.q(`ALTER ROLE ${quoteIdent(str(d.name))} SET search_path TO ${value}`);
}

async function setTimeout(tx: Queryable, name: string, param: string, value: number): Promise<void> {
  await tx.q(value !== 0 ? `ALTER ROLE ${quoteIdent(name)} SET ${param} TO ${value}` : `ALTER ROLE ${quoteIdent(name)} RESET ${param}`);
}

async function setAssumeRole(tx: Queryable, name: string, assume: string): Promise<void> {
  await tx.q(
    assume !== "" ? `ALTER ROLE ${quoteIdent(name)} SET ROLE TO ${quoteIdent(assume)}` : `ALTER ROLE ${quoteIdent(name)} RESET ROLE`,
  );
}

/** resourcePostgreSQLRoleReadImpl: one pg_roles query on the provider's database (pool, no transaction). */
async function readRole(s: Session, state: State): Promise<State | null> {
  const db = s.pool(s.settings.databaseDefault);
  const rows = await db.q(
    `SELECT ARRAY(
			SELECT pg_get_userbyid(roleid) FROM pg_catalog.pg_auth_members members WHERE member = pg_roles.oid
		), rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolconnlimit, COALESCE(rolvaliduntil::TEXT, 'infinity'), rolconfig, rolreplication, rolbypassrls
		FROM pg_catalog.pg_roles WHERE rolname=$1`,
    [str(state.name)],
  );
  if (!rows.length) return null;
  const r = rows[0];
  const config: string[] = r.rolconfig ?? [];
  const setting = (key: string) => config.find((c) => c.startsWith(key))?.slice(key.length + 1);
  const out: State = {
    ...state,
    name: r.rolname,
    connectionLimit: r.rolconnlimit,
    createDatabase: r.rolcreatedb,
    createRole: r.rolcreaterole,
    encryptedPassword: true, // always read back as true: `encryptedPassword: false` diffs forever
    inherit: r.rolinherit,
    login: r.rolcanlogin,
    superuser: r.rolsuper,
    validUntil: r.coalesce, // text form of the timestamp: only 'infinity' round-trips verbatim
    replication: r.rolreplication,
    bypassRowLevelSecurity: r.rolbypassrls,
    roles: r.array ?? [],
    // readSearchPath: split on ", " and trim double quotes.
    searchPaths:
      setting("search_path")
        ?.split(", ")
        .map((p) => p.replace(/^"+|"+$/g, "")) ?? [],
    assumeRole: setting("role") ?? "",
    statementTimeout: Number(setting("statement_timeout")?.split(", ")[0] ?? 0),
    idleInTransactionSessionTimeout: Number(setting("idle_in_transaction_session_timeout")?.split(", ")[0] ?? 0),
  };
  // readRolePassword: the state password is kept unless the provider is told it is a superuser and
  // the role can log in; then it checks CURRENT_USER really is one (error otherwise) and reads pg_shadow.
  if (str(state.password) !== "" && r.rolcanlogin && s.settings.superuser) {
    const me = await db.q("SELECT rolsuper FROM pg_roles WHERE rolname = CURRENT_USER");
    if (!me[0]?.rolsuper) {
      throw new Error(
        `could not read role password from Postgres as connected user ${s.settings.username} is not a SUPERUSER. ` +
          "You can set `superuser = false` in the provider configuration so it will not try to read the password from Postgres",
      );
    }
    const pw = await db.q("SELECT COALESCE(passwd, '') FROM pg_catalog.pg_shadow AS s WHERE s.usename = $1", [str(state.name)]);
    const stored = str(pw[0]?.coalesce);
    const mine = str(state.password);
    out.password = stored;
    if (!mine.startsWith("md5") && !mine.startsWith("SCRAM-SHA-256")) {
      const md5 =
        "md5" +
        createHash("md5")
          .update(mine + str(state.name))
          .digest("hex");
      // A SCRAM verifier is taken as "same password" without checking (upstream TODO).
      if (stored === md5 || stored.startsWith("SCRAM-SHA-256")) out.password = mine;
    }
  }
  return out;
}
