/** postgresql:index/grantRole:GrantRole — follows postgresql/resource_postgresql_grant_role.go. */
import { quoteIdent } from "./helpers";
import { bool, str, type ResourceKind, type State } from "./kind";
import type { Session } from "./session";

// Every field is ForceNew and there is no Update: a drifted admin option (read back from
// pg_auth_members) means replace = REVOKE, then REVOKE + GRANT.
export const grantRole: ResourceKind = {
  fields: [
    { name: "role", type: "string", forceNew: true },
    { name: "grantRole", type: "string", forceNew: true },
    { name: "withAdminOption", type: "bool", default: false, forceNew: true },
  ],

  read: readGrantRole,

  async create(s, d) {
    await s.transaction(s.settings.databaseDefault, async (tx) => {
      await tx.q(revokeQuery(d)); // only a WARNING when not a member yet
      const sql = `GRANT ${quoteIdent(str(d.grantRole))} TO ${quoteIdent(str(d.role))}`;
      await tx.q(bool(d.withAdminOption) ? sql + " WITH ADMIN OPTION" : sql);
      await tx.commit();
    });
    return readGrantRole(s, d);
  },

  async update() {
    throw new Error("GrantRole has no Update upstream (all fields force replacement)");
  },

  async delete(s, d) {
    await s.transaction(s.settings.databaseDefault, async (tx) => {
      await tx.q(revokeQuery(d));
      await tx.commit();
    });
  },
};

const revokeQuery = (d: State) => `REVOKE ${quoteIdent(str(d.grantRole))} FROM ${quoteIdent(str(d.role))}`;

async function readGrantRole(s: Session, d: State): Promise<State | null> {
  const rows = await s.pool(s.settings.databaseDefault).q(
    `
SELECT
  pg_get_userbyid(member) as role,
  pg_get_userbyid(roleid) as grant_role,
  admin_option
FROM
  pg_auth_members
WHERE
  pg_get_userbyid(member) = $1 AND
  pg_get_userbyid(roleid) = $2;
`,
    [str(d.role), str(d.grantRole)],
  );
  if (!rows.length) return null;
  return { ...d, role: rows[0].role, grantRole: rows[0].grant_role, withAdminOption: rows[0].admin_option };
}
