import { authorization } from "@pulumi/azure-native";
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { EntraDatabaseAccess } from "../access/EntraDatabaseAccess";
import { AccessPlan, buildAccessPlan, generatedNameIssues } from "../access/plan";
import { lookupObjectId } from "../entraLookup";
import { throwIfIssues } from "../errors";
import { LoginGuideEntry, loginGuide, renderLoginGuide } from "../loginGuide";
import { EntraPostgresServer } from "../server/EntraPostgresServer";
import { buildServerPlan } from "../server/plan";
import type { EntraPostgresArgs } from "./args";
import { accessInput, deployerIpIssues, validateEntraPostgres, withDeployer } from "./validate";

export const ENTRA_POSTGRES_TYPE = "entra-postgres:index:EntraPostgres";

/**
 * Everything for a password-free PostgreSQL in one component: the Entra-only server and its
 * administrators (or an existing server), a postgresql provider that logs in as the deployer with its
 * own token, the databases, roles and grants, and a login guide for every principal.
 */
export class EntraPostgres extends pulumi.ComponentResource {
  /** Host name clients connect to. */
  readonly fqdn: pulumi.Output<string>;
  /** Port clients connect to. */
  readonly port: pulumi.Output<number>;
  /** ARM resource id of the server, when this component created it; else empty. */
  readonly serverId: pulumi.Output<string>;
  /** Entra tenant the server authenticates against. */
  readonly tenantId: pulumi.Output<string>;
  /** Names of the LOGIN roles created for principals (administrators' roles are Azure's). */
  readonly roleNames: pulumi.Output<string[]>;
  /** Names of the databases created. */
  readonly databases: pulumi.Output<string[]>;
  /** One entry per principal: username, host, databases, psql command, URI, notes. No secrets. */
  readonly loginGuide: pulumi.Output<LoginGuideEntry[]>;
  /** The same guide as Markdown. */
  readonly loginGuideMarkdown: pulumi.Output<string>;

  constructor(name: string, args: EntraPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated and planned once, here; the children are handed the plans.
    const { administrators, access } = validateEntraPostgres(name, args);
    const plan = buildAccessPlan(accessInput(args, administrators, access));
    throwIfIssues("EntraPostgres", generatedNameIssues(accessInput(args, administrators, access), plan));
    // An address that is another resource's output is checked when it resolves, before the server.
    const ip = args.deployerIpAddress;
    const checkedIp =
      ip === undefined || typeof ip === "string"
        ? ip
        : pulumi.output(ip).apply((value) => {
            throwIfIssues("EntraPostgres", deployerIpIssues(value));
            return value;
          });
    const serverArgs = args.server ? withDeployer(args, checkedIp) : undefined;
    const serverPlan = serverArgs ? buildServerPlan(name, serverArgs) : undefined;
    super(ENTRA_POSTGRES_TYPE, name, {}, opts);

    const groupSync = args.server ? (args.server.groupSync ?? false) : (args.existingServer!.groupSync ?? false);
    const adminNames = new Set(administrators.map((a) => a.name));
    // Principals without an object id are looked up in Entra first, and the server (or, on an existing
    // server, the provider) waits for them: a principal that cannot be found, or a user spelled otherwise
    // than Entra spells the UPN while group sync is on, fails the run before anything is created.
    const resolved = access.map((entry, i) =>
      adminNames.has(entry.principal.name) || entry.principal.objectId !== undefined || entry.principal.managedIdentity !== undefined
        ? entry
        : {
            ...entry,
            principal: {
              ...entry.principal,
              objectId: lookupObjectId(entry.principal, `access[${i}].principal.objectId`, "EntraPostgres", this, {
                exactUpn: groupSync,
                nameField: `access[${i}].principal.name`,
              }),
            },
          },
    );
    const lookedUp = resolved.filter((e, i) => e !== access[i]).map((e) => e.principal.objectId);
    // The plan was made before the lookups could start (they need this component as parent); its
    // principals take the looked-up ids, so children and the login guide share this one plan.
    for (const e of resolved) {
      const planned = plan.principals.find((p) => p.name === e.principal.name);
      if (planned && planned.objectId === undefined && e.principal.objectId !== undefined) planned.objectId = e.principal.objectId;
    }
    const afterLookups = <T>(value: pulumi.Input<T>): pulumi.Output<T> => pulumi.all([value, ...lookedUp]).apply(([v]) => v as T);

    let fqdn: pulumi.Output<string>;
    let tenantId: pulumi.Output<string>;
    let ready: pulumi.Input<string>[];
    let replicas: pulumi.Output<{ host: string; location?: string }[]> = pulumi.output([]);
    let pgBouncer: pulumi.Output<boolean> = pulumi.output(false);
    const port = args.existingServer?.port ?? 5432;
    let server: EntraPostgresServer | undefined;
    if (args.server && serverArgs) {
      if (lookedUp.length > 0)
        serverArgs.tenantId = afterLookups(args.server.tenantId ?? authorization.getClientConfigOutput({ parent: this }).tenantId);
      server = new EntraPostgresServer(name, serverArgs, { parent: this }, serverPlan);
      fqdn = server.fqdn;
      tenantId = server.tenantId;
      ready = [server.ready];
      replicas = server.readReplicas.apply((rs) => rs.map((r) => ({ host: r.fqdn, location: r.location })));
      pgBouncer = server.pgBouncer;
    } else {
      const existing = args.existingServer!;
      fqdn = lookedUp.length > 0 ? afterLookups(existing.fqdn) : pulumi.output(existing.fqdn);
      // The upstream provider refuses azureIdentityAuth without a tenant ("azure_tenant_id must be
      // provided also"); the deploying identity's own tenant is the server's unless told otherwise.
      tenantId = pulumi.output(existing.tenantId ?? authorization.getClientConfigOutput({ parent: this }).tenantId);
      ready = existing.waitFor ?? [];
    }

    // Logs in as the deployer with a token from the ambient Azure identity. The host carries the end of
    // the server chain (firewall rule and administrators included) as a dependency, so the provider
    // makes no connection before they exist.
    const provider = new postgresql.Provider(
      `${name}-pg`,
      {
        host: ready.length > 0 ? pulumi.all([fqdn, ...ready]).apply(([host]) => host) : fqdn,
        port,
        database: "postgres",
        username: args.deployer.name,
        azureIdentityAuth: true,
        azureTenantId: tenantId,
        sslmode: "require",
        superuser: false,
      },
      { parent: this },
    );

    const databaseAccess = new EntraDatabaseAccess(
      name,
      { ...accessInput(args, administrators, resolved), provider },
      { parent: this },
      plan,
    );
    HANDLES.set(this, { server, provider, access: databaseAccess, plan });
    this.fqdn = fqdn;
    this.port = pulumi.output(port);
    this.serverId = server ? server.serverId : pulumi.output("");
    this.tenantId = tenantId;
    this.roleNames = databaseAccess.roleNames;
    this.databases = databaseAccess.databases;
    this.loginGuide = pulumi
      .all([fqdn, replicas, pgBouncer])
      .apply(([host, readReplicas, pooled]) =>
        loginGuide(plan, { host, port, groupSync, pgBouncer: pooled, readReplicas }, administrators),
      );
    this.loginGuideMarkdown = this.loginGuide.apply(renderLoginGuide);
    this.registerOutputs({
      fqdn: this.fqdn,
      port: this.port,
      serverId: this.serverId,
      tenantId: this.tenantId,
      roleNames: this.roleNames,
      databases: this.databases,
      loginGuide: this.loginGuide,
      loginGuideMarkdown: this.loginGuideMarkdown,
    });
  }

  /** TypeScript only: the server component, when this component created the server. */
  get server(): EntraPostgresServer | undefined {
    return HANDLES.get(this)!.server;
  }

  /** TypeScript only: the connection as the deployer (Entra token, TLS, not superuser), for your own SQL resources. */
  get provider(): postgresql.Provider {
    return HANDLES.get(this)!.provider;
  }

  /** TypeScript only: the databases, roles and grants component. */
  get access(): EntraDatabaseAccess {
    return HANDLES.get(this)!.access;
  }

  /** TypeScript only: the access plan (roles, access roles, grants, memberships), the same object as `access.plan`. */
  get plan(): AccessPlan {
    return HANDLES.get(this)!.plan;
  }
}

interface Handles {
  server?: EntraPostgresServer;
  provider: postgresql.Provider;
  access: EntraDatabaseAccess;
  plan: AccessPlan;
}

// Beside the instance rather than on it: a field would be a schema output, and these are TypeScript
// objects (components of this package, a provider) that the schema cannot describe.
const HANDLES = new WeakMap<EntraPostgres, Handles>();
