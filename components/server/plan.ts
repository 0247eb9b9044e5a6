/**
 * EntraPostgresServer's plan: validated arguments with defaults applied, children in a stable order.
 * Plain functions, no Pulumi runtime.
 */
import type * as pulumi from "@pulumi/pulumi";
import { throwIfIssues } from "../errors";
import { ServerFeaturePlan, planServerFeatures } from "../features";
import { ManagedIdentityRef, PrincipalType, nameKey } from "../principals";
import type { EntraPostgresServerArgs, NetworkArgs, NetworkMode } from "./args";
import { ALLOW_ALL_RULE, ALLOW_AZURE_SERVICES_RULE, SERVER_DEFAULTS } from "./defaults";
import { validateServerArgs } from "./validate";

/** An administrator after validation: a stable key for its child resource name, and its lookups. */
export interface PlannedAdministrator {
  /** Stable part of the child resource name: the object id when given, else a slug of the name ignoring case. */
  key: string;
  /**
   * Keys this administrator may have had in an earlier run (before its object id was given, or under
   * the exact-case name key of 0.1): the component registers them as aliases so its resource is kept.
   */
  previousKeys: string[];
  name: string;
  type: PrincipalType;
  /** Given object id (string or Output), or undefined when it must be looked up in Entra. */
  objectId?: pulumi.Input<string>;
  clientId?: pulumi.Input<string>;
  managedIdentity?: ManagedIdentityRef;
  /** True for the deploying identity, whose object id comes from the client configuration. */
  isDeployer: boolean;
}

export interface PlannedFirewallRule {
  name: string;
  /** Plain strings were validated; Outputs are validated when they resolve, before the server is created. */
  startIpAddress: pulumi.Input<string>;
  endIpAddress: pulumi.Input<string>;
}

/** Everything EntraPostgresServer needs to register its resources, with defaults applied. */
export interface ServerPlan {
  serverName: string;
  version: string;
  sku: { name: string; tier: string };
  storage: ServerFeaturePlan["storage"];
  backup: { backupRetentionDays: number; geoRedundantBackup: "Enabled" | "Disabled" };
  highAvailability: { mode: string };
  availabilityZone?: string;
  passwordAuth: boolean;
  /** Pulumi's `protect` on the server. */
  protect: boolean;
  /** Whether a create-only change may replace the server (skips the live-server check). */
  allowReplacement: boolean;
  groupSync: boolean;
  /** Server parameters to set, sorted by name so the chain of operations is stable. */
  parameters: { name: string; value: string }[];
  /** Firewall rules sorted by name; empty unless public access is used. */
  firewallRules: PlannedFirewallRule[];
  /** Administrators sorted by key: the order in which they are declared, one at a time. */
  administrators: PlannedAdministrator[];
  network: NetworkArgs & { mode: NetworkMode };
  /** Maintenance window, lock, diagnostics, role assignments, encryption, replicas (components/features). */
  features: ServerFeaturePlan;
}

/** Validates the arguments and returns the plan, or throws one InputError listing every problem. */
export function planServer(componentName: string, args: EntraPostgresServerArgs): ServerPlan {
  const issues = validateServerArgs(componentName, args);
  throwIfIssues("EntraPostgresServer", issues);
  return buildServerPlan(componentName, args);
}

/**
 * An administrator's resource key, and the keys it may have had before: the object id when it is given,
 * otherwise its name ignoring case (Entra compares UPNs and display names so), with the name keys as
 * aliases so that adding an object id or correcting a name's case keeps the administrator's resource.
 * (0.1 keyed looked-up names by their exact spelling: that key is an alias too.)
 */
function adminKeys(objectId: string | undefined, name: string): { key: string; previousKeys: string[] } {
  const nameKeys = [nameKey(name.toLowerCase()), nameKey(name)];
  const key = objectId ?? nameKeys[0];
  return { key, previousKeys: [...new Set(nameKeys)].filter((k) => k !== key) };
}

/** The plan for arguments that validateServerArgs accepted. */
export function buildServerPlan(componentName: string, args: EntraPostgresServerArgs): ServerPlan {
  const d = SERVER_DEFAULTS;
  const groupSync = args.groupSync ?? d.groupSync;
  const requireTls = args.requireSecureTransport ?? d.requireSecureTransport;
  const features = planServerFeatures(args, args.serverName ?? componentName);
  const parameters = [
    ...Object.entries(args.serverParameters ?? {}).map(([name, value]) => ({ name, value })),
    ...features.parameters,
    { name: "require_secure_transport", value: requireTls ? "ON" : "OFF" },
    { name: "pgaadauth.enable_group_sync", value: groupSync ? "ON" : "OFF" },
  ].sort((a, b) => a.name.localeCompare(b.name));

  const network = { ...(args.network ?? {}), mode: args.network?.mode ?? "public" };
  const firewallRules: PlannedFirewallRule[] = [];
  if (network.mode === "public") {
    firewallRules.push(...(network.firewallRules ?? []).map((r) => ({ ...r })));
    if (network.allowAzureServices)
      firewallRules.push({ name: ALLOW_AZURE_SERVICES_RULE, startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" });
    if (network.allowAllAddresses) firewallRules.push({ name: ALLOW_ALL_RULE, startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" });
  }
  firewallRules.sort((a, b) => a.name.localeCompare(b.name));

  const administrators: PlannedAdministrator[] = (args.administrators ?? []).map((a) => ({
    ...adminKeys(typeof a.objectId === "string" ? a.objectId.toLowerCase() : undefined, a.name),
    name: a.name,
    type: a.type,
    objectId: typeof a.objectId === "string" ? a.objectId.toLowerCase() : a.objectId,
    clientId: a.clientId,
    managedIdentity: a.managedIdentity,
    isDeployer: false,
  }));
  if (args.deployerAdministrator) {
    administrators.push({
      ...adminKeys(undefined, args.deployerAdministrator.name),
      name: args.deployerAdministrator.name,
      type: args.deployerAdministrator.type,
      objectId:
        typeof args.deployerAdministrator.objectId === "string"
          ? args.deployerAdministrator.objectId.toLowerCase()
          : args.deployerAdministrator.objectId,
      isDeployer: true,
    });
  }
  administrators.sort((a, b) => a.key.localeCompare(b.key));

  return {
    serverName: args.serverName ?? componentName,
    version: args.version ?? d.version,
    sku: args.sku ? { name: args.sku.name, tier: args.sku.tier } : { ...d.sku },
    storage: features.storage,
    backup: {
      backupRetentionDays: args.backup?.retentionDays ?? d.backupRetentionDays,
      geoRedundantBackup: (args.backup?.geoRedundant ?? d.geoRedundantBackup) ? "Enabled" : "Disabled",
    },
    highAvailability: { mode: args.highAvailability ?? d.highAvailability },
    availabilityZone: args.availabilityZone,
    passwordAuth: args.passwordAuth !== undefined,
    protect: args.protect ?? d.protect,
    allowReplacement: args.allowReplacement ?? false,
    groupSync,
    parameters,
    firewallRules,
    administrators,
    network,
    features,
  };
}
