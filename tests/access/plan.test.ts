import type { AccessInput, AccessEntryArgs } from "../../components/access/args";
import { PRIVILEGES, accessRoleName, accessSetName } from "../../components/access/naming";
import { AccessPlan, accessIssues, buildAccessPlan, pgaadauthLabel, planAccess } from "../../components/access/plan";
import { validateAccessInput } from "../../components/access/validate";
import { InputError } from "../../components/errors";
import { IDS } from "../support/fixtures";

const ORDERS = { name: "orders", schemas: ["public", "reporting"] };

function entry(
  name: string,
  type: AccessEntryArgs["principal"]["type"],
  grants: AccessEntryArgs["grants"],
  objectId?: string,
): AccessEntryArgs {
  return { principal: { name, type, objectId: objectId ?? IDS.readers }, grants };
}

const DEPLOYER = "ci-deployer";

function input(...access: AccessEntryArgs[]): AccessInput {
  return { databases: [ORDERS], access, deployer: DEPLOYER };
}

const grantsOf = (plan: AccessPlan, role: string) =>
  plan.grants.filter((g) => g.role === role).map((g) => `${g.objectType}${g.schema ? `:${g.schema}` : ""}=${g.privileges.join(",")}`);

const principal = (plan: AccessPlan, name: string) => plan.principals.find((p) => p.name === name)!;

describe("presets", () => {
  it("read: membership in <db>_read, which has CONNECT, USAGE, SELECT on tables and sequences, nothing that writes", () => {
    const plan = planAccess(input(entry("Data Readers", "Group", [{ database: "orders", preset: "read" }])));
    expect(principal(plan, "Data Readers").memberOf).toEqual(["orders_read"]);
    expect(grantsOf(plan, "Data Readers")).toEqual([]);
    expect(grantsOf(plan, "orders_read").sort()).toEqual(
      [
        "database=CONNECT",
        "schema:public=USAGE",
        "schema:reporting=USAGE",
        "table:public=SELECT",
        "table:reporting=SELECT",
        "sequence:public=SELECT",
        "sequence:reporting=SELECT",
      ].sort(),
    );
    const everything = plan.grants.filter((g) => g.role === "orders_read").flatMap((g) => g.privileges);
    for (const write of ["INSERT", "UPDATE", "DELETE", "TRUNCATE", "CREATE", "EXECUTE", "TEMPORARY"])
      expect(everything).not.toContain(write);
  });

  it("readWrite on some schemas: an access role named for them, that writes rows and uses sequences and functions, but creates nothing", () => {
    const plan = planAccess(
      input(entry("id-orders-api", "ManagedIdentity", [{ database: "orders", schemas: ["public"], preset: "readWrite" }])),
    );
    expect(principal(plan, "id-orders-api").memberOf).toEqual(["orders_readwrite_public"]);
    expect(grantsOf(plan, "orders_readwrite_public").sort()).toEqual(
      [
        "database=CONNECT",
        "schema:public=USAGE",
        "table:public=DELETE,INSERT,SELECT,UPDATE",
        "sequence:public=SELECT,UPDATE,USAGE",
        "function:public=EXECUTE",
      ].sort(),
    );
  });

  it("owner: membership in <db>_owner_members, itself a member of the owner role, and no grants", () => {
    const plan = planAccess(input(entry("migrator", "ServicePrincipal", [{ database: "orders", preset: "owner" }])));
    expect(principal(plan, "migrator").memberOf).toEqual(["orders_owner_members"]);
    expect(grantsOf(plan, "migrator")).toEqual([]);
    expect(grantsOf(plan, "orders_owner_members")).toEqual([]);
    expect(plan.memberships.filter((m) => m.role === "orders_owner_members").map((m) => m.grantRole)).toEqual(["orders_owner"]);
  });
});

describe("another administrator deploys", () => {
  const handedOver = (deployer: string) =>
    planAccess({
      ...input(
        entry("Data Readers", "Group", [{ database: "orders", preset: "read" }]),
        entry("migrator", "ServicePrincipal", [{ database: "orders", preset: "owner" }], IDS.ciApp),
      ),
      deployer,
      roleCreator: DEPLOYER,
    });

  it("makes its own access roles, so every membership it must later revoke is one it granted", () => {
    const first = handedOver(DEPLOYER);
    const second = handedOver("dba@contoso.com");
    expect(first.accessRoles.map((r) => r.name)).toEqual(["orders_owner_members", "orders_read"]);
    const tagged = second.accessRoles.map((r) => r.name);
    expect(tagged).toEqual([
      expect.stringMatching(/^orders_owner_members_by_[0-9a-f]{6}$/),
      expect.stringMatching(/^orders_read_by_[0-9a-f]{6}$/),
    ]);
    expect(principal(second, "Data Readers").memberOf).toEqual([tagged[1]]);
    // The roles that own things, and the principals' roles, stay.
    expect(second.databases.map((d) => d.owner)).toEqual(["orders_owner"]);
    expect(second.manager).toBe(first.manager);
  });

  it("keeps the creator's membership in the manager role as it was, and gives the new deployer's ADMIN OPTION", () => {
    const m = handedOver("dba@contoso.com").memberships.filter((x) => x.grantRole === "orders_manager");
    expect(m.map((x) => [x.role, x.withAdminOption, x.ignoreAdminOption]).sort()).toEqual([
      ["ci-deployer", false, true],
      ["dba@contoso.com", true, false],
    ]);
  });

  it("principals with the same preset share one access role: grants do not grow with principals", () => {
    const one = planAccess(input(entry("Data Readers", "Group", [{ database: "orders", preset: "read" }])));
    const many = planAccess(
      input(
        ...Array.from({ length: 20 }, (_, i) =>
          entry(
            `reader${i}@contoso.com`,
            "User",
            [{ database: "orders", preset: "read" }],
            `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
          ),
        ),
      ),
    );
    expect(many.grants).toEqual(one.grants);
    expect(many.defaultPrivileges).toEqual(one.defaultPrivileges);
    expect(many.principals.every((p) => p.memberOf.join() === "orders_read")).toBe(true);
  });

  it("default privileges cover objects the owner roles create later, for each object kind granted", () => {
    const input1 = input(entry("Data Readers", "Group", [{ database: "orders", schemas: ["public"], preset: "read" }]));
    input1.databases[0] = { ...ORDERS, objectOwners: ["migrator"] };
    const plan = planAccess(input1);
    const defaults = plan.defaultPrivileges.map((d) => `${d.role}/${d.owner}/${d.schema}/${d.objectType}=${d.privileges.join(",")}`).sort();
    expect(defaults).toEqual([
      "orders_read_public/migrator/public/sequence=SELECT",
      "orders_read_public/migrator/public/table=SELECT",
      "orders_read_public/orders_owner/public/sequence=SELECT",
      "orders_read_public/orders_owner/public/table=SELECT",
    ]);
  });

  it("explicit privileges are granted to the principal itself, upper-cased and de-duplicated", () => {
    const plan = planAccess(
      input(
        entry("auditor@contoso.com", "User", [
          {
            database: "orders",
            schemas: ["reporting"],
            privileges: { database: ["connect"], schema: ["USAGE"], table: ["select", "SELECT", "REFERENCES"] },
          },
        ]),
      ),
    );
    expect(grantsOf(plan, "auditor@contoso.com").sort()).toEqual([
      "database=CONNECT",
      "schema:reporting=USAGE",
      "table:reporting=REFERENCES,SELECT",
    ]);
    expect(principal(plan, "auditor@contoso.com").memberOf).toEqual([]);
  });
});

describe("the plan's shape", () => {
  it("makes every administrator a member of the manager role, which owns-by-membership every owner role", () => {
    const plan = planAccess({
      databases: [ORDERS, { name: "billing" }],
      access: [],
      deployer: DEPLOYER,
      administrators: ["dba@contoso.com"],
    });
    // The deployer creates the manager role and already holds ADMIN OPTION on it; its own row only adds INHERIT.
    expect(plan.memberships.map((m) => [m.role, m.grantRole, m.withAdminOption, m.ignoreAdminOption]).sort()).toEqual([
      ["billing_manager", "billing_owner", true, false],
      ["billing_manager", "orders_owner", true, false],
      ["ci-deployer", "billing_manager", false, true],
      ["dba@contoso.com", "billing_manager", true, false],
    ]);
    // Named after the alphabetically first database, whatever the list's order.
    expect(planAccess({ databases: [{ name: "billing" }, ORDERS], deployer: DEPLOYER }).manager).toBe("billing_manager");
    expect(plan.administrators).toEqual(["ci-deployer", "dba@contoso.com"]);
  });

  it("gives the manager role ADMIN OPTION on every role the component creates, and grants nothing to azure_pg_admin", () => {
    const plan = planAccess(
      input(
        entry("Data Readers", "Group", [{ database: "orders", preset: "read" }]),
        entry("app", "ServicePrincipal", [{ database: "orders", preset: "readWrite" }], IDS.ciApp),
      ),
    );
    const managed = plan.memberships.filter((m) => m.role === "orders_manager").map((m) => m.grantRole);
    expect(managed.sort()).toEqual(["Data Readers", "app", "orders_owner", "orders_read", "orders_readwrite"].sort());
    // Nobody is an owner here, so there is no owner-members role.
    expect(plan.accessRoles.map((r) => r.name)).toEqual(["orders_read", "orders_readwrite"]);
    expect(JSON.stringify(plan)).not.toContain("azure_pg_admin");
  });

  it("an administrator's memberships ignore the admin option: the creator's implicit row has it", () => {
    const plan = planAccess(
      input({
        principal: { name: DEPLOYER, type: "ServicePrincipal" },
        grants: [{ database: "orders", preset: "read" }],
      }),
    );
    expect(plan.memberships.find((m) => m.role === DEPLOYER && m.grantRole === "orders_read")).toEqual(
      expect.objectContaining({ withAdminOption: false, ignoreAdminOption: true }),
    );
    expect(plan.principals.find((p) => p.name === DEPLOYER)?.administrator).toBe(true);
  });

  it("keeps PUBLIC's USAGE on schema public but not CREATE, unless told not to", () => {
    const on = planAccess(input());
    expect(on.grants).toContainEqual(
      expect.objectContaining({ role: "public", schema: "public", objectType: "schema", privileges: ["USAGE"] }),
    );
    const off = planAccess({ ...input(), revokePublicCreate: false });
    expect(off.grants.filter((g) => g.role === "public" && g.objectType === "schema")).toEqual([]);
  });

  it("revokes PUBLIC's default CONNECT and TEMPORARY on each database, unless told not to", () => {
    const on = planAccess(input());
    expect(on.grants).toContainEqual(
      expect.objectContaining({ role: "public", database: "orders", objectType: "database", privileges: [] }),
    );
    const off = planAccess({ ...input(), revokePublicConnect: false });
    expect(off.grants.filter((g) => g.role === "public" && g.objectType === "database")).toEqual([]);
  });

  it("gives administrators memberships as separate grants, since Azure owns their roles", () => {
    const plan = planAccess({
      ...input({ principal: { name: "pg-dba", type: "Group" }, grants: [{ database: "orders", preset: "read" }] }),
      administrators: ["pg-dba"],
    });
    expect(plan.principals).toEqual([expect.objectContaining({ name: "pg-dba", administrator: true, memberOf: ["orders_read"] })]);
    expect(plan.memberships).toContainEqual(expect.objectContaining({ role: "pg-dba", grantRole: "orders_read", withAdminOption: false }));
  });

  it("gives every resource a unique key that does not depend on list order", () => {
    const a = entry("Data Readers", "Group", [{ database: "orders", preset: "read" }]);
    const b = entry("id-orders-api", "ManagedIdentity", [{ database: "orders", preset: "readWrite" }], IDS.bob);
    const keys = (p: AccessPlan) => [...p.grants, ...p.defaultPrivileges, ...p.memberships].map((x) => x.key);
    const forward = planAccess(input(a, b));
    expect(new Set(keys(forward)).size).toBe(keys(forward).length);
    expect(planAccess(input(b, a))).toEqual(forward);
  });

  it("only grants privileges PostgreSQL knows for each object kind", () => {
    const plan = planAccess(input(entry("x@contoso.com", "User", [{ database: "orders", preset: "readWrite" }])));
    for (const g of plan.grants) for (const p of g.privileges) expect(PRIVILEGES[g.objectType]).toContain(p);
  });
});

describe("one membership per principal: access sets", () => {
  const LEDGER = { name: "ledger", schemas: ["public"] };
  const across = (...access: AccessEntryArgs[]): AccessInput => ({ databases: [ORDERS, LEDGER], access, deployer: DEPLOYER });
  const membershipsOf = (plan: AccessPlan, member: string) =>
    plan.memberships.filter((m) => m.role === member).map((m) => `${m.grantRole}${m.withAdminOption ? " (admin)" : ""}`);
  const analyst = entry(
    "Analysts",
    "Group",
    [
      { database: "orders", preset: "read" },
      { database: "ledger", preset: "readWrite" },
    ],
    IDS.readers,
  );

  it("a principal needing several access roles joins one role that is a member of each, holding no grants", () => {
    const plan = planAccess(across(analyst));
    expect(principal(plan, "Analysts").memberOf).toEqual(["ledger_readwrite+orders_read"]);
    expect(membershipsOf(plan, "Analysts")).toEqual(["ledger_readwrite+orders_read"]);
    expect(plan.accessSets).toEqual([
      expect.objectContaining({ name: "ledger_readwrite+orders_read", roles: ["ledger_readwrite", "orders_read"] }),
    ]);
    expect(membershipsOf(plan, "ledger_readwrite+orders_read")).toEqual(["ledger_readwrite", "orders_read"]);
    expect(grantsOf(plan, "ledger_readwrite+orders_read")).toEqual([]);
    expect(plan.defaultPrivileges.filter((d) => d.role.includes("+"))).toEqual([]);
    // The grants stay on the per-database access roles, as without the set.
    expect(grantsOf(plan, "orders_read")).toContain("table:reporting=SELECT");
    expect(grantsOf(plan, "ledger_readwrite")).toContain("table:public=DELETE,INSERT,SELECT,UPDATE");
  });

  it("the manager role holds ADMIN OPTION on the set, like on every role the component creates", () => {
    const plan = planAccess(across(analyst));
    expect(plan.memberships).toContainEqual(
      expect.objectContaining({ role: "ledger_manager", grantRole: "ledger_readwrite+orders_read", withAdminOption: true }),
    );
  });

  it("principals with the same grant set share it; one access role needs no set; the name is stable", () => {
    const again = entry(
      "Auditors",
      "Group",
      [
        { database: "ledger", preset: "readWrite" },
        { database: "orders", preset: "read" },
      ],
      IDS.alice,
    );
    const single = entry("Readers", "Group", [{ database: "orders", preset: "read" }], IDS.bob);
    const plan = planAccess(across(analyst, again, single));
    expect(plan.accessSets.map((r) => r.name)).toEqual(["ledger_readwrite+orders_read"]);
    expect(principal(plan, "Auditors").memberOf).toEqual(["ledger_readwrite+orders_read"]);
    expect(principal(plan, "Readers").memberOf).toEqual(["orders_read"]);
    // Reordered lists: same roles, same resource keys.
    const reordered = planAccess({ ...across(single, again, analyst), databases: [LEDGER, ORDERS] });
    expect(reordered.accessSets).toEqual(plan.accessSets);
    expect(reordered.memberships).toEqual(plan.memberships);
  });

  it("owner on two databases: one set, a member of both owner-member roles", () => {
    const plan = planAccess(
      across(
        entry(
          "migrator",
          "ServicePrincipal",
          [
            { database: "orders", preset: "owner" },
            { database: "ledger", preset: "owner" },
          ],
          IDS.ciApp,
        ),
      ),
    );
    expect(principal(plan, "migrator").memberOf).toEqual(["ledger_owner_members+orders_owner_members"]);
    expect(membershipsOf(plan, "ledger_owner_members+orders_owner_members")).toEqual(["ledger_owner_members", "orders_owner_members"]);
  });

  it("explicit privileges stay the principal's own; its presets still go through one role", () => {
    const plan = planAccess(
      across(
        entry(
          "etl",
          "ServicePrincipal",
          [
            { database: "orders", preset: "read" },
            { database: "ledger", privileges: { table: ["SELECT"] } },
          ],
          IDS.ciApp,
        ),
      ),
    );
    expect(principal(plan, "etl").memberOf).toEqual(["orders_read"]);
    expect(grantsOf(plan, "etl")).toEqual(["table:public=SELECT"]);
    expect(plan.accessSets).toEqual([]);
  });

  it("another administrator deploying makes its own sets, from its own access roles", () => {
    const plan = planAccess({ ...across(analyst), deployer: "dba@contoso.com", roleCreator: DEPLOYER });
    const [set] = plan.accessSets;
    expect(set.roles).toEqual([
      expect.stringMatching(/^ledger_readwrite_by_[0-9a-f]{6}$/),
      expect.stringMatching(/^orders_read_by_[0-9a-f]{6}$/),
    ]);
    expect(set.name).toBe(set.roles.join("+"));
  });

  it("a name over 63 bytes becomes its name key; a principal may not take a set's name", () => {
    const long = ["a".repeat(40) + "_read", "b".repeat(40) + "_read"];
    expect(Buffer.byteLength(accessSetName(long))).toBeLessThanOrEqual(63);
    expect(accessSetName(long)).toBe(accessSetName([...long].reverse()));
    const issues = accessIssues(
      across(analyst, entry("ledger_readwrite+orders_read", "Group", [{ database: "orders", preset: "read" }], IDS.dbaGroup)),
    );
    expect(issues).toContainEqual(expect.objectContaining({ field: "access[1].principal.name", value: "ledger_readwrite+orders_read" }));
  });
});

describe("pgaadauthLabel", () => {
  it.each([
    ["User", "user"],
    ["Group", "group"],
    ["ServicePrincipal", "service"],
    ["ManagedIdentity", "service"],
  ] as const)("%s is labelled type=%s, with the object id in lower case", (type, label) => {
    expect(pgaadauthLabel(IDS.alice.toUpperCase(), type)).toBe(`aadauth,oid=${IDS.alice},type=${label}`);
  });
});

type Bad = [string, Omit<AccessInput, "deployer"> & { deployer?: string }, string];
const reader = (over: Partial<AccessEntryArgs> = {}): AccessEntryArgs => ({
  ...entry("Data Readers", "Group", [{ database: "orders", preset: "read" }]),
  ...over,
});

const BAD: Bad[] = [
  [
    "a managed identity reference on a group",
    { ...input(reader({ principal: { name: "Data Readers", type: "Group", managedIdentity: { principalId: IDS.readers } } })) },
    "access[0].principal.managedIdentity",
  ],
  [
    "a managed identity whose principal id is not a UUID",
    {
      ...input(
        reader({ principal: { name: "id-orders-api", type: "ManagedIdentity", managedIdentity: { principalId: "id-orders-api" } } }),
      ),
    },
    "access[0].principal.managedIdentity.principalId",
  ],
  ["no databases", { databases: [], access: [] }, "databases"],
  ["reserved database", { databases: [{ name: "postgres" }] }, "databases[0].name"],
  ["database name over 63 bytes", { databases: [{ name: "d".repeat(64) }] }, "databases[0].name"],
  ["database name with a quote", { databases: [{ name: "o'rders" }] }, "databases[0].name"],
  ["database listed twice", { databases: [ORDERS, ORDERS] }, "databases[1].name"],
  ["owner role Azure reserves", { databases: [{ name: "orders", owner: "azure_pg_admin" }] }, "databases[0].owner"],
  ["system schema", { databases: [{ name: "orders", schemas: ["pg_catalog"] }] }, "databases[0].schemas[0]"],
  ["empty schema list", { databases: [{ name: "orders", schemas: [] }] }, "databases[0].schemas"],
  ["unknown preset", input(reader({ grants: [{ database: "orders", preset: "admin" as never }] })), "access[0].grants[0].preset"],
  ["empty privileges", input(reader({ grants: [{ database: "orders", privileges: {} }] })), "access[0].grants[0].privileges"],
  [
    "empty privilege list",
    input(reader({ grants: [{ database: "orders", privileges: { table: [] } }] })),
    "access[0].grants[0].privileges.table",
  ],
  [
    "privilege of another object kind",
    input(reader({ grants: [{ database: "orders", privileges: { schema: ["SELECT"] } }] })),
    "access[0].grants[0].privileges.schema",
  ],
  [
    "unknown object kind",
    input(reader({ grants: [{ database: "orders", privileges: { view: ["SELECT"] } as never }] })),
    "access[0].grants[0].privileges.view",
  ],
  [
    "preset and privileges together",
    input(reader({ grants: [{ database: "orders", preset: "read", privileges: { table: ["SELECT"] } }] })),
    "access[0].grants[0]",
  ],
  ["neither preset nor privileges", input(reader({ grants: [{ database: "orders" }] })), "access[0].grants[0]"],
  ["no grants", input(reader({ grants: [] })), "access[0].grants"],
  ["grant on an unknown database", input(reader({ grants: [{ database: "ordres", preset: "read" }] })), "access[0].grants[0].database"],
  [
    "grant on an undeclared schema",
    input(reader({ grants: [{ database: "orders", schemas: ["sales"], preset: "read" }] })),
    "access[0].grants[0].schemas[0]",
  ],
  [
    "conflicting presets on one schema",
    input(
      reader({
        grants: [
          { database: "orders", preset: "read" },
          { database: "orders", schemas: ["public"], preset: "readWrite" },
        ],
      }),
    ),
    "access[0].grants[1]",
  ],
  [
    "owner beside another preset",
    input(
      reader({
        grants: [
          { database: "orders", preset: "owner" },
          { database: "orders", preset: "read" },
        ],
      }),
    ),
    "access[0].grants[1]",
  ],
  ["principal listed twice", input(reader(), reader()), "access[1].principal.name"],
  [
    "role name over 63 bytes",
    input(reader({ principal: { name: "Ünïcödé group ".repeat(5).trim(), type: "Group", objectId: IDS.readers } })),
    "access[0].principal.name",
  ],
  [
    "reserved role name",
    input(reader({ principal: { name: "azure_pg_admin", type: "Group", objectId: IDS.readers } })),
    "access[0].principal.name",
  ],
  ["non-admin without an object id", input(reader({ principal: { name: "Data Readers", type: "Group" } })), "access[0].principal.objectId"],
  [
    "object id not a UUID",
    input(reader({ principal: { name: "Data Readers", type: "Group", objectId: "readers" } })),
    "access[0].principal.objectId",
  ],
  [
    "unknown principal type",
    input(reader({ principal: { name: "Data Readers", type: "Team" as never, objectId: IDS.readers } })),
    "access[0].principal.type",
  ],
  ["user without a UPN", input(reader({ principal: { name: "Alice", type: "User", objectId: IDS.alice } })), "access[0].principal.name"],
  ["no deployer", { databases: [ORDERS], deployer: "" }, "deployer"],
  ["deployer name over 63 bytes", { databases: [ORDERS], deployer: `${"d".repeat(60)}@contoso.com` }, "deployer"],
  ["manager role Azure reserves", { ...input(), managerRole: "azure_pg_admin" }, "managerRole"],
  ["manager role named as an owner role", { ...input(), managerRole: "orders_owner" }, "managerRole"],
  [
    "principal named as the manager role",
    input(reader({ principal: { name: "orders_manager", type: "Group", objectId: IDS.readers } })),
    "access[0].principal.name",
  ],
  ["administrator name not a string", { ...input(), administrators: [42 as never] }, "administrators[0]"],
];

const named = (name: string, type: AccessEntryArgs["principal"]["type"] = "Group", objectId: string = IDS.readers) =>
  reader({ principal: { name, type, objectId } });
/** A database whose access role names are over 63 bytes, so the component shortens them to a hash. */
const LONG = { name: "l".repeat(50), schemas: ["public", "reporting"] };

/** Issue 12: principals named like the roles the component creates (PostgreSQL compares role names exactly). */
const OUR_NAMES: Bad[] = [
  ["principal named as the owner role", input(named("orders_owner")), "access[0].principal.name"],
  ["principal named as the read role", input(named("orders_read")), "access[0].principal.name"],
  ["principal named as the readwrite role", input(named("orders_readwrite")), "access[0].principal.name"],
  ["principal named as the owner-members role", input(named("orders_owner_members")), "access[0].principal.name"],
  ["principal named as a per-schema access role", input(named("orders_read_public")), "access[0].principal.name"],
  ["principal named as another deployer's access role", input(named("orders_readwrite_by_1a2b3c")), "access[0].principal.name"],
  ["principal named as another deployer's owner-members role", input(named("orders_owner_members_by_1a2b3c")), "access[0].principal.name"],
  [
    "principal named as an explicit manager role",
    { ...input(named("pg_admins_mgr")), managerRole: "pg_admins_mgr" },
    "access[0].principal.name",
  ],
  [
    "principal named as a shortened (hashed) access role",
    {
      databases: [LONG],
      access: [
        reader({
          principal: { name: accessRoleName(LONG, "readWrite", ["public"]), type: "Group", objectId: IDS.readers },
          grants: [{ database: LONG.name, schemas: ["public"], preset: "readWrite" }],
        }),
      ],
    },
    "access[0].principal.name",
  ],
];

/** Issue 12, class 3: one identity, two entries. Entra compares UPNs and object ids without regard to case. */
const ONE_IDENTITY: Bad[] = [
  [
    "an entry spelled as an administrator except for case",
    { ...input(named("DBA@contoso.com", "User", IDS.alice)), administrators: ["dba@contoso.com"] },
    "access[0].principal.name",
  ],
  [
    "an entry spelled as the deployer except for case",
    input(named("CI-Deployer", "ServicePrincipal", IDS.ciApp)),
    "access[0].principal.name",
  ],
  [
    "an entry spelled as the role creator except for case",
    { ...input(named("First@Contoso.com", "User", IDS.bob)), roleCreator: "first@contoso.com" },
    "access[0].principal.name",
  ],
  ["two entries with one object id", input(named("Data Readers"), named("Report Readers")), "access[1].principal.objectId"],
  [
    "two entries with one object id in different case",
    input(named("Data Readers"), named("Report Readers", "Group", IDS.readers.toUpperCase())),
    "access[1].principal.objectId",
  ],
  [
    "two user entries whose UPNs differ in case",
    input(named("bob@contoso.com", "User", IDS.bob), named("Bob@Contoso.COM", "User", IDS.alice)),
    "access[1].principal.name",
  ],
];

/** Issue 12, class 5: empty lists where a list means "these", and control characters in any name. */
const EDGE_VALUES: Bad[] = [
  [
    "a read grant on no schemas",
    input(reader({ grants: [{ database: "orders", schemas: [], preset: "read" }] })),
    "access[0].grants[0].schemas",
  ],
  [
    "a readWrite grant on no schemas",
    input(reader({ grants: [{ database: "orders", schemas: [], preset: "readWrite" }] })),
    "access[0].grants[0].schemas",
  ],
  [
    "an explicit grant on no schemas",
    input(reader({ grants: [{ database: "orders", schemas: [], privileges: { table: ["SELECT"] } }] })),
    "access[0].grants[0].schemas",
  ],
  ["a principal name with a newline", input(named("Data\nReaders")), "access[0].principal.name"],
  ["a principal name with NUL", input(named("Data\u0000Readers")), "access[0].principal.name"],
  ["a principal name with a bell", input(named("Data Readers\u0007")), "access[0].principal.name"],
  ["a database name with a newline", { databases: [{ name: "orders\n" }] }, "databases[0].name"],
  ["a database name with ESC", { databases: [{ name: "ord\u001bers" }] }, "databases[0].name"],
  ["a schema name with a tab", { databases: [{ name: "orders", schemas: ["re\tporting"] }] }, "databases[0].schemas[0]"],
  ["an owner role with a newline", { databases: [{ name: "orders", owner: "orders\nowner" }] }, "databases[0].owner"],
  ["a deployer with a newline", { databases: [ORDERS], deployer: "ci-deployer\n" }, "deployer"],
  ["a manager role with DEL", { ...input(), managerRole: "manager\u007f" }, "managerRole"],
  ["an administrator with NUL", { ...input(), administrators: ["dba\u0000@contoso.com"] }, "administrators[0]"],
];

/** Issue 12, class 6: messages that read right for what the user wrote. */
const SHAPES: Bad[] = [
  [
    "privileges given as a list",
    input(reader({ grants: [{ database: "orders", privileges: ["SELECT"] as never }] })),
    "access[0].grants[0].privileges",
  ],
  [
    "privileges given as a string",
    input(reader({ grants: [{ database: "orders", privileges: "SELECT" as never }] })),
    "access[0].grants[0].privileges",
  ],
];

BAD.push(...OUR_NAMES, ...ONE_IDENTITY, ...EDGE_VALUES, ...SHAPES);

/** Edge inputs that are fine. */
const GOOD: [string, AccessInput][] = [
  ["a group named like a role of ours but in other case (PostgreSQL role names are case-sensitive)", input(named("Orders_Read"))],
  ["a user whose UPN starts like an access role", input(named("orders_reader@contoso.com", "User", IDS.alice))],
  [
    "an entry spelled exactly as an administrator",
    { ...input(named("dba@contoso.com", "User", IDS.alice)), administrators: ["dba@contoso.com"] },
  ],
  ["two entries with distinct object ids", input(named("Data Readers"), named("Report Readers", "Group", IDS.bob))],
  ["an upper-case object id", input(named("Data Readers", "Group", IDS.readers.toUpperCase()))],
  ["a grant on a subset of schemas", input(reader({ grants: [{ database: "orders", schemas: ["reporting"], preset: "read" }] }))],
  ["a name with non-ASCII letters and inner spaces", input(named("Daten  Leser (Zoë)"))],
];

describe("edge input", () => {
  it.each(GOOD)("accepts %s", (_what, good) => {
    expect(validateAccessInput(good)).toEqual([]);
    expect(() => planAccess(good)).not.toThrow();
  });

  it("reports a reserved database once, not also each grant on it as undeclared", () => {
    const issues = validateAccessInput({
      ...input(reader({ grants: [{ database: "postgres", preset: "read" }] })),
      databases: [{ name: "postgres" }],
    });
    expect(issues.map((i) => i.field)).toEqual(["databases[0].name"]);
    expect(JSON.stringify(issues)).not.toContain("(none)");
  });

  it("still checks the grants on a database whose name is fine but whose schemas are not", () => {
    const issues = validateAccessInput({
      ...input(reader({ grants: [{ database: "orders", preset: "admin" as never }] })),
      databases: [{ name: "orders", schemas: ["pg_catalog"] }],
    });
    expect(issues.map((i) => i.field).sort()).toEqual(["access[0].grants[0].preset", "databases[0].schemas[0]"]);
  });

  it("says a map of object kinds is expected when privileges is a list", () => {
    const issues = validateAccessInput(input(reader({ grants: [{ database: "orders", privileges: ["SELECT"] as never }] })));
    expect(issues).toHaveLength(1);
    expect(issues[0].allowed).toMatch(/a map from object kinds .*table.*not a list/);
  });

  it("names the administrator an entry collides with", () => {
    const issues = validateAccessInput({ ...input(named("DBA@contoso.com", "User", IDS.alice)), administrators: ["dba@contoso.com"] });
    expect(issues.map((i) => i.allowed).join()).toContain('"dba@contoso.com"');
  });

  it("names the control character it found", () => {
    const issues = validateAccessInput(input(named("Data\nReaders")));
    expect(issues[0].allowed).toMatch(/control characters .*U\+000A/);
  });
});

describe("bad input", () => {
  it.each(BAD)("rejects %s, naming the field", (_what, partial, field) => {
    const bad = { deployer: DEPLOYER, ...partial };
    const issues = accessIssues(bad);
    expect(issues.map((i) => i.field)).toContain(field);
    expect(() => planAccess(bad)).toThrow(InputError);
  });

  it("accepts a missing object id when the caller looks it up", () => {
    const i = input(reader({ principal: { name: "Data Readers", type: "Group" } }));
    expect(validateAccessInput(i, { objectIdsLookedUp: true })).toEqual([]);
    expect(buildAccessPlan(i).principals[0].name).toBe("Data Readers");
  });
});

describe("a managed identity given as its resource", () => {
  it("takes the identity's principal id as its object id, in lower case, for the label", () => {
    const plan = planAccess(
      input({
        principal: { name: "id-orders-api", type: "ManagedIdentity", managedIdentity: { principalId: IDS.ciApp.toUpperCase() } },
        grants: [{ database: "orders", preset: "readWrite" }],
      }),
    );
    expect(plan.principals).toEqual([expect.objectContaining({ name: "id-orders-api", objectId: IDS.ciApp, administrator: false })]);
  });

  it("refuses an objectId that is not the resource's principal id, naming both", () => {
    const issues = validateAccessInput(
      input({
        principal: { name: "id-orders-api", type: "ManagedIdentity", objectId: IDS.bob, managedIdentity: { principalId: IDS.ciApp } },
        grants: [{ database: "orders", preset: "read" }],
      }),
    );
    expect(issues).toEqual([
      expect.objectContaining({ field: "access[0].principal.objectId", value: IDS.bob, allowed: expect.stringContaining(IDS.ciApp) }),
    ]);
  });
});
