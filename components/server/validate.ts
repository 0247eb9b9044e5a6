/**
 * Validation of EntraPostgresServer's arguments: plain functions, no Pulumi runtime.
 *
 * Every rule here is either one the ARM spec states for what we send
 * (Microsoft.DBforPostgreSQL 2025-08-01, copied into tests/data/azure-rest-api-specs) or one of ours that keeps a stack from
 * failing half-way through `pulumi up`. Values that are Pulumi Outputs are unknown until deployment: they
 * are checked when they resolve, before the server is created (resolvedFirewallRuleIssues).
 */
import type * as pulumi from "@pulumi/pulumi";
import { InputIssue } from "../errors";
import { FEATURE_PARAMETERS, validateServerFeatures } from "../features";
import {
  CONTROL_CHARACTER,
  DEPLOYER_PRINCIPAL_TYPES,
  PRINCIPAL_TYPES,
  PrincipalArgs,
  RESERVED_ROLES,
  isUuid,
  roleNameProblem,
} from "../principals";
import type { EntraPostgresServerArgs, FirewallRuleArgs, NetworkArgs } from "./args";
import { ALLOW_ALL_RULE, ALLOW_AZURE_SERVICES_RULE, HA_MODES, POSTGRES_VERSIONS, SERVER_DEFAULTS, SKU_TIERS } from "./defaults";

/** Server parameters the component owns; users set them through named options instead. */
const MANAGED_PARAMETERS: Record<string, string> = {
  require_secure_transport: "requireSecureTransport",
  "pgaadauth.enable_group_sync": "groupSync",
  ...FEATURE_PARAMETERS,
};

/** Logins Azure refuses for the password administrator: its own roles and a few generic names. */
const RESERVED_LOGINS: readonly string[] = [...RESERVED_ROLES, "admin", "administrator", "root", "guest"];

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
  // Issue 15's features (components/features), each validated by its own module.
  validateServerFeatures(
    args,
    {
      tier,
      serverName: typeof serverName === "string" ? serverName : "",
      geoRedundantBackup: args.backup?.geoRedundant ?? SERVER_DEFAULTS.geoRedundantBackup,
      highAvailability: args.highAvailability ?? SERVER_DEFAULTS.highAvailability,
      networkMode: args.network?.mode ?? "public",
      location: args.location,
    },
    add,
  );
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

/** Each mode's own fields; a field of another mode is a mistake, not something to ignore. */
const MODE_FIELDS: Record<string, readonly (keyof NetworkArgs)[]> = {
  public: ["firewallRules", "allowAzureServices", "allowAllAddresses"],
  vnet: ["delegatedSubnetId", "privateDnsZoneId"],
  privateEndpoint: ["subnetId", "privateDnsZoneId"],
};

/**
 * Problems with one firewall rule's range. Either address may be an Output: what is still unknown is
 * skipped here and checked again, resolved, before the server is created (EntraPostgresServer).
 */
export function firewallRangeIssues(f: string, start: unknown, end: unknown): InputIssue[] {
  const issues: InputIssue[] = [];
  const known = (v: unknown) => typeof v === "string";
  const okStart = known(start) && IPV4.test(start as string);
  const okEnd = known(end) && IPV4.test(end as string);
  const unknown = (v: unknown) => v !== null && typeof v === "object";
  if (!okStart && !unknown(start))
    issues.push({ field: `${f}.startIpAddress`, value: start, allowed: "an IPv4 address such as 203.0.113.10" });
  if (!okEnd && !unknown(end)) issues.push({ field: `${f}.endIpAddress`, value: end, allowed: "an IPv4 address such as 203.0.113.20" });
  if (!okStart || !okEnd) return issues;
  const s = ipToNumber(start as string);
  const e = ipToNumber(end as string);
  if (s > e) {
    issues.push({ field: `${f}.endIpAddress`, value: end, allowed: `an address at or after startIpAddress ${String(start)}` });
  } else if (s === 0 && e === 0) {
    issues.push({
      field: f,
      value: `${String(start)}-${String(end)}`,
      allowed:
        "not 0.0.0.0-0.0.0.0 as a rule: it means 'any Azure service, any tenant'; set network.allowAzureServices: true if you really want that",
    });
  } else if (s === 0 && e === ipToNumber("255.255.255.255")) {
    issues.push({
      field: f,
      value: `${String(start)}-${String(end)}`,
      allowed: "a range smaller than all addresses; set network.allowAllAddresses: true if you really want the server open to the internet",
    });
  }
  return issues;
}

function validateNetwork(network: NetworkArgs | undefined, add: Add): void {
  if (network === undefined) return;
  if (network === null || typeof network !== "object") {
    add("network", network, 'an object with a mode: { mode: "public" | "vnet" | "privateEndpoint", ... }');
    return;
  }
  const mode = network.mode ?? "public";
  const own = MODE_FIELDS[mode];
  if (own === undefined) {
    add("network.mode", network.mode, '"public", "vnet" or "privateEndpoint"');
    return;
  }
  const foreign = new Map<string, string[]>();
  for (const [other, fields] of Object.entries(MODE_FIELDS))
    for (const field of fields) if (!own.includes(field)) foreign.set(field, [...(foreign.get(field) ?? []), other]);
  for (const [field, modes] of foreign) {
    const value = network[field as keyof NetworkArgs];
    if (value !== undefined) add(`network.${field}`, value, `unset with network.mode ${mode}: it belongs to mode ${modes.join(" or ")}`);
  }
  switch (mode) {
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
        for (const i of firewallRangeIssues(f, rule.startIpAddress, rule.endIpAddress)) add(i.field, i.value, i.allowed);
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
  }
}

function checkDnsZone(field: string, id: pulumi.Input<string> | undefined, zone: RegExp, zoneText: string, add: Add): void {
  if (typeof id !== "string") return;
  const m = DNS_ZONE_ID.exec(id);
  if (!m) add(field, id, "a private DNS zone resource id (/subscriptions/.../providers/Microsoft.Network/privateDnsZones/<zone>)");
  else if (!zone.test(m[1])) add(field, id, `a private DNS zone named ${zoneText}`);
}

function validateAdministrators(admins: PrincipalArgs[] | undefined, deployer: PrincipalArgs | undefined, add: Add): void {
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
  const entries: [string, PrincipalArgs][] = list.map((a, i) => [`administrators[${i}]`, a]);
  if (deployer !== undefined) entries.push(["deployerAdministrator", deployer]);

  for (const [f, a] of entries) {
    if (a === null || typeof a !== "object") {
      add(f, a, "an object with name and type");
      continue;
    }
    if (typeof a.name !== "string") {
      add(`${f}.name`, a.name, "the user's UPN, or the display name of a group, service principal or managed identity");
    } else {
      const problem = roleNameProblem(a.name);
      if (problem) add(`${f}.name`, a.name, problem);
      // PostgreSQL role names are case-sensitive, but two admins differing only in case are a typo.
      const lower = a.name.toLowerCase();
      if (names.has(lower)) add(`${f}.name`, a.name, `a principal not already declared as ${names.get(lower)}`);
      names.set(lower, f);
    }
    const allowedTypes = f === "deployerAdministrator" ? DEPLOYER_PRINCIPAL_TYPES : PRINCIPAL_TYPES;
    if (!(allowedTypes as readonly string[]).includes(a.type)) {
      add(`${f}.type`, a.type, `one of ${allowedTypes.join(", ")}`);
    }
    if (f === "deployerAdministrator") {
      const id = a.objectId;
      if (typeof id === "string" && !isUuid(id)) {
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
    const admin = a;
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
    if (admin.type === "ManagedIdentity") {
      if (admin.objectId === undefined && admin.managedIdentity === undefined && admin.clientId === undefined) {
        // Looking a managed identity up by display name works, but a typo would silently pick another one.
        add(
          `${f}`,
          "(no objectId, managedIdentity or clientId)",
          "for a managed identity: its principal id as objectId, or the identity resource as managedIdentity",
        );
      }
    } else if (admin.managedIdentity !== undefined) {
      add(`${f}.managedIdentity`, "(set)", "only with type ManagedIdentity");
    }
    if (admin.type === "User" && typeof admin.name === "string" && !admin.name.includes("@")) {
      add(`${f}.name`, admin.name, "a user principal name (UPN) such as alice@contoso.com; users log in with their UPN");
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
function validateManagedIdentity(f: string, admin: PrincipalArgs, ids: Map<string, string>, add: Add): void {
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
  if (typeof mi.name === "string" && typeof admin.name === "string" && mi.name !== admin.name) {
    add(`${f}.name`, admin.name, `the identity's name, ${mi.name}, which is its display name and login name`);
  }
  // Its principal id is its object id: two administrators with one identity are one role.
  if (principalId !== undefined && objectId === undefined) {
    if (ids.has(principalId))
      add(`${f}.managedIdentity.principalId`, mi.principalId, `an object id not already used by ${ids.get(principalId)}`);
    ids.set(principalId, f);
  }
}
