/**
 * The policy pack (policy/): every rule with passing and failing inputs, then every policy, wired as
 * policy/index.ts wires it, over the resources the offline plan of index.ts registers with the dev and
 * prod stack configs, each with its policy config from policy/config/; and last, the pack as the CLI
 * runs it, served by Pulumi's policy runner. No Pulumi CLI involved.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { parse } from "yaml";
import type { Policy, PolicyPackArgs, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs } from "@pulumi/policy";
import * as rules from "../policy/rules";
import type { RecordedResource } from "../scripts/offline/mockCloud";

// Loading policy/index.ts for real would start the pack's gRPC server: record its arguments instead.
jest.mock("@pulumi/policy", () => ({ PolicyPack: jest.fn() }));

const root = path.resolve(__dirname, "..");
const on = { allowPasswordAuth: false, allowAzureServices: false, production: true, allowedPredefinedRoles: [] as string[] };
const off = { ...on, production: false };

describe("rules", () => {
  test.each([
    ["azure-native:dbforpostgresql:Server", "Server", true],
    ["azure-native:dbforpostgresql/v20250801:Server", "Server", true],
    ["azure-native:dbforpostgresql/v20260101preview:FirewallRule", "FirewallRule", true],
    ["azure-native:dbforpostgresql:ServerGroupCluster", "Server", false],
    ["azure-native:dbforpostgresql:SingleServer", "Server", false],
    ["azure-native:dbformysql:Server", "Server", false],
  ] as const)("%s is a %s: %s", (type, kind, expected) => {
    expect(rules.isAzurePostgres(type, kind)).toBe(expected);
  });

  test.each([
    ["Entra enabled", { authConfig: { activeDirectoryAuth: "Enabled" } }, []],
    ["Entra disabled", { authConfig: { activeDirectoryAuth: "Disabled" } }, [/activeDirectoryAuth is "Disabled"/]],
    ["no authConfig (Azure: password only)", {}, [/unset \(Azure's default: Disabled\)/]],
  ])("entra-auth-enabled: %s", (_, server, expected) => {
    expectMessages(rules.entraAuthViolations(server), expected);
  });

  test.each([
    ["password off", { authConfig: { passwordAuth: "Disabled" } }, off, []],
    ["password on", { authConfig: { passwordAuth: "Enabled" } }, off, [/passwordAuth is "Enabled"/]],
    ["password unset (Azure: on)", { authConfig: { activeDirectoryAuth: "Enabled" } }, off, [/unset \(Azure's default: Enabled\)/]],
    ["password on, allowed by config", { authConfig: { passwordAuth: "Enabled" } }, { ...off, allowPasswordAuth: true }, []],
  ])("password-auth-disabled, server: %s", (_, server, config, expected) => {
    expectMessages(rules.passwordAuthViolations(server, config), expected);
  });

  test.each([
    ["token login role", { name: "id-orders-api" }, off, []],
    ["role with a password", { name: "app", password: "hunter2" }, off, [/role "app" has a password/]],
    ["role with a write-only password", { name: "app", passwordWo: "hunter2" }, off, [/has a password/]],
    ["role with a password, allowed by config", { name: "app", password: "hunter2" }, { ...off, allowPasswordAuth: true }, []],
  ])("password-auth-disabled, role: %s", (_, role, config, expected) => {
    expectMessages(rules.rolePasswordViolations(role, config), expected);
  });

  test.each([
    ["an office range", "198.51.100.0", "198.51.100.255", off, []],
    ["one address", "203.0.113.7", "203.0.113.7", off, []],
    ["exactly a /8", "20.0.0.0", "20.255.255.255", off, []],
    ["all addresses", "0.0.0.0", "255.255.255.255", off, [/admits 4294967296 addresses/]],
    ["all but the ends", "0.0.0.1", "255.255.255.254", off, [/more than a \/8/]],
    ["a /8 and one more", "20.0.0.0", "21.0.0.0", off, [/admits 16777217 addresses/]],
    ["all Azure services", "0.0.0.0", "0.0.0.0", off, [/every Azure service of every tenant/]],
    ["all Azure services, allowed by config", "0.0.0.0", "0.0.0.0", { ...off, allowAzureServices: true }, []],
    ["all addresses, Azure services allowed", "0.0.0.0", "255.255.255.255", { ...off, allowAzureServices: true }, [/the internet/]],
    ["not IPv4 (ARM rejects it)", "::", "ffff::", off, []],
  ])("no-open-firewall-rules: %s", (_, startIpAddress, endIpAddress, config, expected) => {
    expectMessages(rules.firewallRuleViolations({ startIpAddress, endIpAddress }, config), expected);
  });

  test.each([
    ["ON", { configurationName: "require_secure_transport", value: "ON" }, []],
    ["on, any case", { configurationName: "Require_Secure_Transport", value: "on" }, []],
    ["OFF", { configurationName: "require_secure_transport", value: "OFF" }, [/is "OFF"; it must be ON/]],
    ["false", { configurationName: "require_secure_transport", value: "false" }, [/is "false"/]],
    ["0", { configurationName: "require_secure_transport", value: "0" }, [/is "0"/]],
    ["output name instead of input", { name: "require_secure_transport", value: "OFF" }, [/must be ON/]],
    ["another parameter", { configurationName: "log_connections", value: "OFF" }, []],
  ])("tls-not-disabled: %s", (_, configuration, expected) => {
    expectMessages(rules.tlsParameterViolations(configuration), expected);
  });

  const server = (name: string) => ({
    type: "azure-native:dbforpostgresql:Server",
    urn: `urn:server:${name}`,
    props: { serverName: name },
  });
  const tls = (serverName: string, value: string) => ({
    type: "azure-native:dbforpostgresql:Configuration",
    urn: `urn:param:${serverName}`,
    props: { serverName, configurationName: "require_secure_transport", value },
  });
  test.each([
    ["server with TLS ON", [server("a"), tls("a", "ON")], []],
    ["two servers, both ON", [server("a"), server("b"), tls("b", "ON"), tls("a", "ON")], []],
    ["no servers", [tls("a", "ON")], []],
    ["server without the parameter", [server("a")], ["urn:server:a"]],
    ["parameter OFF", [server("a"), tls("a", "OFF")], ["urn:server:a"]],
    ["parameter on another server", [server("a"), server("b"), tls("b", "ON")], ["urn:server:a"]],
  ])("tls-required-on-every-server: %s", (_, resources, failing) => {
    expect(rules.serversWithoutTls(resources).map((v) => v.urn)).toEqual(failing);
  });

  test("tls-required-on-every-server finds the server through property dependencies, without reading unknown names", () => {
    // In a first preview the server's name is unknown, and the policy SDK throws when an unknown is read.
    const unknown = (props: Record<string, unknown>, key: string) =>
      Object.defineProperty(props, key, {
        get: () => {
          throw new Error(`${key} is unknown during preview`);
        },
      });
    const s = { type: "azure-native:dbforpostgresql:Server", urn: "urn:server", props: unknown({}, "name") };
    const c = {
      type: "azure-native:dbforpostgresql:Configuration",
      urn: "urn:param",
      props: unknown({ configurationName: "require_secure_transport", value: "ON" }, "serverName"),
      propertyDependencies: { serverName: [s] },
    };
    expect(rules.serversWithoutTls([s, c])).toEqual([]);
  });

  const resilient = { highAvailability: { mode: "ZoneRedundant" }, backup: { geoRedundantBackup: "Enabled" } };
  test.each([
    ["production, zone-redundant and geo backup", resilient, on, []],
    ["not production, nothing set", {}, off, []],
    [
      "production, same-zone HA",
      { ...resilient, highAvailability: { mode: "SameZone" } },
      on,
      [/mode is "SameZone"; production needs "ZoneRedundant"/],
    ],
    ["production, no geo backup", { ...resilient, backup: { geoRedundantBackup: "Disabled" } }, on, [/geoRedundantBackup is "Disabled"/]],
    ["production, nothing set", {}, on, [/mode is unset/, /geoRedundantBackup is unset/]],
  ])("production-resilience: %s", (_, server, config, expected) => {
    expectMessages(rules.productionViolations(server, config), expected);
  });

  test.each([
    ["login role", { name: "id-orders-api", login: true }, off, []],
    ["owner role, member of an ordinary role", { name: "orders_owner", roles: ["reporting_owner"] }, off, []],
    ["attributes set to false", { name: "r", superuser: false, createRole: false, createDatabase: false }, off, []],
    ["superuser", { name: "r", superuser: true }, off, [/sets superuser: true/]],
    ["createRole", { name: "r", createRole: true }, off, [/sets createRole: true/]],
    ["createDatabase", { name: "r", createDatabase: true }, off, [/sets createDatabase: true/]],
    ["replication", { name: "r", replication: true }, off, [/sets replication: true/]],
    ["bypassRowLevelSecurity", { name: "r", bypassRowLevelSecurity: true }, off, [/sets bypassRowLevelSecurity: true/]],
    ["member of azure_pg_admin", { name: "r", roles: ["azure_pg_admin"] }, off, [/member of azure_pg_admin/]],
    ["member of pg_read_server_files", { name: "r", roles: ["pg_read_server_files"] }, off, [/member of pg_read_server_files/]],
    [
      "member of pg_monitor, allowed by config",
      { name: "r", roles: ["pg_monitor"] },
      { ...off, allowedPredefinedRoles: ["pg_monitor"] },
      [],
    ],
  ])("no-superuser-like-privileges, role: %s", (_, role, config, expected) => {
    expectMessages(rules.roleViolations(role, config), expected);
  });

  test.each([
    // The component's own membership: azure_pg_admin becomes a member OF the owner role, not the reverse.
    ["administrators made members of an owner role", { role: "azure_pg_admin", grantRole: "orders_owner" }, off, []],
    ["a principal made member of an owner role", { role: "pg-orders-dba", grantRole: "orders_owner" }, off, []],
    ["azure_pg_admin granted", { role: "app", grantRole: "azure_pg_admin" }, off, [/grants azure_pg_admin to "app"/]],
    ["pg_write_server_files", { role: "app", grantRole: "pg_write_server_files" }, off, [/grants pg_write_server_files/]],
    ["pg_execute_server_program", { role: "app", grantRole: "pg_execute_server_program" }, off, [/pg_execute_server_program/]],
    ["pg_read_server_files", { role: "app", grantRole: "pg_read_server_files" }, off, [/pg_read_server_files/]],
    ["PG_READ_ALL_DATA, any case", { role: "app", grantRole: "PG_READ_ALL_DATA" }, off, [/PG_READ_ALL_DATA/]],
    ["pg_monitor, allowed by config", { role: "app", grantRole: "pg_monitor" }, { ...off, allowedPredefinedRoles: ["pg_monitor"] }, []],
    ["pg_monitor, not allowed", { role: "app", grantRole: "pg_monitor" }, off, [/pg_monitor/]],
  ])("no-superuser-like-privileges, role membership: %s", (_, grantRole, config, expected) => {
    expectMessages(rules.grantRoleViolations(grantRole, config), expected);
  });

  test.each([
    ["named privileges", { role: "id-orders-api", objectType: "table", privileges: ["SELECT", "INSERT"] }, []],
    ["grant option off", { role: "r", objectType: "table", privileges: ["SELECT"], withGrantOption: false }, []],
    ["ALL", { role: "r", objectType: "table", privileges: ["ALL"] }, [/grants ALL to "r" on table/]],
    ["all privileges, any case", { role: "r", objectType: "database", privileges: ["all privileges"] }, [/grants ALL/]],
    ["grant option", { role: "r", objectType: "schema", privileges: ["USAGE"], withGrantOption: true }, [/WITH GRANT OPTION/]],
    ["both", { role: "r", objectType: "table", privileges: ["ALL"], withGrantOption: true }, [/grants ALL/, /WITH GRANT OPTION/]],
  ])("no-superuser-like-privileges, grant: %s", (_, grant, expected) => {
    expectMessages(rules.grantViolations(grant), expected);
  });
});

/** Asserts one message per pattern, in order. */
function expectMessages(messages: string[], patterns: RegExp[]): void {
  expect(messages).toHaveLength(patterns.length);
  patterns.forEach((p, i) => expect(messages[i]).toMatch(p));
}

describe("the pack over the offline plan", () => {
  let pack: PolicyPackArgs;
  let dev: RecordedResource[];
  let prod: RecordedResource[];

  beforeAll(async () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require("../policy/index");
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { PolicyPack } = require("@pulumi/policy") as { PolicyPack: jest.Mock };
      pack = PolicyPack.mock.calls[0][1] as PolicyPackArgs;
    });
    dev = await planResources("dev");
    prod = await planResources("prod");
  }, 60_000);

  test("every policy is mandatory", () => {
    expect(pack.enforcementLevel).toBe("mandatory");
    expect(pack.policies.every((p) => p.enforcementLevel === undefined || p.enforcementLevel === "mandatory")).toBe(true);
  });

  test("the plan has every kind of resource the rules judge, so no violations means something", () => {
    const types = new Set(dev.map((r) => r.type));
    for (const kind of ["Server", "FirewallRule", "Configuration"] as const) {
      expect([...types].some((t) => rules.isAzurePostgres(t, kind))).toBe(true);
    }
    for (const type of [...rules.POSTGRESQL.role, ...rules.POSTGRESQL.grantRole, rules.POSTGRESQL.grants[0], rules.POSTGRESQL.grants[1]]) {
      expect(types).toContain(type);
    }
  });

  test("dev passes with the dev policy config", () => {
    expect(runPack(pack, dev, "dev")).toEqual([]);
  });

  test("prod passes with the prod policy config, production rules on", () => {
    expect(runPack(pack, prod, "prod")).toEqual([]);
  });

  test("dev's server fails the production rules: no zone-redundant HA, no geo backup, no diagnostics, no lock", () => {
    expect(runPack(pack, dev, "prod")).toEqual([
      { policy: "production-resilience", name: "orders-server", message: expect.stringMatching(/highAvailability.mode is "Disabled"/) },
      { policy: "production-resilience", name: "orders-server", message: expect.stringMatching(/geoRedundantBackup is "Disabled"/) },
      { policy: "production-operations", name: "orders-server", message: expect.stringMatching(/no diagnostic setting/) },
      { policy: "production-operations", name: "orders-server", message: expect.stringMatching(/no CanNotDelete lock/) },
    ]);
  });

  test("prod has the diagnostic setting and lock the production rules look for", () => {
    expect(prod.filter((r) => rules.isDiagnosticSetting(r.type)).map((r) => r.name)).toEqual(["orders-diag-pg-orders-prod-diagnostics"]);
    expect(prod.filter((r) => rules.isManagementLock(r.type)).map((r) => r.inputs.level)).toEqual(["CanNotDelete"]);
  });

  test.each([
    [
      "its diagnostic setting removed",
      (rs: RecordedResource[]) => rs.filter((r) => !rules.isDiagnosticSetting(r.type)),
      /no diagnostic setting/,
    ],
    ["its lock removed", (rs: RecordedResource[]) => rs.filter((r) => !rules.isManagementLock(r.type)), /no CanNotDelete lock/],
    [
      "its lock pointed at another server",
      (rs: RecordedResource[]) =>
        rs.map((r) =>
          rules.isManagementLock(r.type)
            ? {
                ...r,
                inputs: {
                  ...r.inputs,
                  scope: "/subscriptions/s/resourceGroups/g/providers/Microsoft.DBforPostgreSQL/flexibleServers/other",
                },
              }
            : r,
        ),
      /no CanNotDelete lock/,
    ],
  ])("prod fails production-operations with %s", (_, change, message) => {
    expect(runPack(pack, change(prod), "prod")).toEqual([
      { policy: "production-operations", name: "orders-server", message: expect.stringMatching(message) },
    ]);
  });

  // What a change to the components or the stack config could do; each must fail the pack.
  test.each([
    [
      "password auth turned on",
      "orders-server",
      (i: Inputs) => ((i.authConfig as Inputs).passwordAuth = "Enabled"),
      ["password-auth-disabled"],
    ],
    [
      "Entra auth turned off",
      "orders-server",
      (i: Inputs) => ((i.authConfig as Inputs).activeDirectoryAuth = "Disabled"),
      ["entra-auth-enabled"],
    ],
    [
      "TLS parameter set to OFF",
      "orders-param-require_secure_transport",
      (i: Inputs) => (i.value = "OFF"),
      ["tls-not-disabled", "tls-required-on-every-server"],
    ],
    ["a firewall rule for everyone", "orders-fw-office", (i: Inputs) => (i.endIpAddress = "255.255.255.255"), ["no-open-firewall-rules"]],
    [
      "the owner role made a superuser",
      "orders-owner-orders-1c168adb",
      (i: Inputs) => (i.superuser = true),
      ["no-superuser-like-privileges"],
    ],
  ])("dev fails when %s", (_, name, change, policies) => {
    const changed = dev.map((r) => (r.name === name ? { ...r, inputs: structuredClone(r.inputs) } : r));
    const target = changed.find((r) => r.name === name);
    expect(target).toBeDefined();
    change(target!.inputs);
    expect(runPack(pack, changed, "dev").map((v) => v.policy)).toEqual(policies);
  });
});

type Inputs = Record<string, unknown>;

/** Evaluates index.ts with Pulumi.<stack>.yaml under the mocks, as scripts/plan.ts does, in a fresh module registry. */
async function planResources(stack: string): Promise<RecordedResource[]> {
  let resources: RecordedResource[] = [];
  await jest.isolateModulesAsync(async () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { installMockCloud, settle } = require("../scripts/offline/mockCloud") as typeof import("../scripts/offline/mockCloud");
    const config = parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")).config as Record<string, unknown>;
    const cloud = installMockCloud({ config, stack });
    await cloud.ready;
    require(path.join(root, "index.ts"));
    /* eslint-enable @typescript-eslint/no-require-imports */
    await settle();
    resources = cloud.resources;
  });
  return resources;
}

interface Violation {
  policy: string;
  name: string;
  message: string;
}

/**
 * Runs every policy the way the engine does: resource policies on each resource's inputs, stack
 * policies on all resources at once, each with its schema defaults overlaid by policy/config/<file>.json.
 */
function runPack(pack: PolicyPackArgs, resources: RecordedResource[], configFile: string): Violation[] {
  const packConfig = JSON.parse(fs.readFileSync(path.join(root, "policy", "config", `${configFile}.json`), "utf8")) as Record<
    string,
    object
  >;
  const nameOf = new Map(resources.map((r) => [r.urn, r.name]));
  const violations: Violation[] = [];
  for (const policy of pack.policies) {
    const config = { ...schemaDefaults(policy), ...packConfig[policy.name] };
    const getConfig = () => config;
    if ("validateStack" in policy) {
      const stackResources = resources.map((r) => ({ type: r.type, urn: r.urn, name: r.name, props: r.inputs }));
      const args = { resources: stackResources, getConfig } as unknown as StackValidationArgs;
      void policy.validateStack(args, (message, urn) =>
        violations.push({ policy: policy.name, name: nameOf.get(urn ?? "") ?? "", message }),
      );
      continue;
    }
    const validations = [(policy as ResourceValidationPolicy).validateResource ?? []].flat();
    for (const r of resources) {
      const args = { type: r.type, urn: r.urn, name: r.name, props: r.inputs, getConfig } as unknown as ResourceValidationArgs;
      for (const validate of validations) {
        void validate(args, (message) => violations.push({ policy: policy.name, name: r.name, message }));
      }
    }
  }
  return violations;
}

function schemaDefaults(policy: Policy): Record<string, unknown> {
  return Object.fromEntries(Object.entries(policy.configSchema?.properties ?? {}).map(([key, schema]) => [key, schema.default]));
}

describe("the pack under Pulumi's policy runner", () => {
  // What `pulumi preview --policy-pack policy` starts: @pulumi/pulumi's run-policy-pack compiles
  // policy/index.ts with ts-node in policy/ and serves the analyzer protocol. This proves the pack loads
  // outside jest (package.json version, TypeScript, config schemas), which the CLI would find out in CI.
  let runner: ChildProcess;
  let client: AnalyzerClient;

  beforeAll(async () => {
    const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
    runner = spawn(process.execPath, [runPolicyPack, "127.0.0.1:0", "."], { cwd: path.join(root, "policy") });
    // The runner prints the port it listens on, then serves until killed.
    const port = await new Promise<string>((resolve, reject) => {
      let stderr = "";
      runner.stderr!.on("data", (d) => (stderr += d));
      runner.stdout!.once("data", (d) => resolve(String(d).trim()));
      runner.once("exit", (code) => reject(new Error(`policy runner exited with ${code}: ${stderr}`)));
    });
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }, 60_000);

  afterAll(() => {
    client?.close();
    runner?.kill();
  });

  /** A unary call as a promise: `rpc<Res>((done) => client.method(request, done))`. */
  const rpc = <Res>(call: (done: (e: grpc.ServiceError | null, res: Res) => void) => unknown) =>
    new Promise<Res>((resolve, reject) => call((e, res) => (e ? reject(e) : resolve(res))));

  const analyze = async (type: string, props: Record<string, unknown>) => {
    const req = new analyzer.AnalyzeRequest();
    req.setType(type);
    req.setName("r");
    req.setUrn(`urn:pulumi:dev::entra-postgres::${type}::r`);
    req.setProperties(Struct.fromJavaScript(props as never));
    req.setOptions(new analyzer.AnalyzerResourceOptions());
    const res = await rpc<analyzer.AnalyzeResponse>((done) => client.analyze(req, done));
    return res.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage().split("\n").pop()}`);
  };

  test("serves every policy as mandatory", async () => {
    const info = await rpc<analyzer.AnalyzerInfo>((done) => client.getAnalyzerInfo(new Empty(), done));
    expect(info.getName()).toBe("entra-postgres");
    expect(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()])).toEqual(
      [
        "entra-auth-enabled",
        "password-auth-disabled",
        "no-open-firewall-rules",
        "tls-not-disabled",
        "tls-required-on-every-server",
        "production-resilience",
        "production-operations",
        "no-superuser-like-privileges",
      ].map((name) => [name, analyzer.EnforcementLevel.MANDATORY]),
    );
  });

  test("judges resources with no config, then with the prod config", async () => {
    const dev = { authConfig: { activeDirectoryAuth: "Enabled", passwordAuth: "Disabled" }, highAvailability: { mode: "Disabled" } };
    expect(await analyze("azure-native:dbforpostgresql:Server", dev)).toEqual([]);
    expect(await analyze("postgresql:index/grantRole:GrantRole", { role: "app", grantRole: "pg_read_server_files" })).toEqual([
      expect.stringMatching(/^no-superuser-like-privileges: grants pg_read_server_files to "app"/),
    ]);

    const configure = new analyzer.ConfigureAnalyzerRequest();
    const prod = JSON.parse(fs.readFileSync(path.join(root, "policy", "config", "prod.json"), "utf8")) as Record<string, object>;
    for (const [name, properties] of Object.entries(prod)) {
      const policyConfig = new analyzer.PolicyConfig();
      policyConfig.setEnforcementlevel(analyzer.EnforcementLevel.MANDATORY);
      policyConfig.setProperties(Struct.fromJavaScript(properties as never));
      configure.getPolicyconfigMap().set(name, policyConfig);
    }
    await rpc<Empty>((done) => client.configure(configure, done));
    expect(await analyze("azure-native:dbforpostgresql:Server", dev)).toEqual([
      expect.stringMatching(/^production-resilience: highAvailability.mode is "Disabled"/),
      expect.stringMatching(/^production-resilience: backup.geoRedundantBackup is unset/),
    ]);
  });
});
