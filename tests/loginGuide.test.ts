import { execFileSync } from "child_process";
import { parse as parseUri } from "pg-connection-string";
import { planAccess } from "../components/access/plan";
import type { AccessEntryArgs } from "../components/access/args";
import { LoginGuideEntry, TOKEN_COMMAND, conninfoValue, loginGuide, renderLoginGuide, shellQuote, typed } from "../components/loginGuide";
import { IDS } from "./support/fixtures";

const HOST = "pg-orders-dev.postgres.database.azure.com";
const ACCESS: AccessEntryArgs[] = [
  { principal: { name: "Data Readers", type: "Group", objectId: IDS.readers }, grants: [{ database: "orders", preset: "read" }] },
  {
    principal: { name: "id-orders-api", type: "ManagedIdentity", objectId: IDS.ciApp },
    grants: [{ database: "orders", preset: "readWrite" }],
  },
  {
    principal: { name: "ci-deployer", type: "ServicePrincipal", objectId: IDS.ciApp.replace("7", "1") },
    grants: [{ database: "orders", preset: "owner" }],
  },
  { principal: { name: "Zoë O'Brien@contoso.com", type: "User", objectId: IDS.alice }, grants: [{ database: "orders", preset: "read" }] },
];
const plan = planAccess({ databases: [{ name: "orders" }], access: ACCESS, deployer: "pg-dba" });

function guide(groupSync = false): Map<string, LoginGuideEntry> {
  const entries = loginGuide(plan, { host: HOST, groupSync }, [{ name: "pg-dba", type: "Group" }]);
  return new Map(entries.map((e) => [e.principal, e]));
}

describe("loginGuide", () => {
  it("has one entry per principal and administrator, sorted by name", () => {
    expect([...guide().keys()]).toEqual(["ci-deployer", "Data Readers", "id-orders-api", "pg-dba", "Zoë O'Brien@contoso.com"]);
  });

  it.each([
    ["Data Readers", "Group"],
    ["id-orders-api", "ManagedIdentity"],
    ["ci-deployer", "ServicePrincipal"],
    ["Zoë O'Brien@contoso.com", "User"],
  ])("%s (%s) logs in with exactly its role name, over TLS, with a token", (name, type) => {
    const e = guide().get(name)!;
    expect(e.principalType).toBe(type);
    expect(e.username).toBe(name);
    expect(e.sslmode).toBe("require");
    expect(e.tokenCommand).toBe("az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv");
    expect(e.psql).toContain(`PGPASSWORD="$(${TOKEN_COMMAND})"`);
    expect(e.databases).toEqual(["orders"]);
  });

  it("tells group members to use the group's name with their own token when group sync is off", () => {
    const notes = guide(false).get("Data Readers")!.notes.join("\n");
    expect(notes).toContain("group's name, `Data Readers`, as username and their OWN token");
    expect(notes).toMatch(/own name fails/);
    expect(notes).toMatch(/Group sync is OFF/);
  });

  it("tells group members their own name works after sync when group sync is on", () => {
    const notes = guide(true).get("Data Readers")!.notes.join("\n");
    expect(notes).toMatch(/Group sync is ON/);
    expect(notes).toContain("pgaadauth_sync_roles_for_group_members()");
    expect(notes).toMatch(/own UPN/);
  });

  it("tells service principals and managed identities to use the display name", () => {
    expect(guide().get("id-orders-api")!.notes.join()).toContain("display name `id-orders-api`, not the client id");
    expect(guide().get("id-orders-api")!.signIn).toMatch(/--identity/);
  });

  it("lists administrators on every database and warns against everyday use", () => {
    const e = guide().get("pg-dba")!;
    expect(e.administrator).toBe(true);
    expect(e.databases).toEqual(["orders", "postgres"]);
    expect(e.notes.join()).toMatch(/not for everyday work/);
  });

  it("tells owners to SET ROLE to the database owner before DDL", () => {
    expect(guide().get("ci-deployer")!.notes.join()).toContain('SET ROLE "orders_owner"');
  });

  it("puts no secret anywhere: the token is only ever fetched by command", () => {
    for (const e of guide().values()) {
      expect(e.psql.startsWith(`PGPASSWORD="$(${TOKEN_COMMAND})" psql `)).toBe(true);
      for (const text of [e.conninfo, e.uri, e.psql]) expect(text).not.toMatch(/(^|[\s?&])password=/i);
      expect(e.uri).not.toMatch(/:[^/@]*@/); // no user:password@
    }
    expect(renderLoginGuide([...guide().values()])).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // a JWT
  });

  it("gives a URI whose user and database decode to the exact names", () => {
    for (const e of guide().values()) {
      const parsed = parseUri(e.uri);
      expect(parsed.user).toBe(e.username);
      expect(parsed.database).toBe(e.databases[0]);
      expect(parsed.host).toBe(HOST);
      expect(String(parsed.port)).toBe("5432");
      expect(parsed.ssl === true || (parsed as Record<string, unknown>).sslmode === "require").toBe(true);
    }
  });

  it("renders Markdown with a section per principal and the troubleshooting section", () => {
    const md = renderLoginGuide([...guide().values()]);
    expect(md.match(/^## /gm)).toHaveLength(6);
    for (const failure of ["password authentication failed", "does not exist", "sslmode=require", "permission denied"])
      expect(md).toContain(failure);
  });
});

describe("quoting", () => {
  const NAMES = [
    "plain",
    "Data Readers",
    "Zoë O'Brien@contoso.com",
    'Data Readers "EU"',
    "guest_fabrikam.com#EXT#@contoso.onmicrosoft.com",
    "back\\slash $HOME `x`",
  ];

  it.each(NAMES)("the shell hands psql the conninfo for %s unchanged", (name) => {
    const conninfo = `user=${conninfoValue(name)}`;
    const out = execFileSync("bash", ["-c", `printf '%s' ${shellQuote(conninfo)}`], { encoding: "utf8" });
    expect(out).toBe(conninfo);
  });

  it.each([
    ["plain", "plain"],
    ["Data Readers", "'Data Readers'"],
    ["O'Brien", "'O\\'Brien'"],
    ["a\\b", "'a\\\\b'"],
    ["", "''"],
  ])("conninfo value of %j is %s", (value, expected) => {
    expect(conninfoValue(value)).toBe(expected);
  });
});

/** The text of a CommonMark code span (spec 6.1): strip the fence, then one space pair, if any. */
function codeSpanText(span: string): string {
  const fence = /^`+/.exec(span)![0];
  expect(span.endsWith(fence)).toBe(true);
  let inner = span.slice(fence.length, span.length - fence.length);
  expect(inner.includes(fence) && new RegExp(`(^|[^\`])${fence}([^\`]|$)`).test(inner)).toBe(false);
  if (inner.startsWith(" ") && inner.endsWith(" ") && inner.trim() !== "") inner = inner.slice(1, -1);
  return inner;
}

describe("names in the guide's prose are printed as typed (issue 12, class 9)", () => {
  // [name, type, the span the notes must show]
  const NAMES: [string, "Group" | "ManagedIdentity" | "ServicePrincipal", string][] = [
    ['Data "Ops" Team', "Group", '`Data "Ops" Team`'],
    ["Data Readers", "Group", "`Data Readers`"],
    ["O'Brien's apps", "ServicePrincipal", "`O'Brien's apps`"],
    ["back\\slash", "Group", "`back\\slash`"],
    ["$HOME team", "Group", "`$HOME team`"],
    ["a`b", "ManagedIdentity", "``a`b``"],
    ["`edge`", "Group", "`` `edge` ``"],
    ["x ``y`` z", "ServicePrincipal", "```x ``y`` z```"],
    ["Zoë & Ünal", "Group", "`Zoë & Ünal`"],
  ];
  const guideFor = (name: string, type: "Group" | "ManagedIdentity" | "ServicePrincipal") =>
    loginGuide(
      planAccess({
        databases: [{ name: "orders" }],
        access: [{ principal: { name, type, objectId: IDS.readers }, grants: [{ database: "orders", preset: "read" }] }],
        deployer: "pg-dba",
      }),
      { host: HOST, groupSync: false },
    ).find((e) => e.principal === name)!;

  it.each(NAMES)("%s (%s) appears in the notes as %s, which reads back as the name", (name, type, span) => {
    const e = guideFor(name, type);
    expect(typed(name)).toBe(span);
    expect(codeSpanText(span)).toBe(name);
    expect(e.notes.join("\n")).toContain(span);
    expect(renderLoginGuide([e])).toContain(`- username: ${span}`);
  });

  // The bad outputs of before: JSON escaping nobody types.
  it.each(NAMES.filter(([name]) => JSON.stringify(name) !== `"${name}"`))("%s is never JSON-escaped", (name, type) => {
    const e = guideFor(name, type);
    // The prose and the username line; psql and the URI quote on purpose.
    const username = renderLoginGuide([e])
      .split("\n")
      .filter((l) => l.startsWith("- username: "));
    const text = [...e.notes, ...username].join("\n");
    expect(text).not.toContain(JSON.stringify(name));
    expect(text).not.toContain(JSON.stringify(name).slice(1, -1));
  });

  it.each(NAMES)("psql and URI quoting of %s are unchanged: the shell and the URI give back the name", (name, type) => {
    const e = guideFor(name, type);
    expect(e.conninfo).toContain(`user=${conninfoValue(name)}`);
    expect(e.psql).toContain(shellQuote(e.conninfo));
    expect(parseUri(e.uri).user).toBe(name);
  });
});
