import * as pulumi from "@pulumi/pulumi";
import { authorization, dbforpostgresql, monitor, network as azureNetwork } from "@pulumi/azure-native";
import { lookupObjectId } from "../entraLookup";
import { InputError, throwIfIssues } from "../errors";
import { PrincipalType, armPrincipalType } from "../principals";
import type { EntraPostgresServerArgs, NetworkArgs } from "./args";
import { LiveServer, createOnlyChanges, encryptionModeChanges, isNotFound } from "./guard";
import { PlannedAdministrator, PlannedFirewallRule, ServerPlan, planServer } from "./plan";
import { firewallRangeIssues } from "./validate";

/** What the component reports about each administrator. */
export interface AdministratorInfo {
  /** Its role name and login username. */
  name: string;
  /** User, Group, ServicePrincipal or ManagedIdentity. */
  type: PrincipalType;
  /** The value sent to ARM (a managed identity is a ServicePrincipal there). */
  armPrincipalType: string;
  /** Its object id, lower case. */
  objectId: string;
}

/** What the component reports about each read replica. */
export interface ReplicaInfo {
  /** The replica's server name. */
  serverName: string;
  /** `<replica>.postgres.database.azure.com`. */
  fqdn: string;
  /** Its region. */
  location: string;
}

export const ENTRA_POSTGRES_SERVER_TYPE = "entra-postgres:index:EntraPostgresServer";

/**
 * An Azure Database for PostgreSQL flexible server whose only way in is Microsoft Entra ID, with its
 * Entra administrators, server parameters and network access.
 *
 * Azure runs one operation per server at a time, so every child operation waits for the one before it:
 * server, then parameters, then firewall rules, then administrators one by one (in a stable order, by key).
 */
export class EntraPostgresServer extends pulumi.ComponentResource {
  /** The azure-native server resource. */
  readonly server: dbforpostgresql.Server;
  /** ARM resource id of the server. */
  readonly serverId: pulumi.Output<string>;
  /** The server's name. */
  readonly serverName: pulumi.Output<string>;
  /** Its resource group. */
  readonly resourceGroupName: pulumi.Output<string>;
  /** `<server>.postgres.database.azure.com`. */
  readonly fqdn: pulumi.Output<string>;
  /** Entra tenant the server authenticates against. */
  readonly tenantId: pulumi.Output<string>;
  /** Every Entra administrator: name, type, ARM type and object id. */
  readonly administrators: pulumi.Output<AdministratorInfo[]>;
  /** Whether group sync is on; the login guide depends on it. */
  readonly groupSync: pulumi.Output<boolean>;
  /**
   * The id of the last operation in the server's chain (server, parameters, firewall rules,
   * administrators, private endpoint). Pass it into whatever connects with SQL: it carries the whole
   * chain as a dependency, so nothing connects before the firewall rule and administrators exist.
   */
  readonly ready: pulumi.Output<string>;
  /** Whether Azure's PgBouncer is on (port 6432 beside 5432); the login guide depends on it. */
  readonly pgBouncer: pulumi.Output<boolean>;
  /** The read replicas: server name, host name and region. Read-only. */
  readonly readReplicas: pulumi.Output<ReplicaInfo[]>;

  /**
   * @param plan The plan of these arguments when the caller has already validated and made it
   *   (EntraPostgres does, so that there is one plan); otherwise it is made here.
   */
  constructor(name: string, args: EntraPostgresServerArgs, opts?: pulumi.ComponentResourceOptions, plan?: ServerPlan) {
    // Validate before anything registers, the component itself included: bad input creates nothing.
    plan ??= planServer(name, args);
    super(ENTRA_POSTGRES_SERVER_TYPE, name, {}, opts);
    const parent = { parent: this };

    // Who runs the program (one invoke per server), asked only for what the stack does not give: the
    // tenant, and the deployer's object id. With both in config nothing depends on the runner.
    let clientConfig: ReturnType<typeof authorization.getClientConfigOutput> | undefined;
    const runner = () => (clientConfig ??= authorization.getClientConfigOutput(parent));
    const tenantId = pulumi.output(args.tenantId ?? runner().tenantId);
    const admins = plan.administrators.map((a) => ({ ...a, objectId: resolveObjectId(a, () => runner().objectId, this, plan.groupSync) }));

    // The server waits for every administrator's object id and for the create-only check, so an
    // unresolvable principal or an accidental replacement fails the run before the server is touched.
    // Firewall addresses given as Outputs are checked the same way once they resolve, also before the server.
    const guard = refuseCreateOnlyChanges(plan, args, this);
    const gates: pulumi.Output<unknown>[] = [
      guard,
      ...admins.map((a) => a.objectId),
      ...plan.firewallRules
        // Plain strings were validated before anything registered (and the component's own rules are plain).
        .filter((r) => typeof r.startIpAddress !== "string" || typeof r.endIpAddress !== "string")
        .map(resolvedRangeCheck),
    ];
    const gatedTenantId = pulumi.all([tenantId, ...gates]).apply(([t]) => t as string);

    const server = new dbforpostgresql.Server(
      `${name}-server`,
      {
        serverName: plan.serverName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        version: plan.version,
        sku: plan.sku,
        storage: plan.storage,
        backup: plan.backup,
        highAvailability: plan.highAvailability,
        availabilityZone: plan.availabilityZone,
        network: serverNetwork(plan.network),
        maintenanceWindow: plan.features.maintenanceWindow,
        ...serverEncryption(plan),
        authConfig: {
          activeDirectoryAuth: "Enabled",
          passwordAuth: plan.passwordAuth ? "Enabled" : "Disabled",
          tenantId: gatedTenantId,
        },
        // Entra-only servers send no password administrator at all.
        ...(args.passwordAuth
          ? {
              administratorLogin: args.passwordAuth.administratorLogin,
              administratorLoginPassword: pulumi.secret(args.passwordAuth.administratorPassword),
            }
          : {}),
        tags: args.tags,
      },
      { ...parent, protect: plan.protect, additionalSecretOutputs: ["administratorLoginPassword"] },
    );

    const serverRef = { resourceGroupName: args.resourceGroupName, serverName: server.name };
    let previous: pulumi.CustomResource = server;
    const chained = () => ({ ...parent, dependsOn: [previous] });

    for (const p of plan.parameters) {
      previous = new dbforpostgresql.Configuration(
        `${name}-param-${p.name}`,
        { ...serverRef, configurationName: p.name, value: p.value, source: "user-override" },
        chained(),
      );
    }
    for (const rule of plan.firewallRules) {
      previous = new dbforpostgresql.FirewallRule(
        `${name}-fw-${rule.name}`,
        { ...serverRef, firewallRuleName: rule.name, startIpAddress: rule.startIpAddress, endIpAddress: rule.endIpAddress },
        chained(),
      );
    }
    for (const a of admins) {
      previous = new dbforpostgresql.AdministratorsMicrosoftEntra(
        `${name}-admin-${a.key}`,
        {
          ...serverRef,
          objectId: a.objectId,
          principalName: a.name,
          principalType: armPrincipalType(a.type),
          tenantId,
        },
        // The ARM name is the object id: a replacement must delete before it creates the same id again.
        // The aliases keep this resource when its key changes (an object id added, a name's case fixed):
        // a new URN would create the same ARM administrator again, then delete it at the end of the run.
        {
          ...chained(),
          deleteBeforeReplace: true,
          aliases: a.previousKeys.map((k) => ({ name: `${name}-admin-${k}` })),
        },
      );
    }
    if (plan.network.mode === "privateEndpoint") {
      previous = privateEndpoint(name, plan.network, args, server, chained());
    }
    // Creating a replica puts the primary in an updating state, so replicas are in the chain too.
    const replicas = plan.features.readReplicas.map((r) => {
      const replica = new dbforpostgresql.Server(
        `${name}-replica-${r.serverName}`,
        {
          serverName: r.serverName,
          resourceGroupName: args.resourceGroupName,
          location: r.location ?? args.location,
          createMode: "Replica",
          sourceServerResourceId: server.id,
          version: plan.version,
          sku: r.sku ?? plan.sku,
          storage: { ...plan.storage, storageSizeGB: r.storageSizeGb ?? plan.storage.storageSizeGB },
          availabilityZone: r.availabilityZone,
          network: serverNetwork(plan.network),
          // The administrators replicate from the primary; the replica's own setting says Entra only too.
          authConfig: { activeDirectoryAuth: "Enabled", passwordAuth: plan.passwordAuth ? "Enabled" : "Disabled", tenantId },
          tags: args.tags,
        },
        chained(),
      );
      previous = replica;
      return { serverName: r.serverName, replica };
    });
    const last = previous;

    // Diagnostic settings and role assignments are Microsoft.Insights and Microsoft.Authorization
    // resources, not operations of the server: they wait for the server only, beside the chain.
    const extensionsOfServer: pulumi.Resource[] = [];
    for (const d of plan.features.diagnosticSettings) {
      extensionsOfServer.push(
        new monitor.DiagnosticSetting(
          `${name}-diag-${d.name}`,
          {
            name: d.name,
            resourceUri: server.id,
            logs: d.logs,
            metrics: d.metrics,
            workspaceId: d.workspaceId,
            logAnalyticsDestinationType: d.logAnalyticsDestinationType,
            storageAccountId: d.storageAccountId,
            eventHubAuthorizationRuleId: d.eventHubAuthorizationRuleId,
            eventHubName: d.eventHubName,
          },
          { ...parent, dependsOn: [server] },
        ),
      );
    }
    for (const r of plan.features.roleAssignments) {
      const roleDefinitionId =
        r.roleDefinitionId ??
        pulumi.interpolate`/subscriptions/${runner().subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${r.roleDefinitionGuid}`;
      extensionsOfServer.push(
        new authorization.RoleAssignment(
          `${name}-rbac-${r.name}`,
          {
            scope: server.id,
            roleAssignmentName: r.name,
            roleDefinitionId,
            principalId: r.principalId,
            principalType: r.principalType,
            description: r.description,
            condition: r.condition,
            conditionVersion: r.conditionVersion,
            delegatedManagedIdentityResourceId: r.delegatedManagedIdentityResourceId,
          },
          { ...parent, dependsOn: [server] },
        ),
      );
    }
    // The lock comes last and goes first: created after everything else on the server, so nothing of
    // ours is deleted under it during a destroy (it is destroyed before what it waits on).
    if (plan.features.lock) {
      new authorization.ManagementLockByScope(
        `${name}-lock`,
        { scope: server.id, lockName: plan.features.lock.name, level: "CanNotDelete", notes: plan.features.lock.notes },
        { ...parent, dependsOn: [last, ...extensionsOfServer] },
      );
    }

    this.server = server;
    this.serverId = server.id;
    this.serverName = server.name;
    this.resourceGroupName = pulumi.output(args.resourceGroupName);
    this.fqdn = server.fullyQualifiedDomainName;
    this.tenantId = tenantId;
    this.groupSync = pulumi.output(plan.groupSync);
    this.ready = last.id;
    this.pgBouncer = pulumi.output(plan.features.pgBouncer);
    this.readReplicas = pulumi.all(
      replicas.map((r) =>
        pulumi
          .all([r.replica.fullyQualifiedDomainName, r.replica.location])
          .apply(([fqdn, location]) => ({ serverName: r.serverName, fqdn, location })),
      ),
    );
    this.administrators = pulumi.all(admins.map((a) => a.objectId)).apply((ids) =>
      admins.map((a, i) => ({
        name: a.name,
        type: a.type,
        armPrincipalType: armPrincipalType(a.type),
        objectId: ids[i],
      })),
    );
    this.registerOutputs({
      serverId: this.serverId,
      serverName: this.serverName,
      fqdn: this.fqdn,
      tenantId: this.tenantId,
      administrators: this.administrators,
      resourceGroupName: this.resourceGroupName,
      groupSync: this.groupSync,
      ready: this.ready,
      server: this.server,
      pgBouncer: this.pgBouncer,
      readReplicas: this.readReplicas,
    });
  }
}

/** A rule's addresses, checked once they resolve; throws the same error validation gives plain strings. */
function resolvedRangeCheck(rule: PlannedFirewallRule): pulumi.Output<boolean> {
  return pulumi.all([rule.startIpAddress, rule.endIpAddress]).apply(([start, end]) => {
    throwIfIssues("EntraPostgresServer", firewallRangeIssues(`network.firewallRules[${rule.name}]`, start, end));
    return true;
  });
}

/** The server's user-assigned identities and customer-managed key, as ARM takes them. */
function serverEncryption(plan: ServerPlan): Pick<dbforpostgresql.ServerArgs, "identity" | "dataEncryption"> {
  const { identity, dataEncryption } = plan.features.encryption;
  return {
    ...(identity
      ? {
          identity: {
            type: identity.type,
            // ARM keys the identities by resource id; their values are what Azure reports back.
            userAssignedIdentities: pulumi.all(identity.ids).apply((ids) => Object.fromEntries(ids.map((id) => [id, {}]))),
          },
        }
      : {}),
    ...(dataEncryption ? { dataEncryption } : {}),
  };
}

function serverNetwork(network: ServerPlan["network"]): dbforpostgresql.ServerArgs["network"] {
  switch (network.mode) {
    case "public":
      return { publicNetworkAccess: "Enabled" };
    case "vnet":
      // Azure disables public access itself for VNet-integrated servers.
      return { delegatedSubnetResourceId: network.delegatedSubnetId, privateDnsZoneArmResourceId: network.privateDnsZoneId };
    case "privateEndpoint":
      return { publicNetworkAccess: "Disabled" };
  }
}

function privateEndpoint(
  name: string,
  network: NetworkArgs,
  args: EntraPostgresServerArgs,
  server: dbforpostgresql.Server,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource {
  const endpoint = new azureNetwork.PrivateEndpoint(
    `${name}-pe`,
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      subnet: { id: network.subnetId! },
      privateLinkServiceConnections: [{ name: `${name}-pe`, privateLinkServiceId: server.id, groupIds: ["postgresqlServer"] }],
      tags: args.tags,
    },
    opts,
  );
  if (network.privateDnsZoneId === undefined) return endpoint;
  return new azureNetwork.PrivateDnsZoneGroup(
    `${name}-pe-dns`,
    {
      resourceGroupName: args.resourceGroupName,
      privateEndpointName: endpoint.name,
      privateDnsZoneConfigs: [{ name: "postgres", privateDnsZoneId: network.privateDnsZoneId }],
    },
    { ...opts, dependsOn: [endpoint] },
  );
}

/**
 * Reads the live server, if there is one, and fails with one InputError naming every create-only
 * property the program would change (see guard.ts), unless the replacement is asked for on purpose,
 * and any change of encryption mode, which Azure refuses either way. A server that does not exist yet passes.
 */
function refuseCreateOnlyChanges(plan: ServerPlan, args: EntraPostgresServerArgs, parent: pulumi.Resource): pulumi.Output<boolean> {
  const subnet = plan.network.mode === "vnet" ? plan.network.delegatedSubnetId : undefined;
  return pulumi
    .all([args.resourceGroupName, args.location, subnet])
    .apply(async ([resourceGroupName, location, delegatedSubnetResourceId]) => {
      let live: LiveServer;
      try {
        live = await dbforpostgresql.getServer({ resourceGroupName, serverName: plan.serverName }, { parent });
      } catch (e) {
        if (isNotFound(e)) return true;
        throw new Error(
          `EntraPostgresServer: could not read server ${plan.serverName} in ${resourceGroupName} to check that nothing would replace it ` +
            `(the deploying identity needs read access to the resource group): ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      const wanted = {
        location,
        administratorLogin: args.passwordAuth?.administratorLogin,
        geoRedundantBackup: plan.backup.geoRedundantBackup,
        availabilityZone: plan.availabilityZone,
        delegatedSubnetResourceId,
      };
      const mode = plan.features.encryption.dataEncryption ? "AzureKeyVault" : "SystemManaged";
      throwIfIssues("EntraPostgresServer", [
        ...(plan.allowReplacement ? [] : createOnlyChanges(wanted, live)),
        ...encryptionModeChanges(mode, live),
      ]);
      return true;
    });
}

/** The administrator's object id: given, taken from the identity resource, or looked up in Entra. */
function resolveObjectId(
  a: PlannedAdministrator,
  deployerObjectId: () => pulumi.Output<string>,
  parent: pulumi.Resource,
  groupSync: boolean,
): pulumi.Output<string> {
  const field = `administrators[${a.name}]`;
  if (a.isDeployer) return typeof a.objectId === "string" ? pulumi.output(a.objectId) : deployerObjectId();
  if (a.managedIdentity) {
    const mi = a.managedIdentity;
    // Plain strings were checked before anything registered (validateManagedIdentity).
    const plain = (v: unknown) => v === undefined || typeof v === "string";
    if (typeof mi.principalId === "string" && plain(mi.clientId) && plain(mi.name) && plain(a.objectId))
      return pulumi.output(mi.principalId.toLowerCase());
    return pulumi.all([mi.principalId, mi.clientId, mi.name, a.objectId]).apply(([principalId, clientId, miName, given]) => {
      if (given !== undefined && clientId !== undefined && given.toLowerCase() === clientId.toLowerCase()) {
        throw new InputError("EntraPostgresServer", [
          { field: `${field}.objectId`, value: given, allowed: "the identity's principal id; this is its client id" },
        ]);
      }
      if (given !== undefined && given.toLowerCase() !== principalId.toLowerCase()) {
        throw new InputError("EntraPostgresServer", [
          { field: `${field}.objectId`, value: given, allowed: `the identity's principal id ${principalId}, or leave objectId unset` },
        ]);
      }
      if (miName !== undefined && miName !== a.name) {
        throw new InputError("EntraPostgresServer", [
          {
            field: `${field}.name`,
            value: a.name,
            allowed: `the identity's name ${JSON.stringify(miName)}, which is its login name`,
          },
        ]);
      }
      return principalId.toLowerCase();
    });
  }
  // Plain strings were checked against the client id before anything registered.
  if (typeof a.objectId === "string" && (a.clientId === undefined || typeof a.clientId === "string")) return pulumi.output(a.objectId);
  if (a.objectId !== undefined) {
    return pulumi.all([a.objectId, a.clientId]).apply(([id, clientId]) => {
      if (clientId !== undefined && id.toLowerCase() === clientId.toLowerCase()) {
        throw new InputError("EntraPostgresServer", [
          { field: `${field}.objectId`, value: id, allowed: "the object (principal) id, not the client id" },
        ]);
      }
      return id.toLowerCase();
    });
  }
  return lookupObjectId(a, `${field}.name`, "EntraPostgresServer", parent, { exactUpn: groupSync });
}
