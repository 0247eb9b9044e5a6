/** postgresql:index/securityLabel:SecurityLabel — follows postgresql/resource_postgresql_security_label.go. */
import { quoteIdent, quoteLiteral } from "./helpers";
import { str, type ResourceKind, type State } from "./kind";
import type { Session } from "./session";

export const securityLabel: ResourceKind = {
  fields: [
    { name: "objectName", type: "string", forceNew: true },
    { name: "objectType", type: "string", forceNew: true },
    { name: "labelProvider", type: "string", forceNew: true },
    { name: "label", type: "string" },
  ],

  read: readLabel,

  async create(s, d) {
    await setLabel(s, d, quoteLiteral(str(d.label)));
    return readLabel(s, d);
  },

  async update(s, _old, d) {
    await setLabel(s, d, quoteLiteral(str(d.label)));
    return readLabel(s, d);
  },

  // Delete = SECURITY LABEL ... IS NULL.
  delete: (s, d) => setLabel(s, d, "NULL"),
};

/**
 * Upstream's exact text: "SECURITY LABEL " + " FOR " ... and no space between the object type and
 * the quoted name (`ON role"x"`), which PostgreSQL tokenises fine. Autocommit on the provider's database.
 */
async function setLabel(s: Session, d: State, label: string): Promise<void> {
  const sql =
    `SECURITY LABEL  FOR ${quoteIdent(str(d.labelProvider))} ON ${str(d.objectType)}${quoteIdent(str(d.objectName))}` + ` IS ${label}`;
  await s.pool(s.settings.databaseDefault).q(sql);
}

/**
 * security_label.go quoteIdentifier: quote unless /^[a-zA-Z_][a-zA-Z0-9_]*$/ and lower case. It is
 * compared with pg_seclabels.objname, which PostgreSQL renders with quote_ident(); the two disagree
 * for SQL keywords (a role named `user` or `select`), whose label then never reads back: the
 * resource is re-created on every refresh.
 */
function goQuoteIdentifier(s: string): string {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(s) && s === s.toLowerCase() ? s : quoteIdent(s);
}

/** Opens (and rolls back) an empty transaction, but queries through the pool, like upstream. */
async function readLabel(s: Session, d: State): Promise<State | null> {
  return s.transaction(s.settings.databaseDefault, async () => {
    const rows = await s
      .pool(s.settings.databaseDefault)
      .q("SELECT objtype, provider, objname, label FROM pg_seclabels WHERE objtype = $1 and objname = $2 and provider = $3", [
        str(d.objectType),
        goQuoteIdentifier(str(d.objectName)),
        goQuoteIdentifier(str(d.labelProvider)),
      ]);
    if (!rows.length) return null;
    return { ...d, objectType: rows[0].objtype, label: rows[0].label };
  });
}
