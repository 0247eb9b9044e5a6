/**
 * Validation and normalisation of EntraPostgresServer's arguments: plain functions, no Pulumi runtime.
 *
 * Every rule here is either one the ARM spec states for what we send
 * (Microsoft.DBforPostgreSQL 2025-08-01, copied into tests/data/azure-rest-api-specs) or one of ours that keeps a stack from
 * failing half-way through `pulumi up`. Values that are Pulumi Outputs are unknown until deployment and
 * are passed through; the contract tests check the request bodies they end up in.
 */
import type * as pulumi from "@pulumi/pulumi";
import { InputIssue, throwIfIssues } from "./errors";
import { CONTROL_CHARACTER, PRINCIPAL_TYPES, PrincipalType, isUuid, nameKey, roleNameProblem } from "./principals";
import type {
  AdministratorArgs,
  DeployerAdministratorArgs,
  EntraPostgresServerArgs,
  FirewallRuleArgs,
  NetworkArgs,
} from "./EntraPostgresServer";

export const POSTGRES_VERSIONS = ["11", "12", "13", "14", "15", "16", "17", "18"] as const;
export const SKU_TIERS = ["Burstable", "GeneralPurpose", "MemoryOptimized"] as const;
export const HA_MODES = ["Disabled", "ZoneRedundant", "SameZone"] as const;
/** Premium_LRS sizes the portal and ARM accept, in GiB. */
export const STORAGE_SIZES_GB = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767] as const;

/** Defaults, in one place; the README's config reference lists the same table. */
export const SERVER_DEFAULTS = {
  version: "17",
  sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
  storageSizeGb: 128,
  storageAutoGrow: true,
  backupRetentionDays: 14,
  geoRedundantBackup: false,
  highAvailability: "Disabled",
  groupSync: false,
  requireSecureTransport: true,
  protect: true,
} as const;

/** Server parameters the component owns; users set them through named options instead. */
const MANAGED_PARAMETERS: Record<string, string> = {
  require_secure_transport: "requireSecureTransport",
  "pgaadauth.enable_group_sync": "groupSync",
};

/** Firewall rules the component adds for network.allowAzureServices and network.allowAllAddresses. */
export const ALLOW_AZURE_SERVICES_RULE = "AllowAllAzureServicesAndResourcesWithinAzureIps";
export const ALLOW_ALL_RULE = "AllowAll";

/** Role names Azure reserves for itself or forbids as the password administrator. */
const RESERVED_LOGINS = ["azure_superuser", "azuresu", "azure_pg_admin", "admin", "administrator", "root", "guest", "public"];

// The spec's serverName pattern, ^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*, is not anchored at the end, so it
// accepts "my_server" by matching "my". Azure itself only takes lower-case letters, digits and inner
// hyphens (the server name becomes a DNS label), so we check that.
const SERVER_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/**
 * One UTF-16 unit of a resource group name. ARM's rule (Microsoft's "Naming rules and restrictions for
 * Azure resources", Microsoft.Resources/resourcegroups, and the resourceGroups template reference):
 * 1-90 characters; underscores, hyphens, periods, parentheses, and letters or digits as defined by
 * .NET's Char.IsLetterOrDigit, that is the Unicode categories UppercaseLetter, LowercaseLetter,
 * TitlecaseLetter, ModifierLetter, OtherLetter (together \p{L}) and DecimalDigitNumber (\p{Nd}, not
 * the other numbers such as "²" or "Ⅻ"); can't end with a period. Char.IsLetterOrDigit judges one
 * UTF-16 unit, and .NET counts length in them, as JavaScript does: a letter outside the Basic
 * Multilingual Plane is two surrogates, neither a letter, so it is refused, as ARM refuses it.
 */
const RESOURCE_GROUP_CHARACTER = /^[\p{L}\p{Nd}_\-.()]$/u;

/** Whether ARM accepts `name` as a resource group name (see RESOURCE_GROUP_CHARACTER). */
export function isResourceGroupName(name: string): boolean {
  return (
    name.length >= 1 && name.length <= 90 && !name.endsWith(".") && name.split("").every((unit) => RESOURCE_GROUP_CHARACTER.test(unit))
  );
}
const FIREWALL_RULE_NAME = /^[a-zA-Z0-9][-_a-zA-Z0-9]{0,79}$/;
const CONFIGURATION_NAME = /^[-\w._]+$/;
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const LOCATION = /^[a-z0-9]+$/;
const SUBNET_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;
const DNS_ZONE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/privateDnsZones\/([^/]+)$/i;

/** An administrator after validation: a stable key for its child resource name, and its lookups. */
export interface PlannedAdministrator {
  /** Stable part of the child resource name: the object id when given, else a slug of the name ignoring case. */
  key: string;
  /**
   * Keys this administrator may have had in an earlier run (before its object id was given, or under
   * the exact-case name key of 0.1): the component registers them as aliases so its resource is kept.
   */
  previousKeys: string[];
  principalName: string;
  principalType: PrincipalType;
  /** Given object id (string or Output), or undefined when it must be looked up in Entra. */
  objectId?: pulumi.Input<string>;
  clientId?: pulumi.Input<string>;
  managedIdentity?: AdministratorArgs["managedIdentity"];
  /** True for the deploying identity, whose object id comes from the client configuration. */
  isDeployer: boolean;
}

export interface PlannedFirewallRule {
  name: string;
  startIpAddress: string;
  endIpAddress: string;
}

/** Everything EntraPostgresServer needs to register its resources, with defaults applied. */
export interface ServerPlan {
  serverName: string;
  version: string;
  sku: { name: string; tier: string };
  storage: { storageSizeGB: number; autoGrow: "Enabled" | "Disabled" };
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
  network: NetworkArgs;
}

/** Validates the arguments and returns the plan, or throws one InputError listing every problem. */
export function planServer(componentName: string, args: EntraPostgresServerArgs): ServerPlan {
  const issues = validateServerArgs(componentName, args);
  throwIfIssues("EntraPostgresServer", issues);
  return buildPlan(componentName, args);
}

/** All problems with the arguments; empty when they are usable. */
export function validateServerArgs(componentName: string, args: EntraPostgresServerArgs): InputIssue[] {
  const issues: InputIssue[] = [];
  const add = (field: string, value: unknown, allowed: string) => issues.push({ field, value, allowed });

  if (args === undefined || args === null || typeof args !== "object") {
    add("args", args, "an object with at least resourceGroupName and administrators");
    return issues;
  }

  const serverName = args.serverName ?? componentName;
  if (typeof serverName !== "string" || serverName.length < 3 || serverName.length > 63 || !SERVER_NAME.test(serverName)) {
    add(
      args.serverName === undefined ? "serverName (defaults to the component name)" : "serverName",
      serverName,
      "3-63 lower-case letters, digits and hyphens, not starting or ending with a hyphen (it becomes <name>.postgres.database.azure.com)",
    );
  }

  if (args.resourceGroupName === undefined || args.resourceGroupName === null) {
    add("resourceGroupName", args.resourceGroupName, "the name of an existing resource group (1-90 characters)");
  } else if (typeof args.resourceGroupName === "string") {
    const rg = args.resourceGroupName;
    if (!isResourceGroupName(rg)) {
      add(
        "resourceGroupName",
        rg,
        "1-90 characters: letters and decimal digits of any script, '_', '-', '.', '(' or ')', not ending with '.' (ARM's rule for resource group names)",
      );
    }
  }

  if (typeof args.location === "string" && !LOCATION.test(args.location)) {
    add("location", args.location, 'an Azure region name such as "westeurope" (lower-case letters and digits)');
  }
  if (typeof args.tenantId === "string" && !isUuid(args.tenantId)) {
    add("tenantId", args.tenantId, "a tenant id (UUID), or leave unset to use the deploying identity's tenant");
  }

  if (args.version !== undefined && !(POSTGRES_VERSIONS as readonly string[]).includes(args.version)) {
    add("version", args.version, `one of ${POSTGRES_VERSIONS.join(", ")}`);
  }

  const sku = args.sku;
  const tier = sku?.tier ?? SERVER_DEFAULTS.sku.tier;
  if (sku !== undefined) {
    if (!(SKU_TIERS as readonly string[]).includes(sku.tier)) {
      add("sku.tier", sku.tier, `one of ${SKU_TIERS.join(", ")}`);
    }
    if (typeof sku.name !== "string" || !/^Standard_[A-Za-z0-9_]+$/.test(sku.name)) {
      add("sku.name", sku.name, "a compute size such as Standard_D2ds_v5 or Standard_B1ms");
    } else if ((tier === "Burstable") !== /^Standard_B/.test(sku.name)) {
      add("sku.name", sku.name, `a size that belongs to tier ${tier} (Burstable sizes are Standard_B*, and only they)`);
    }
  }

  const storage = args.storage;
  if (storage?.sizeGb !== undefined && !(STORAGE_SIZES_GB as readonly number[]).includes(storage.sizeGb)) {
    add("storage.sizeGb", storage.sizeGb, `one of ${STORAGE_SIZES_GB.join(", ")} (GiB)`);
  }

  const backup = args.backup;
  if (backup?.retentionDays !== undefined) {
    const d = backup.retentionDays;
    if (!Number.isInteger(d) || d < 7 || d > 35) add("backup.retentionDays", d, "a whole number of days from 7 to 35");
  }

  const ha = args.highAvailability;
  if (ha !== undefined) {
    if (!(HA_MODES as readonly string[]).includes(ha)) {
      add("highAvailability", ha, `one of ${HA_MODES.join(", ")}`);
    } else if (ha !== "Disabled" && tier === "Burstable") {
      add(
        "highAvailability",
        ha,
        "Disabled on the Burstable tier (Azure offers high availability on GeneralPurpose and MemoryOptimized only)",
      );
    }
  }
  if (args.availabilityZone !== undefined && !["1", "2", "3"].includes(args.availabilityZone)) {
    add("availabilityZone", args.availabilityZone, '"1", "2" or "3", or leave unset to let Azure choose');
  }

  for (const flag of ["protect", "allowReplacement"] as const) {
    if (args[flag] !== undefined && typeof args[flag] !== "boolean") add(flag, args[flag], "true or false");
  }
  // The engine refuses to replace a protected resource, so the one without the other cannot work.
  if (args.allowReplacement === true && args.protect !== false)
    add("allowReplacement", true, "only together with protect: false (Pulumi does not replace a protected server)");

  validateTags(args.tags, add);
  validatePasswordAuth(args, add);
  validateParameters(args.serverParameters, add);
  validateNetwork(args.network, add);
  validateAdministrators(args.administrators, args.deployerAdministrator, add);
  return issues;
}

type Add = (field: string, value: unknown, allowed: string) => void;

function validateTags(tags: EntraPostgresServerArgs["tags"], add: Add): void {
  if (tags === undefined) return;
  const entries = Object.entries(tags);
  if (entries.length > 50) add("tags", `${entries.length} tags`, "at most 50 tags per resource (Azure's limit)");
  // Tag names are case-insensitive in ARM ("Tag names are case-insensitive for operations",
  // learn.microsoft.com/azure/azure-resource-manager/management/tag-resources): Env and env are one tag.
  const seen = new Map<string, string>();
  for (const [key, value] of entries) {
    if (seen.has(key.toLowerCase())) {
      add(
        `tags[${JSON.stringify(key)}]`,
        key,
        `one tag per name: Azure ignores case, so it is the same tag as ${JSON.stringify(seen.get(key.toLowerCase()))}`,
      );
    }
    seen.set(key.toLowerCase(), key);
    if (key.length === 0 || key.length > 512 || /[<>%&\\?/]/.test(key) || CONTROL_CHARACTER.test(key)) {
      add(`tags[${JSON.stringify(key)}]`, key, "a tag name of 1-512 characters without < > % & \\ ? / or control characters");
    }
    if (typeof value === "string" && value.length > 256) {
      add(`tags[${JSON.stringify(key)}]`, `${value.slice(0, 20)}...`, "a tag value of at most 256 characters");
    }
  }
}

function validatePasswordAuth(args: EntraPostgresServerArgs, add: Add): void {
  const pw = args.passwordAuth;
  if (pw === undefined) return;
  const login = pw.administratorLogin;
  if (typeof login !== "string" || !/^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/.test(login)) {
    add("passwordAuth.administratorLogin", login, "1-63 letters, digits or '_', starting with a letter or '_'");
  } else if (RESERVED_LOGINS.includes(login.toLowerCase()) || login.toLowerCase().startsWith("pg_")) {
    add("passwordAuth.administratorLogin", login, `a name other than ${RESERVED_LOGINS.join(", ")} and not starting with pg_`);
  }
  const password = pw.administratorPassword as unknown;
  if (password === undefined || password === null || password === "") {
    add("passwordAuth.administratorPassword", "(missing)", 'a Pulumi secret, e.g. config.requireSecret("adminPassword")');
  } else if (typeof password === "string") {
    // A plain string would be written to state and previews in clear text.
    add(
      "passwordAuth.administratorPassword",
      "(a plain string, not shown)",
      "a Pulumi secret (config.requireSecret or pulumi.secret), never a plain string",
    );
  }
}

/**
 * How Azure compares names: ARM resource names (a server parameter is the `configurations/<name>`
 * child resource, a firewall rule `firewallRules/<name>`) are case-insensitive ("Resource names are
 * case-insensitive unless noted", learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules),
 * and PostgreSQL itself ignores case in parameter names (docs: "Parameter names are not case-sensitive").
 */
export function azureNameKey(name: string): string {
  return name.toLowerCase();
}

function validateParameters(params: EntraPostgresServerArgs["serverParameters"], add: Add): void {
  if (params === undefined) return;
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    add("serverParameters", params, 'a map of server parameter names to string values, e.g. { "log_min_duration_statement": "500" }');
    return;
  }
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(params)) {
    const key = azureNameKey(name);
    if (key in MANAGED_PARAMETERS) {
      add(
        `serverParameters[${JSON.stringify(name)}]`,
        value,
        `unset here; use the ${MANAGED_PARAMETERS[key]} option, which the component owns (Azure ignores the case of parameter names)`,
      );
    } else if (name.length > 256 || !CONFIGURATION_NAME.test(name)) {
      add(`serverParameters[${JSON.stringify(name)}]`, name, "a server parameter name of letters, digits, '_', '-' and '.'");
    } else if (seen.has(key)) {
      add(
        `serverParameters[${JSON.stringify(name)}]`,
        value,
        `one entry per parameter: Azure ignores case, so this is the same parameter as ${JSON.stringify(seen.get(key))}`,
      );
    }
    seen.set(key, name);
    if (typeof value !== "string") add(`serverParameters[${JSON.stringify(name)}]`, value, "a string value, as ARM takes it");
  }
}

function ipToNumber(ip: string): number {
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function validateNetwork(network: NetworkArgs | undefined, add: Add): void {
  if (network === undefined) return;
  switch (network.mode) {
    case "public": {
      // Firewall rule names are ARM resource names, compared without regard to case: "office" and
      // "Office" are one rule, and two resources would overwrite each other.
      const seen = new Map<string, string>();
      const generated = new Map<string, string>();
      if (network.allowAzureServices) generated.set(azureNameKey(ALLOW_AZURE_SERVICES_RULE), "network.allowAzureServices");
      if (network.allowAllAddresses) generated.set(azureNameKey(ALLOW_ALL_RULE), "network.allowAllAddresses");
      if (network.firewallRules !== undefined && !Array.isArray(network.firewallRules)) {
        add("network.firewallRules", network.firewallRules, "a list of { name, startIpAddress, endIpAddress }");
        return;
      }
      (network.firewallRules ?? []).forEach((rule: FirewallRuleArgs, i: number) => {
        const f = `network.firewallRules[${i}]`;
        if (rule === null || typeof rule !== "object") {
          add(f, rule, "an object with name, startIpAddress and endIpAddress");
          return;
        }
        if (typeof rule.name !== "string" || !FIREWALL_RULE_NAME.test(rule.name) || rule.name.endsWith("-")) {
          add(`${f}.name`, rule.name, "1-80 letters, digits, '-' or '_', starting with a letter or digit and not ending with '-'");
        } else if (generated.has(azureNameKey(rule.name))) {
          add(
            `${f}.name`,
            rule.name,
            `another name: the component adds a rule of this name for ${generated.get(azureNameKey(rule.name))} (Azure ignores case in rule names)`,
          );
        } else if (seen.has(azureNameKey(rule.name))) {
          add(
            `${f}.name`,
            rule.name,
            `a name used by one rule only: Azure ignores case, so it is the same rule as ${seen.get(azureNameKey(rule.name))}`,
          );
        }
        if (typeof rule.name === "string" && !seen.has(azureNameKey(rule.name))) seen.set(azureNameKey(rule.name), `${f} (${rule.name})`);
        const okStart = typeof rule.startIpAddress === "string" && IPV4.test(rule.startIpAddress);
        const okEnd = typeof rule.endIpAddress === "string" && IPV4.test(rule.endIpAddress);
        if (!okStart) add(`${f}.startIpAddress`, rule.startIpAddress, "an IPv4 address such as 203.0.113.10");
        if (!okEnd) add(`${f}.endIpAddress`, rule.endIpAddress, "an IPv4 address such as 203.0.113.20");
        if (!okStart || !okEnd) return;
        const start = ipToNumber(rule.startIpAddress);
        const end = ipToNumber(rule.endIpAddress);
        if (start > end) {
          add(`${f}.endIpAddress`, rule.endIpAddress, `an address at or after startIpAddress ${rule.startIpAddress}`);
        } else if (start === 0 && end === 0) {
          add(
            f,
            `${rule.startIpAddress}-${rule.endIpAddress}`,
            "not 0.0.0.0-0.0.0.0 as a rule: it means 'any Azure service, any tenant'; set network.allowAzureServices: true if you really want that",
          );
        } else if (start === 0 && end === ipToNumber("255.255.255.255")) {
          add(
            f,
            `${rule.startIpAddress}-${rule.endIpAddress}`,
            "a range smaller than all addresses; set network.allowAllAddresses: true if you really want the server open to the internet",
          );
        }
      });
      return;
    }
    case "vnet": {
      if (typeof network.delegatedSubnetId === "string" && !SUBNET_ID.test(network.delegatedSubnetId)) {
        add(
          "network.delegatedSubnetId",
          network.delegatedSubnetId,
          "a subnet resource id (/subscriptions/.../virtualNetworks/<vnet>/subnets/<subnet>) delegated to Microsoft.DBforPostgreSQL/flexibleServers",
        );
      }
      if (network.delegatedSubnetId === undefined) add("network.delegatedSubnetId", undefined, "a delegated subnet resource id");
      checkDnsZone(
        "network.privateDnsZoneId",
        network.privateDnsZoneId,
        /\.postgres\.database\.azure\.com$/i,
        "a name ending in .postgres.database.azure.com",
        add,
      );
      if (network.privateDnsZoneId === undefined) add("network.privateDnsZoneId", undefined, "a private DNS zone resource id");
      return;
    }
    case "privateEndpoint": {
      if (network.subnetId === undefined || (typeof network.subnetId === "string" && !SUBNET_ID.test(network.subnetId))) {
        add("network.subnetId", network.subnetId, "a subnet resource id (/subscriptions/.../virtualNetworks/<vnet>/subnets/<subnet>)");
      }
      checkDnsZone(
        "network.privateDnsZoneId",
        network.privateDnsZoneId,
        /^privatelink\.postgres\.database\.azure\.com$/i,
        "privatelink.postgres.database.azure.com",
        add,
      );
      return;
    }
    default:
      add("network.mode", (network as { mode?: unknown }).mode, '"public", "vnet" or "privateEndpoint"');
  }
}

function checkDnsZone(field: string, id: pulumi.Input<string> | undefined, zone: RegExp, zoneText: string, add: Add): void {
  if (typeof id !== "string") return;
  const m = DNS_ZONE_ID.exec(id);
  if (!m) add(field, id, "a private DNS zone resource id (/subscriptions/.../providers/Microsoft.Network/privateDnsZones/<zone>)");
  else if (!zone.test(m[1])) add(field, id, `a private DNS zone named ${zoneText}`);
}

function validateAdministrators(admins: AdministratorArgs[] | undefined, deployer: DeployerAdministratorArgs | undefined, add: Add): void {
  if (admins !== undefined && !Array.isArray(admins)) {
    add("administrators", admins, "a list of Entra principals");
    return;
  }
  const list = admins ?? [];
  if (list.length === 0 && deployer === undefined) {
    add(
      "administrators",
      list,
      "at least one Entra administrator (or deployerAdministrator): an Entra-only server without one cannot be entered",
    );
  }
  const names = new Map<string, string>();
  const ids = new Map<string, string>();
  const entries: [string, AdministratorArgs | DeployerAdministratorArgs][] = list.map((a, i) => [`administrators[${i}]`, a]);
  if (deployer !== undefined) entries.push(["deployerAdministrator", deployer]);

  for (const [f, a] of entries) {
    if (a === null || typeof a !== "object") {
      add(f, a, "an object with principalName and principalType");
      continue;
    }
    if (typeof a.principalName !== "string") {
      add(`${f}.principalName`, a.principalName, "the user's UPN, or the display name of a group, service principal or managed identity");
    } else {
      const problem = roleNameProblem(a.principalName);
      if (problem) add(`${f}.principalName`, a.principalName, problem);
      // PostgreSQL role names are case-sensitive, but two admins differing only in case are a typo.
      const lower = a.principalName.toLowerCase();
      if (names.has(lower)) add(`${f}.principalName`, a.principalName, `a principal not already declared as ${names.get(lower)}`);
      names.set(lower, f);
    }
    const allowedTypes = f === "deployerAdministrator" ? ["User", "ServicePrincipal", "ManagedIdentity"] : PRINCIPAL_TYPES;
    if (!(allowedTypes as readonly string[]).includes(a.principalType)) {
      add(`${f}.principalType`, a.principalType, `one of ${allowedTypes.join(", ")}`);
    }
    if (f === "deployerAdministrator") {
      const id = (a as DeployerAdministratorArgs).objectId;
      if (id !== undefined && (typeof id !== "string" || !isUuid(id))) {
        add(
          `${f}.objectId`,
          id,
          "the deploying identity's object id (UUID), or leave unset to take it from the Azure client configuration",
        );
      } else if (typeof id === "string") {
        if (ids.has(id.toLowerCase())) add(`${f}.objectId`, id, `an object id not already used by ${ids.get(id.toLowerCase())}`);
        ids.set(id.toLowerCase(), f);
      }
      continue;
    }
    const admin = a as AdministratorArgs;
    if (admin.objectId !== undefined && typeof admin.objectId === "string") {
      if (!isUuid(admin.objectId)) {
        add(`${f}.objectId`, admin.objectId, "the principal's object id (UUID), or leave unset to look it up in Entra");
      } else {
        const id = admin.objectId.toLowerCase();
        if (ids.has(id)) add(`${f}.objectId`, admin.objectId, `an object id not already used by ${ids.get(id)}`);
        ids.set(id, f);
        if (typeof admin.clientId === "string" && admin.clientId.toLowerCase() === id) {
          add(
            `${f}.objectId`,
            admin.objectId,
            "the object (principal) id, which differs from the client (application) id given as clientId",
          );
        }
      }
    }
    if (typeof admin.clientId === "string" && !isUuid(admin.clientId)) {
      add(`${f}.clientId`, admin.clientId, "an application (client) id (UUID)");
    }
    validateManagedIdentity(f, admin, ids, add);
    if (admin.principalType === "ManagedIdentity") {
      if (admin.objectId === undefined && admin.managedIdentity === undefined && admin.clientId === undefined) {
        // Looking a managed identity up by display name works, but a typo would silently pick another one.
        add(
          `${f}`,
          "(no objectId, managedIdentity or clientId)",
          "for a managed identity: its principal id as objectId, or the identity resource as managedIdentity",
        );
      }
    } else if (admin.managedIdentity !== undefined) {
      add(`${f}.managedIdentity`, "(set)", "only with principalType ManagedIdentity");
    }
    if (admin.principalType === "User" && typeof admin.principalName === "string" && !admin.principalName.includes("@")) {
      add(`${f}.principalName`, admin.principalName, "a user principal name (UPN) such as alice@contoso.com; users log in with their UPN");
    }
  }
}

/** A plain-string UUID in lower case, or undefined (not a string, not a UUID, or an Output). */
function plainId(value: unknown): string | undefined {
  return isUuid(value) ? value.toLowerCase() : undefined;
}

/**
 * The identity resource's ids and name, when given as plain strings, are checked here, before anything
 * registers: a client id in place of the principal id, ids that disagree, a name that is not the
 * identity's. Outputs (a real UserAssignedIdentity) are checked when they resolve (resolveObjectId).
 */
function validateManagedIdentity(f: string, admin: AdministratorArgs, ids: Map<string, string>, add: Add): void {
  const mi = admin.managedIdentity;
  if (mi === undefined) return;
  if (mi === null || typeof mi !== "object") {
    add(`${f}.managedIdentity`, mi, "the identity resource, or an object with its principalId (and clientId, name)");
    return;
  }
  if (mi.principalId === undefined || mi.principalId === null) {
    add(`${f}.managedIdentity.principalId`, mi.principalId, "the identity's principal id: the object id of its service principal");
  } else if (typeof mi.principalId === "string" && !isUuid(mi.principalId)) {
    add(`${f}.managedIdentity.principalId`, mi.principalId, "the identity's principal id (UUID)");
  }
  if (typeof mi.clientId === "string" && !isUuid(mi.clientId)) {
    add(`${f}.managedIdentity.clientId`, mi.clientId, "the identity's client id (UUID)");
  }
  const principalId = plainId(mi.principalId);
  const miClientId = plainId(mi.clientId);
  const objectId = plainId(admin.objectId);
  const clientId = plainId(admin.clientId);
  if (principalId !== undefined && principalId === miClientId) {
    add(
      `${f}.managedIdentity.principalId`,
      mi.principalId,
      "the identity's principal id, which differs from its client id (this is the value given as managedIdentity.clientId)",
    );
  }
  if (objectId !== undefined && miClientId !== undefined && objectId === miClientId) {
    add(
      `${f}.objectId`,
      admin.objectId,
      "the identity's principal id, not its client id (managedIdentity.clientId); or leave objectId unset",
    );
  } else if (objectId !== undefined && principalId !== undefined && objectId !== principalId && principalId !== miClientId) {
    add(
      `${f}.objectId`,
      admin.objectId,
      `the identity's principal id ${principalId} (managedIdentity.principalId), or leave objectId unset`,
    );
  }
  if (clientId !== undefined && principalId !== undefined && clientId === principalId && principalId !== miClientId) {
    add(`${f}.clientId`, admin.clientId, "the identity's client id; this is its principal id (managedIdentity.principalId)");
  } else if (clientId !== undefined && miClientId !== undefined && clientId !== miClientId && principalId !== miClientId) {
    add(`${f}.clientId`, admin.clientId, `the identity's client id ${miClientId} (managedIdentity.clientId), or leave clientId unset`);
  }
  if (typeof mi.name === "string" && typeof admin.principalName === "string" && mi.name !== admin.principalName) {
    add(`${f}.principalName`, admin.principalName, `the identity's name, ${mi.name}, which is its display name and login name`);
  }
  // Its principal id is its object id: two administrators with one identity are one role.
  if (principalId !== undefined && objectId === undefined) {
    if (ids.has(principalId))
      add(`${f}.managedIdentity.principalId`, mi.principalId, `an object id not already used by ${ids.get(principalId)}`);
    ids.set(principalId, f);
  }
}

/**
 * An administrator's resource key, and the keys it may have had before: the object id when it is given,
 * otherwise its name ignoring case (Entra compares UPNs and display names so), with the name keys as
 * aliases so that adding an object id or correcting a name's case keeps the administrator's resource.
 * (0.1 keyed looked-up names by their exact spelling: that key is an alias too.)
 */
function adminKeys(objectId: string | undefined, principalName: string): { key: string; previousKeys: string[] } {
  const nameKeys = [nameKey(principalName.toLowerCase()), nameKey(principalName)];
  const key = objectId ?? nameKeys[0];
  return { key, previousKeys: [...new Set(nameKeys)].filter((k) => k !== key) };
}

function buildPlan(componentName: string, args: EntraPostgresServerArgs): ServerPlan {
  const d = SERVER_DEFAULTS;
  const groupSync = args.groupSync ?? d.groupSync;
  const requireTls = args.requireSecureTransport ?? d.requireSecureTransport;
  const parameters = [
    ...Object.entries(args.serverParameters ?? {}).map(([name, value]) => ({ name, value })),
    { name: "require_secure_transport", value: requireTls ? "ON" : "OFF" },
    { name: "pgaadauth.enable_group_sync", value: groupSync ? "ON" : "OFF" },
  ].sort((a, b) => a.name.localeCompare(b.name));

  const network: NetworkArgs = args.network ?? { mode: "public", firewallRules: [] };
  const firewallRules: PlannedFirewallRule[] = [];
  if (network.mode === "public") {
    firewallRules.push(...(network.firewallRules ?? []).map((r) => ({ ...r })));
    if (network.allowAzureServices)
      firewallRules.push({ name: ALLOW_AZURE_SERVICES_RULE, startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" });
    if (network.allowAllAddresses) firewallRules.push({ name: ALLOW_ALL_RULE, startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" });
  }
  firewallRules.sort((a, b) => a.name.localeCompare(b.name));

  const administrators: PlannedAdministrator[] = (args.administrators ?? []).map((a) => ({
    ...adminKeys(typeof a.objectId === "string" ? a.objectId.toLowerCase() : undefined, a.principalName),
    principalName: a.principalName,
    principalType: a.principalType,
    objectId: typeof a.objectId === "string" ? a.objectId.toLowerCase() : a.objectId,
    clientId: a.clientId,
    managedIdentity: a.managedIdentity,
    isDeployer: false,
  }));
  if (args.deployerAdministrator) {
    administrators.push({
      ...adminKeys(undefined, args.deployerAdministrator.principalName),
      principalName: args.deployerAdministrator.principalName,
      principalType: args.deployerAdministrator.principalType,
      objectId: args.deployerAdministrator.objectId?.toLowerCase(),
      isDeployer: true,
    });
  }
  administrators.sort((a, b) => a.key.localeCompare(b.key));

  return {
    serverName: args.serverName ?? componentName,
    version: args.version ?? d.version,
    sku: args.sku ?? { ...d.sku },
    storage: {
      storageSizeGB: args.storage?.sizeGb ?? d.storageSizeGb,
      autoGrow: (args.storage?.autoGrow ?? d.storageAutoGrow) ? "Enabled" : "Disabled",
    },
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
  };
}
