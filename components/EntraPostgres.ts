import { authorization } from "@pulumi/azure-native";
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { AccessEntryArgs, AccessInput, DatabaseArgs, EntraDatabaseAccess } from "./EntraDatabaseAccess";
import { EntraPostgresServer, EntraPostgresServerArgs } from "./EntraPostgresServer";
import { AccessPlan, buildAccessPlan, validateAccessInput } from "./accessPlan";
import { lookupObjectId } from "./entraLookup";
import { InputIssue, throwIfIssues } from "./errors";
import { GuideAdministrator, LoginGuideEntry, loginGuide, renderLoginGuide } from "./loginGuide";
import { PRINCIPAL_TYPES, isUuid, roleNameProblem } from "./principals";
import { azureNameKey, validateServerArgs } from "./serverPlan";

/** The identity that runs `pulumi up` and connects to PostgreSQL with its own Entra token. */
export interface DeployerArgs {
  /** Its login name: a user's UPN, or a service principal's or managed identity's display name. */
  principalName: string;
  /** "User" | "ServicePrincipal" | "ManagedIdentity". */
  principalType: "User" | "ServicePrincipal" | "ManagedIdentity";
  /** Public IPv4 address the deployment connects from; adds a firewall rule named "deployer". Public network mode only. */
  ipAddress?: string;
  /**
   * Its object id (UUID). Default: the object id of whoever runs the program (Azure client configuration).
   * Set it in stack config so that a preview run by a read-only identity shows no change to the deployer.
   */
  objectId?: string;
}

/** A server made elsewhere, whose Entra administrators (the deployer among them) already exist. */
export interface ExistingServerArgs {
  /** Host name, e.g. `<server>.postgres.database.azure.com`. */
  fqdn: pulumi.Input<string>;
  /** Port. Default 5432; 6432 is Azure's built-in PgBouncer. */
  port?: number;
  /** Entra tenant of the server. Default: the tenant of the identity running `pulumi up` (its client configuration). */
  tenantId?: pulumi.Input<string>;
  /** Whether `pgaadauth.enable_group_sync` is on there. Default false. */
  groupSync?: boolean;
  /** The server's Entra administrators; they get no role from us, only grants, and appear in the login guide. */
  administrators: GuideAdministrator[];
  /** Resources to wait for before connecting (e.g. a firewall rule made elsewhere). */
  dependsOn?: pulumi.Resource[];
}

/** Arguments of EntraPostgres: a server (new or existing), the deployer, databases and who gets what. */
export interface EntraPostgresArgs {
  /** A new server to create (EntraPostgresServer's arguments). Exactly one of server and existingServer. */
  server?: Omit<EntraPostgresServerArgs, "deployerAdministrator">;
  /** An existing server to grant on instead of creating one. */
  existingServer?: ExistingServerArgs;
  /** Who runs `pulumi up`. On a new server it is declared an administrator; on an existing one it must be one. */
  deployer: DeployerArgs;
  /** Databases to create, each owned by a NOLOGIN owner role. At least one. */
  databases: DatabaseArgs[];
  /**
   * Principals and their grants. Administrators are recognised by name and only granted to. A missing
   * `principal.objectId` is looked up in Entra before anything is created; with group sync on, a user
   * found under another spelling of its UPN is refused, naming the UPN to write.
   */
  access?: AccessEntryArgs[];
  /** Keep PUBLIC from creating objects in schema public. Default true. */
  revokePublicCreate?: boolean;
  /** Revoke PUBLIC's default CONNECT and TEMPORARY on the databases. Default true. */
  revokePublicConnect?: boolean;
  /**
   * The administrator that ran this stack's first `pulumi up` and so created its roles. Default
   * `deployer.principalName`. When another administrator takes over running `pulumi up`, set this to the
   * first one (PostgreSQL 16+ keeps the creator's implicit ADMIN OPTION; see the README: "The role model").
   */
  roleCreator?: string;
}

export const ENTRA_POSTGRES_TYPE = "entra-postgres:index:EntraPostgres";

/**
 * Everything for a password-free PostgreSQL in one component: the Entra-only server and its
 * administrators (or an existing server), a postgresql provider that logs in as the deployer with its
 * own token, the databases, roles and grants, and a login guide for every principal.
 */
export class EntraPostgres extends pulumi.ComponentResource {
  /** The server component, when this component created the server. */
  readonly server?: EntraPostgresServer;
  /** Connection as the deployer (Azure identity token, TLS, not superuser); reuse it for your own SQL resources. */
  readonly provider: postgresql.Provider;
  /** The databases, roles and grants. */
  readonly access: EntraDatabaseAccess;
  /** Host name clients connect to. */
  readonly fqdn: pulumi.Output<string>;
  /** The access plan: roles, access roles, grants, memberships. */
  readonly plan: AccessPlan;
  /** One entry per principal: username, host, databases, psql command, URI, notes. No secrets. */
  readonly loginGuide: pulumi.Output<LoginGuideEntry[]>;
  /** The same guide as Markdown. */
  readonly loginGuideMarkdown: pulumi.Output<string>;

  constructor(name: string, args: EntraPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    const { administrators, access } = validateAll(name, args);
    const plan = buildAccessPlan(accessInput(args, administrators, access));
    super(ENTRA_POSTGRES_TYPE, name, {}, opts);

    const groupSync = args.server ? (args.server.groupSync ?? false) : (args.existingServer!.groupSync ?? false);
    // Principals without an object id are looked up in Entra first, and the server (or, on an existing
    // server, the provider) waits for them: a principal that cannot be found, or a user spelled otherwise
    // than Entra spells the UPN while group sync is on, fails the run before anything is created.
    const resolved = access.map((entry, i) =>
      entry.administrator || entry.principal.objectId !== undefined
        ? entry
        : {
            ...entry,
            principal: {
              ...entry.principal,
              objectId: lookupObjectId(
                { principalName: entry.principal.name, principalType: entry.principal.type },
                `access[${i}].principal.objectId`,
                "EntraPostgres",
                this,
                { exactUpn: groupSync, nameField: `access[${i}].principal.name` },
              ),
            },
          },
    );
    const lookedUp = resolved.filter((e, i) => e !== access[i]).map((e) => e.principal.objectId);
    const afterLookups = <T>(value: pulumi.Input<T>): pulumi.Output<T> => pulumi.all([value, ...lookedUp]).apply(([v]) => v as T);

    let fqdn: pulumi.Output<string>;
    let tenantId: pulumi.Input<string> | undefined;
    let ready: pulumi.Resource[];
    let replicas: pulumi.Output<{ host: string; location?: string }[]> = pulumi.output([]);
    const port = args.existingServer?.port ?? 5432;
    if (args.server) {
      const serverArgs = withDeployer(args.server, args.deployer);
      if (lookedUp.length > 0)
        serverArgs.tenantId = afterLookups(args.server.tenantId ?? authorization.getClientConfigOutput({ parent: this }).tenantId);
      const server = new EntraPostgresServer(name, serverArgs, { parent: this });
      this.server = server;
      fqdn = server.fqdn;
      tenantId = server.tenantId;
      ready = [server.ready];
      replicas = server.readReplicas.apply((rs) => rs.map((r) => ({ host: r.fqdn, location: r.location })));
    } else {
      const existing = args.existingServer!;
      fqdn = lookedUp.length > 0 ? afterLookups(existing.fqdn) : pulumi.output(existing.fqdn);
      // The upstream provider refuses azureIdentityAuth without a tenant ("azure_tenant_id must be
      // provided also"); the deploying identity's own tenant is the server's unless told otherwise.
      tenantId = existing.tenantId ?? authorization.getClientConfigOutput({ parent: this }).tenantId;
      ready = existing.dependsOn ?? [];
    }

    // Logs in as the deployer with a token from the ambient Azure identity; waits for the whole
    // server chain (firewall rule and administrators included) before its first connection.
    this.provider = new postgresql.Provider(
      `${name}-pg`,
      {
        host: fqdn,
        port,
        database: "postgres",
        username: args.deployer.principalName,
        azureIdentityAuth: true,
        azureTenantId: tenantId,
        sslmode: "require",
        superuser: false,
      },
      { parent: this, dependsOn: ready },
    );

    this.access = new EntraDatabaseAccess(
      name,
      {
        ...accessInput(args, administrators, resolved),
        provider: this.provider,
      },
      { parent: this },
    );
    this.plan = plan;
    this.fqdn = fqdn;
    const pgBouncer = this.server?.pgBouncer ?? false;
    this.loginGuide = pulumi
      .all([fqdn, replicas])
      .apply(([host, readReplicas]) => loginGuide(plan, { host, port, groupSync, pgBouncer, readReplicas }, administrators));
    this.loginGuideMarkdown = this.loginGuide.apply(renderLoginGuide);
    this.registerOutputs({ fqdn: this.fqdn, loginGuide: this.loginGuide });
  }
}

/** The database side's input: the administrators by role name, the creator of the roles, the grants. */
function accessInput(args: EntraPostgresArgs, administrators: GuideAdministrator[], access: AccessEntryArgs[]): AccessInput {
  return {
    databases: args.databases,
    access,
    deployer: args.deployer?.principalName ?? "",
    roleCreator: args.roleCreator,
    administrators: administrators.map((a) => a.principalName),
    revokePublicCreate: args.revokePublicCreate,
    revokePublicConnect: args.revokePublicConnect,
  };
}

/** The firewall rule withDeployer adds for deployer.ipAddress. */
const DEPLOYER_RULE = "deployer";

// A host name: dot-separated labels of letters, digits and inner hyphens (RFC 1123), at most 253 characters.
const HOST_NAME = /^(?=.{1,253}$)([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/;

/** existingServer's fields, checked as a new server's are; returns its administrators. */
function validateExistingServer(
  existing: ExistingServerArgs,
  add: (field: string, value: unknown, allowed: string) => void,
): GuideAdministrator[] {
  const f = "existingServer";
  if (existing === null || typeof existing !== "object") {
    add(f, existing, "an object with fqdn and administrators");
    return [];
  }
  if (existing.fqdn === undefined || existing.fqdn === null) {
    add(`${f}.fqdn`, existing.fqdn, "the server's host name, e.g. <server>.postgres.database.azure.com");
  } else if (typeof existing.fqdn === "string" && !HOST_NAME.test(existing.fqdn)) {
    add(
      `${f}.fqdn`,
      existing.fqdn,
      "a host name such as <server>.postgres.database.azure.com: no scheme (https://), port, path, spaces or trailing dot",
    );
  }
  if (typeof existing.tenantId === "string" && !isUuid(existing.tenantId)) {
    add(`${f}.tenantId`, existing.tenantId, "a tenant id (UUID), or leave unset to use the deploying identity's tenant");
  }
  if (existing.groupSync !== undefined && typeof existing.groupSync !== "boolean") {
    add(`${f}.groupSync`, existing.groupSync, "true or false: whether pgaadauth.enable_group_sync is on on that server");
  }
  if (!Array.isArray(existing.administrators)) {
    add(`${f}.administrators`, existing.administrators, "a list of the server's Entra administrators: [{ principalName, principalType }]");
    return [];
  }
  const names = new Map<string, string>();
  const valid: GuideAdministrator[] = [];
  existing.administrators.forEach((a, i) => {
    const af = `${f}.administrators[${i}]`;
    if (a === null || typeof a !== "object") return add(af, a, "an object with principalName and principalType");
    let ok = true;
    if (!(PRINCIPAL_TYPES as readonly string[]).includes(a.principalType)) {
      add(`${af}.principalType`, a.principalType, `one of ${PRINCIPAL_TYPES.join(", ")}`);
      ok = false;
    }
    if (typeof a.principalName !== "string") {
      add(`${af}.principalName`, a.principalName, "the user's UPN, or the display name of a group, service principal or managed identity");
      return;
    }
    const problem = roleNameProblem(a.principalName);
    if (problem) {
      add(`${af}.principalName`, a.principalName, problem);
      ok = false;
    } else if (a.principalType === "User" && !a.principalName.includes("@")) {
      add(`${af}.principalName`, a.principalName, "a user principal name (UPN) such as alice@contoso.com; users log in with their UPN");
      ok = false;
    }
    const lower = a.principalName.toLowerCase();
    if (names.has(lower)) {
      add(`${af}.principalName`, a.principalName, `an administrator listed once (Entra ignores case; it is also ${names.get(lower)})`);
      ok = false;
    }
    names.set(lower, af);
    if (ok) valid.push(a);
  });
  return valid;
}

function withDeployer(server: Omit<EntraPostgresServerArgs, "deployerAdministrator">, deployer: DeployerArgs): EntraPostgresServerArgs {
  const network = server.network ?? { mode: "public" as const, firewallRules: [] };
  const withRule =
    deployer.ipAddress && network.mode === "public"
      ? {
          ...network,
          firewallRules: [
            ...(network.firewallRules ?? []),
            { name: DEPLOYER_RULE, startIpAddress: deployer.ipAddress, endIpAddress: deployer.ipAddress },
          ],
        }
      : network;
  return {
    ...server,
    network: withRule,
    deployerAdministrator: {
      principalName: deployer.principalName,
      principalType: deployer.principalType,
      ...(deployer.objectId !== undefined ? { objectId: deployer.objectId } : {}),
    },
  };
}

/** Every check of every part, before anything registers; one error with all problems. */
function validateAll(name: string, args: EntraPostgresArgs): { administrators: GuideAdministrator[]; access: AccessEntryArgs[] } {
  const issues: InputIssue[] = [];
  const add = (field: string, value: unknown, allowed: string) => issues.push({ field, value, allowed });
  if (!args || typeof args !== "object") {
    throwIfIssues("EntraPostgres", [
      { field: "args", value: args, allowed: "an object with server or existingServer, deployer and databases" },
    ]);
  }
  if ((args.server === undefined) === (args.existingServer === undefined)) {
    add("server / existingServer", "(both or neither)", "exactly one: server to create one, existingServer to use one");
  }
  const d = args.deployer;
  if (!d || typeof d.principalName !== "string" || d.principalName.length === 0) {
    add("deployer.principalName", d?.principalName, "the deploying identity's login name (UPN or display name)");
  }
  if (d && !["User", "ServicePrincipal", "ManagedIdentity"].includes(d.principalType)) {
    add("deployer.principalType", d.principalType, "one of User, ServicePrincipal, ManagedIdentity");
  }
  if (d?.ipAddress !== undefined && args.server?.network !== undefined && args.server.network.mode !== "public") {
    add(
      "deployer.ipAddress",
      d.ipAddress,
      "unset unless network.mode is public: in VNet and private-endpoint modes, deploy from inside the network",
    );
  }

  let administrators: GuideAdministrator[] = [];
  if (args.server) {
    const userRules = args.server.network?.mode === "public" ? args.server.network.firewallRules : undefined;
    const userRuleCount = Array.isArray(userRules) ? userRules.length : 0;
    const deployerRule = `network.firewallRules[${userRuleCount}]`;
    const addsDeployerRule = Boolean(d?.ipAddress) && (args.server.network ?? { mode: "public" }).mode === "public";
    if (addsDeployerRule) {
      (Array.isArray(userRules) ? userRules : []).forEach((r, i) => {
        // ARM compares firewall rule names without regard to case: "Deployer" is the same resource.
        if (typeof r?.name === "string" && azureNameKey(r.name) === azureNameKey(DEPLOYER_RULE)) {
          add(
            `server.network.firewallRules[${i}].name`,
            r.name,
            `another name: the component adds a firewall rule named "${DEPLOYER_RULE}" for deployer.ipAddress (Azure ignores case in rule names)`,
          );
        }
      });
    }
    const serverIssues = validateServerArgs(name, withDeployer(args.server, d ?? { principalName: "", principalType: "User" }));
    for (const i of serverIssues) {
      if (i.field.startsWith("deployerAdministrator")) {
        issues.push({ ...i, field: i.field.replace("deployerAdministrator", "deployer") });
      } else if (addsDeployerRule && (i.field === deployerRule || i.field.startsWith(`${deployerRule}.`))) {
        // The rule withDeployer appended: report it where the user wrote the address. A name clash is
        // reported above, on the user's own rule.
        // Start and end are the same address: one line for it.
        if (!i.field.endsWith(".name") && !issues.some((x) => x.field === "deployer.ipAddress"))
          issues.push({ ...i, field: "deployer.ipAddress", value: d!.ipAddress });
      } else issues.push({ ...i, field: `server.${i.field}` });
    }
    // Azure refuses CREATE EXTENSION for what the server has not allow-listed; say so before anything runs.
    const allowList = args.server.extensions?.allowList;
    (Array.isArray(args.databases) ? args.databases : []).forEach((db, i) =>
      (Array.isArray(db?.extensions) ? db.extensions : []).forEach((x, j) => {
        if (typeof x?.name === "string" && !(Array.isArray(allowList) && allowList.includes(x.name)))
          add(
            `databases[${i}].extensions[${j}].name`,
            x.name,
            `an extension in server.extensions.allowList (${Array.isArray(allowList) ? allowList.join(", ") : "unset"}): Azure refuses CREATE EXTENSION for one that is not allow-listed`,
          );
      }),
    );
    administrators = [
      ...(args.server.administrators ?? []).map((a) => ({ principalName: a.principalName, principalType: a.principalType })),
    ];
    if (d) administrators.push({ principalName: d.principalName, principalType: d.principalType });
  } else if (args.existingServer) {
    administrators = validateExistingServer(args.existingServer, add);
    const port = args.existingServer.port;
    if (d?.ipAddress !== undefined)
      add("deployer.ipAddress", d.ipAddress, "unset with existingServer: its firewall is managed where the server is");
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
      add("existingServer.port", port, "a TCP port, 1-65535 (5432, or 6432 for PgBouncer)");
    const declared = Array.isArray(args.existingServer.administrators) ? args.existingServer.administrators : [];
    if (d && typeof d.principalName === "string" && !declared.some((a) => a?.principalName === d.principalName)) {
      const other = declared.find(
        (a) => typeof a?.principalName === "string" && a.principalName.toLowerCase() === d.principalName.toLowerCase(),
      );
      add(
        "deployer.principalName",
        d.principalName,
        other
          ? `the administrator's name exactly as declared, ${JSON.stringify(other.principalName)}: the provider logs in with it, and PostgreSQL role names are case-sensitive`
          : "one of existingServer.administrators: the provider connects as the deployer, who must be an administrator",
      );
    }
  }
  const adminNames = new Set(administrators.map((a) => a.principalName));
  // One identity, two entries: an access entry with an administrator's object id under another name.
  const adminIds = new Map<string, string>();
  (args.server?.administrators ?? []).forEach((a, i) => {
    const id = typeof a?.objectId === "string" ? a.objectId : a?.managedIdentity?.principalId;
    if (typeof id === "string" && isUuid(id)) adminIds.set(id.toLowerCase(), `server.administrators[${i}] (${a.principalName})`);
  });
  // Client ids known as plain strings: an access entry's object id must not be one of them.
  const clientIds = new Map<string, string>();
  (args.server?.administrators ?? []).forEach((a, i) => {
    for (const [key, id] of [
      ["clientId", a?.clientId],
      ["managedIdentity.clientId", a?.managedIdentity?.clientId],
    ] as const)
      if (typeof id === "string" && isUuid(id)) clientIds.set(id.toLowerCase(), `server.administrators[${i}].${key} (${a.principalName})`);
  });
  (args.access ?? []).forEach((e, i) => {
    const id = e?.principal?.objectId;
    if (typeof id !== "string" || !isUuid(id)) return;
    const client = clientIds.get(id.toLowerCase());
    if (client !== undefined) {
      add(
        `access[${i}].principal.objectId`,
        id,
        `the principal's object id (for a managed identity, its principal id), not a client id: it is ${client}`,
      );
      return;
    }
    const admin = adminIds.get(id.toLowerCase());
    if (admin !== undefined && !admin.endsWith(`(${e.principal.name})`))
      add(
        `access[${i}].principal.objectId`,
        id,
        `the object id of this principal only: it is the id of administrator ${admin}; give the entry that administrator's name`,
      );
  });
  const access = (args.access ?? []).map((e) => (e?.principal && adminNames.has(e.principal.name) ? { ...e, administrator: true } : e));
  const accessIssues = validateAccessInput(accessInput(args, administrators, access), { objectIdsLookedUp: true })
    // The administrators' checks are reported above, under the user's field names.
    .filter((i) => !i.field.startsWith("administrators["))
    // The deployer is deployer.principalName in the user's input; report a problem with it once.
    .map((i) => (i.field === "deployer" ? { ...i, field: "deployer.principalName", value: d?.principalName } : i))
    .filter((i) => i.field !== "deployer.principalName" || !issues.some((x) => x.field === "deployer.principalName"));
  // A role creator that is no name at all is reported once, by the access checks.
  if (args.roleCreator !== undefined && !adminNames.has(args.roleCreator) && !accessIssues.some((i) => i.field === "roleCreator")) {
    const other =
      typeof args.roleCreator === "string"
        ? [...adminNames].find((n) => typeof n === "string" && n.toLowerCase() === args.roleCreator!.toLowerCase())
        : undefined;
    add(
      "roleCreator",
      args.roleCreator,
      other
        ? `the administrator's name exactly as declared, ${JSON.stringify(other)} (PostgreSQL role names are case-sensitive)`
        : "one of the server's administrators: the one that ran the stack's first `pulumi up`",
    );
  }
  issues.push(...accessIssues);
  throwIfIssues("EntraPostgres", issues);
  return { administrators, access };
}
