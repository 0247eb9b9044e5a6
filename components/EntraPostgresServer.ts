import * as pulumi from "@pulumi/pulumi";
import { authorization, dbforpostgresql, network as azureNetwork } from "@pulumi/azure-native";
import { lookupObjectId } from "./entraLookup";
import { InputError, throwIfIssues } from "./errors";
import { PrincipalType, armPrincipalType } from "./principals";
import { LiveServer, createOnlyChanges, isNotFound } from "./serverGuard";
import { PlannedAdministrator, ServerPlan, planServer } from "./serverPlan";

/** A firewall rule for public access: an inclusive IPv4 range. */
export interface FirewallRuleArgs {
  /** Rule name, 1-80 letters, digits, '-' or '_'; also the stable key of the child resource. */
  name: string;
  /** First IPv4 address of the range, e.g. "203.0.113.10". */
  startIpAddress: string;
  /** Last IPv4 address of the range (inclusive); must not be before startIpAddress. */
  endIpAddress: string;
}

/**
 * How clients reach the server. Exactly one mode; the default is `{ mode: "public", firewallRules: [] }`,
 * which exposes a public endpoint that admits nobody until you add rules.
 */
export type NetworkArgs =
  | {
      mode: "public";
      /** Explicit ranges allowed to connect. Default: none. */
      firewallRules?: FirewallRuleArgs[];
      /** Adds Azure's 0.0.0.0 rule: any Azure service, in any tenant, may connect. Default false. */
      allowAzureServices?: boolean;
      /** Adds a rule for 0.0.0.0-255.255.255.255: the whole internet. Only when asked for by name. Default false. */
      allowAllAddresses?: boolean;
    }
  | {
      mode: "vnet";
      /** Resource id of a subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers. Fixed at creation. */
      delegatedSubnetId: pulumi.Input<string>;
      /** Resource id of a private DNS zone named `*.postgres.database.azure.com`, linked to the VNet. */
      privateDnsZoneId: pulumi.Input<string>;
    }
  | {
      mode: "privateEndpoint";
      /** Resource id of the subnet that gets the private endpoint. Public access is disabled. */
      subnetId: pulumi.Input<string>;
      /** Resource id of the `privatelink.postgres.database.azure.com` zone; when set, an A record is registered. */
      privateDnsZoneId?: pulumi.Input<string>;
    };

/** Anything shaped like an azure-native `managedidentity.UserAssignedIdentity` resource. */
export interface ManagedIdentityRef {
  /** The identity's principal id: the object id of its service principal. This is what ARM needs. */
  principalId: pulumi.Input<string>;
  /** The identity's client (application) id. Only used to catch it being passed as the object id. */
  clientId?: pulumi.Input<string>;
  /** The identity's name, which is its service principal's display name and so its login name. */
  name?: pulumi.Input<string>;
}

/** One Microsoft Entra administrator of the server. */
export interface AdministratorArgs {
  /**
   * The name Azure gives the administrator's PostgreSQL role, and the username to log in with:
   * a user's UPN (guests: the `#EXT#` UPN); a group's, service principal's or managed identity's display name.
   * At most 63 bytes (PostgreSQL's identifier limit). Case-sensitive.
   */
  principalName: string;
  /** "User" | "Group" | "ServicePrincipal" | "ManagedIdentity". */
  principalType: PrincipalType;
  /**
   * The principal's object id (UUID). For a managed identity, its principal id, never its client id.
   * Default: looked up in Entra with @pulumi/azuread (user by UPN, group by display name, service principal
   * by clientId or display name), which needs directory read permission.
   */
  objectId?: pulumi.Input<string>;
  /** Application (client) id of a service principal or managed identity: used for the lookup and to reject it as objectId. */
  clientId?: pulumi.Input<string>;
  /** For principalType ManagedIdentity: the identity resource (or its principalId, clientId and name). */
  managedIdentity?: ManagedIdentityRef;
}

/** The identity running `pulumi up`, declared as an administrator so the same run can connect with its token. */
export interface DeployerAdministratorArgs {
  /** Its login name: the UPN of a user, or the display name of a service principal or managed identity. */
  principalName: string;
  /** "User" | "ServicePrincipal" | "ManagedIdentity". */
  principalType: "User" | "ServicePrincipal" | "ManagedIdentity";
  /**
   * Its object id (UUID). Default: the object id of whoever runs the program (Azure client configuration).
   * Set it in stack config so that a preview run by another identity shows no change to this administrator.
   */
  objectId?: string;
}

/** Arguments of EntraPostgresServer. Every field but resourceGroupName has a default (see SERVER_DEFAULTS). */
export interface EntraPostgresServerArgs {
  /** Resource group for the server: 1-90 letters or decimal digits of any script, `_`, `-`, `.`, `(` or `)`, not ending in `.` (ARM's rule). Must exist. */
  resourceGroupName: pulumi.Input<string>;
  /** Azure region, e.g. "westeurope". Default: the resource group's region. */
  location?: pulumi.Input<string>;
  /** Server name, 3-63 lower-case letters, digits and hyphens; globally unique. Default: the component name. */
  serverName?: string;
  /** PostgreSQL major version: "11".."18". Default "17" (generally available everywhere; 18 is newer in Azure). */
  version?: string;
  /** Compute size. Default `{ name: "Standard_D2ds_v5", tier: "GeneralPurpose" }`. Tiers: Burstable, GeneralPurpose, MemoryOptimized. */
  sku?: { name: string; tier: string };
  /** Storage: `sizeGb` one of 32, 64, 128, ..., 32767 (default 128); `autoGrow` default true. */
  storage?: { sizeGb?: number; autoGrow?: boolean };
  /** Backups: `retentionDays` 7-35 (default 14); `geoRedundant` default false (fixed at creation). */
  backup?: { retentionDays?: number; geoRedundant?: boolean };
  /** "Disabled" (default) | "ZoneRedundant" | "SameZone". Not on the Burstable tier. */
  highAvailability?: string;
  /** Preferred availability zone: "1" | "2" | "3". Default: Azure chooses. */
  availabilityZone?: string;
  /** Network mode. Default: public endpoint with no firewall rules (nobody admitted). */
  network?: NetworkArgs;
  /** Entra tenant for authentication (UUID). Default: the deploying identity's tenant. */
  tenantId?: pulumi.Input<string>;
  /** Entra administrators; reordering the list changes nothing, adding or removing one touches only that one. */
  administrators?: AdministratorArgs[];
  /** Also declare the identity running `pulumi up` as an administrator. Default: not declared. */
  deployerAdministrator?: DeployerAdministratorArgs;
  /**
   * Entra group sync (`pgaadauth.enable_group_sync`). Default false, as on Azure: group members then log in
   * with the group's name. When true Azure creates a role per member, so members may use their own names.
   */
  groupSync?: boolean;
  /** Sets `require_secure_transport`. Default true (TLS required). */
  requireSecureTransport?: boolean;
  /**
   * Password authentication, off by default (Entra only). Set it to enable both, with a password
   * administrator whose password must be a Pulumi secret.
   */
  passwordAuth?: { administratorLogin: string; administratorPassword: pulumi.Input<string> };
  /** Further server parameters by name, e.g. `{ "log_min_duration_statement": "500" }`. Values are strings. */
  serverParameters?: Record<string, string>;
  /** Tags for every Azure resource the component makes. */
  tags?: Record<string, pulumi.Input<string>>;
  /**
   * Pulumi's `protect` on the server, which holds the data: `pulumi destroy` and any replacement of the
   * server fail while it is on. Default true. To delete the server on purpose: set false, `pulumi up`,
   * then `pulumi destroy`.
   */
  protect?: boolean;
  /**
   * Lets a change to a property Azure fixes at creation (location, geo-redundant backup, availability
   * zone, the password administrator's login, VNet integration and its subnet) replace the server with a
   * new, empty one. Default false: the component reads the live server first and refuses such a change
   * before the server is registered. Needs `protect: false` too.
   */
  allowReplacement?: boolean;
}

/** What the component reports about each administrator. */
export interface AdministratorInfo {
  principalName: string;
  principalType: PrincipalType;
  /** The value sent to ARM (a managed identity is a ServicePrincipal there). */
  armPrincipalType: string;
  objectId: string;
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
  readonly serverName: pulumi.Output<string>;
  readonly resourceGroupName: pulumi.Output<string>;
  /** `<server>.postgres.database.azure.com`. */
  readonly fqdn: pulumi.Output<string>;
  /** Entra tenant the server authenticates against. */
  readonly tenantId: pulumi.Output<string>;
  /** Every Entra administrator: name, type, ARM type and object id. */
  readonly administrators: pulumi.Output<AdministratorInfo[]>;
  /** Whether group sync is on; the login guide depends on it. */
  readonly groupSync: boolean;
  /** The last operation in the server's chain: depend on it before connecting with SQL. */
  readonly ready: pulumi.Resource;

  constructor(name: string, args: EntraPostgresServerArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before anything registers, the component itself included: bad input creates nothing.
    const plan = planServer(name, args);
    super(ENTRA_POSTGRES_SERVER_TYPE, name, {}, opts);
    const parent = { parent: this };

    const clientConfig = authorization.getClientConfigOutput(parent);
    const tenantId = pulumi.output(args.tenantId ?? clientConfig.tenantId);
    const admins = plan.administrators.map((a) => ({ ...a, objectId: resolveObjectId(a, clientConfig.objectId, this, plan.groupSync) }));

    // The server waits for every administrator's object id and for the create-only check, so an
    // unresolvable principal or an accidental replacement fails the run before the server is touched.
    const guard = plan.allowReplacement ? pulumi.output(true) : refuseCreateOnlyChanges(plan, args, this);
    const gatedTenantId = pulumi.all([tenantId, guard, pulumi.all(admins.map((a) => a.objectId))]).apply(([t]) => t);

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
    let previous: pulumi.Resource = server;
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
          principalName: a.principalName,
          principalType: armPrincipalType(a.principalType),
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

    this.server = server;
    this.serverId = server.id;
    this.serverName = server.name;
    this.resourceGroupName = pulumi.output(args.resourceGroupName);
    this.fqdn = server.fullyQualifiedDomainName;
    this.tenantId = tenantId;
    this.groupSync = plan.groupSync;
    this.ready = previous;
    this.administrators = pulumi.all(admins.map((a) => a.objectId)).apply((ids) =>
      admins.map((a, i) => ({
        principalName: a.principalName,
        principalType: a.principalType,
        armPrincipalType: armPrincipalType(a.principalType),
        objectId: ids[i],
      })),
    );
    this.registerOutputs({
      serverId: this.serverId,
      serverName: this.serverName,
      fqdn: this.fqdn,
      tenantId: this.tenantId,
      administrators: this.administrators,
    });
  }
}

function serverNetwork(network: NetworkArgs): dbforpostgresql.ServerArgs["network"] {
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
  network: Extract<NetworkArgs, { mode: "privateEndpoint" }>,
  args: EntraPostgresServerArgs,
  server: dbforpostgresql.Server,
  opts: pulumi.CustomResourceOptions,
): pulumi.Resource {
  const endpoint = new azureNetwork.PrivateEndpoint(
    `${name}-pe`,
    {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      subnet: { id: network.subnetId },
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
 * property the program would change (see serverGuard.ts). A server that does not exist yet passes.
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
      throwIfIssues("EntraPostgresServer", createOnlyChanges(wanted, live));
      return true;
    });
}

/** The administrator's object id: given, taken from the identity resource, or looked up in Entra. */
function resolveObjectId(
  a: PlannedAdministrator,
  deployerObjectId: pulumi.Output<string>,
  parent: pulumi.Resource,
  groupSync: boolean,
): pulumi.Output<string> {
  const field = `administrators[${a.principalName}]`;
  if (a.isDeployer) return typeof a.objectId === "string" ? pulumi.output(a.objectId) : deployerObjectId;
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
      if (miName !== undefined && miName !== a.principalName) {
        throw new InputError("EntraPostgresServer", [
          {
            field: `${field}.principalName`,
            value: a.principalName,
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
  return lookupObjectId(a, `${field}.principalName`, "EntraPostgresServer", parent, { exactUpn: groupSync });
}
