/**
 * The rules of the entra-postgres policy pack as plain functions: resource inputs in, violation
 * messages out. Nothing here needs the Pulumi engine, so the tests call them directly and over the
 * resources of the offline plan; policy/index.ts wires them into the PolicyPack.
 *
 * During a preview some inputs are unknown, and the policy SDK throws when one is read (the policy then
 * reports "can't run during preview" instead of a verdict). So each rule reads only the fields it
 * judges, and messages quote what was read, never the whole resource.
 */

/** azure-native tokens, also with an explicit API version (`azure-native:dbforpostgresql/v20250801:Server`). */
export function isAzurePostgres(type: string, kind: "Server" | "FirewallRule" | "Configuration"): boolean {
  return new RegExp(`^azure-native:dbforpostgresql(/v[0-9a-z]+)?:${kind}$`).test(type);
}

/** @pulumi/postgresql tokens (DefaultPrivileg is the provider's deprecated spelling of DefaultPrivileges). */
export const POSTGRESQL = {
  role: ["postgresql:index/role:Role"],
  grantRole: ["postgresql:index/grantRole:GrantRole"],
  grants: [
    "postgresql:index/grant:Grant",
    "postgresql:index/defaultPrivileges:DefaultPrivileges",
    "postgresql:index/defaultPrivileg:DefaultPrivileg",
  ],
} as const;

export interface ServerInputs {
  authConfig?: { activeDirectoryAuth?: string; passwordAuth?: string };
  highAvailability?: { mode?: string };
  backup?: { geoRedundantBackup?: string };
}

export interface FirewallRuleInputs {
  startIpAddress?: string;
  endIpAddress?: string;
}

export interface ConfigurationInputs {
  configurationName?: string;
  /** The output name; stack policies see outputs, resource policies see inputs. */
  name?: string;
  value?: string;
}

export interface RoleInputs {
  name?: string;
  password?: string;
  passwordWo?: string;
  superuser?: boolean;
  createRole?: boolean;
  createDatabase?: boolean;
  replication?: boolean;
  bypassRowLevelSecurity?: boolean;
  /** Roles this role is made a member of. */
  roles?: string[];
}

export interface GrantRoleInputs {
  /** The member. */
  role?: string;
  /** The role granted to it. */
  grantRole?: string;
}

/** Grant and DefaultPrivileges share these. */
export interface GrantInputs {
  role?: string;
  objectType?: string;
  privileges?: string[];
  withGrantOption?: boolean;
}

const shown = (value: unknown, unset: string) => (value === undefined ? unset : JSON.stringify(value));

/** Entra authentication must be on; without authConfig Azure's default is password only. */
export function entraAuthViolations(server: ServerInputs): string[] {
  const entra = server.authConfig?.activeDirectoryAuth;
  if (entra === "Enabled") return [];
  return [
    `authConfig.activeDirectoryAuth is ${shown(entra, "unset (Azure's default: Disabled)")}; it must be "Enabled" so Microsoft Entra ID logins work.`,
  ];
}

// Config fields are optional, and absent means the strict default: the policy SDK hands a policy the
// config it was given, which may be none at all.

export interface PasswordAuthConfig {
  /** Let servers enable password authentication and roles carry passwords. Default false. */
  allowPasswordAuth?: boolean;
}

/** Password authentication must be off; unset means Azure's default, which is on. */
export function passwordAuthViolations(server: ServerInputs, config: PasswordAuthConfig): string[] {
  const password = server.authConfig?.passwordAuth;
  if (config.allowPasswordAuth || password === "Disabled") return [];
  return [
    `authConfig.passwordAuth is ${shown(password, "unset (Azure's default: Enabled)")}; set it to "Disabled" (Entra only), ` +
      'or allow password authentication in the policy config ("allowPasswordAuth": true).',
  ];
}

/** A role password is a credential that works the moment someone turns password authentication on. */
export function rolePasswordViolations(role: RoleInputs, config: PasswordAuthConfig): string[] {
  if (config.allowPasswordAuth || (role.password === undefined && role.passwordWo === undefined)) return [];
  return [`role ${shown(role.name, "(unnamed)")} has a password; Entra principals log in with tokens, so give it none.`];
}

export interface FirewallConfig {
  /** Allow Azure's 0.0.0.0 rule, which admits any Azure service of any tenant. Default false. */
  allowAzureServices?: boolean;
}

/** Ranges wider than a /8 are the internet in practice: no office or egress range is that large. */
const MAX_RULE_ADDRESSES = 2 ** 24;

/** No rule may open the server to everyone: not 0.0.0.0-255.255.255.255, nor all Azure services unless allowed. */
export function firewallRuleViolations(rule: FirewallRuleInputs, config: FirewallConfig): string[] {
  const start = ipv4(rule.startIpAddress);
  const end = ipv4(rule.endIpAddress);
  // Not an IPv4 range at all: ARM rejects it, and there is nothing to judge here.
  if (start === undefined || end === undefined) return [];
  const range = `${rule.startIpAddress}-${rule.endIpAddress}`;
  if (start === 0 && end === 0) {
    if (config.allowAzureServices) return [];
    return [
      `${range} admits every Azure service of every tenant, not only yours; name your own ranges, ` +
        'or allow it in the policy config ("allowAzureServices": true).',
    ];
  }
  const count = end - start + 1;
  if (count <= MAX_RULE_ADDRESSES) return [];
  return [`${range} admits ${count} addresses, more than a /8: that is the internet, not a network you know. Name your own ranges.`];
}

/** An IPv4 address as a number, or undefined when it is not one. */
function ipv4(address: string | undefined): number | undefined {
  const parts = address?.split(".");
  if (parts?.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

const TLS_PARAMETER = "require_secure_transport";
/** The spellings of true PostgreSQL accepts for a boolean parameter. */
const ON = ["on", "true", "yes", "1"];

function isTlsParameter(c: ConfigurationInputs): boolean {
  // configurationName first: `name` is an output, unknown while a new resource is previewed.
  return (c.configurationName ?? c.name)?.toLowerCase() === TLS_PARAMETER;
}

function isOn(value: unknown): boolean {
  return typeof value === "string" && ON.includes(value.trim().toLowerCase());
}

/** `require_secure_transport` may only ever be set to ON: tokens are passwords, and travel in the startup packet. */
export function tlsParameterViolations(c: ConfigurationInputs): string[] {
  if (!isTlsParameter(c) || isOn(c.value)) return [];
  return [`${TLS_PARAMETER} is ${shown(c.value, "unset")}; it must be ON, or clients may send their Entra tokens without TLS.`];
}

/** What the stack policy needs of each resource; @pulumi/policy's PolicyResource has this shape. */
export interface StackResource {
  type: string;
  urn: string;
  props: Record<string, unknown>;
  /** For each input, the resources whose outputs flowed into it. */
  propertyDependencies?: Record<string, readonly { urn: string }[]>;
}

/**
 * Every flexible server in the stack must have its own `require_secure_transport` Configuration set to
 * ON. Azure's default is ON today, but a default is not a decision: the stack must say it.
 */
export function serversWithoutTls(resources: readonly StackResource[]): { urn: string; message: string }[] {
  const servers = resources.filter((r) => isAzurePostgres(r.type, "Server"));
  const covered = new Set<string>();
  for (const c of resources.filter((r) => isAzurePostgres(r.type, "Configuration"))) {
    if (isTlsParameter(c.props as ConfigurationInputs) && isOn(c.props.value)) {
      for (const s of serversOf(c, servers)) covered.add(s.urn);
    }
  }
  return servers
    .filter((s) => !covered.has(s.urn))
    .map((s) => ({
      urn: s.urn,
      message: `the server has no ${TLS_PARAMETER} Configuration set to ON; add one so the stack requires TLS rather than trusting a default.`,
    }));
}

/** The servers a Configuration belongs to. */
function serversOf(c: StackResource, servers: StackResource[]): StackResource[] {
  // The engine records which resource's output became serverName. Prefer that: in a first preview the
  // name itself is unknown, and reading it would stop the policy.
  const fromDependencies = c.propertyDependencies?.serverName ?? [];
  if (fromDependencies.length > 0) return servers.filter((s) => fromDependencies.some((d) => d.urn === s.urn));
  return servers.filter((s) => (s.props.serverName ?? s.props.name) === c.props.serverName);
}

export interface ProductionConfig {
  /** The stack is production: zone-redundant HA and geo-redundant backup are required. Default false. */
  production?: boolean;
}

/** Production servers survive a zone outage (HA standby in another zone) and a region outage (geo backup). */
export function productionViolations(server: ServerInputs, config: ProductionConfig): string[] {
  if (!config.production) return [];
  const violations: string[] = [];
  const ha = server.highAvailability?.mode;
  if (ha !== "ZoneRedundant") {
    violations.push(
      `highAvailability.mode is ${shown(ha, "unset (Disabled)")}; production needs "ZoneRedundant" (a standby in another zone; not on Burstable).`,
    );
  }
  const geo = server.backup?.geoRedundantBackup;
  if (geo !== "Enabled") {
    violations.push(
      `backup.geoRedundantBackup is ${shown(geo, "unset (Disabled)")}; production needs "Enabled" (it can only be set when the server is created).`,
    );
  }
  return violations;
}

/** azure-native's diagnostic setting (module monitor, formerly insights), also with an explicit API version. */
export function isDiagnosticSetting(type: string): boolean {
  return /^azure-native:(monitor|insights)(\/v[0-9a-z]+)?:DiagnosticSetting$/.test(type);
}

/** azure-native's management locks that can sit on a resource. */
export function isManagementLock(type: string): boolean {
  return /^azure-native:authorization(\/v[0-9a-z]+)?:ManagementLock(ByScope|AtResourceLevel)$/.test(type);
}

/**
 * Production servers are observable and hard to delete: each flexible server that is not a read
 * replica has a diagnostic setting (its logs and metrics leave the server) and a CanNotDelete lock.
 * A setting or lock belongs to the server its resourceUri or scope points at: the engine's property
 * dependencies when it has them (in a first preview the id is unknown), else the id's server name.
 */
export function productionServersWithoutOperations(
  resources: readonly StackResource[],
  config: ProductionConfig,
): { urn: string; message: string }[] {
  if (!config.production) return [];
  const servers = resources.filter((r) => isAzurePostgres(r.type, "Server") && r.props.createMode !== "Replica");
  const pointingAt = (r: StackResource, key: string): StackResource[] => {
    const deps = r.propertyDependencies?.[key] ?? [];
    if (deps.length > 0) return servers.filter((s) => deps.some((d) => d.urn === s.urn));
    const id = r.props[key];
    const m = typeof id === "string" ? /\/flexibleServers\/([^/]+)$/i.exec(id) : null;
    return m ? servers.filter((s) => String(s.props.serverName ?? s.props.name).toLowerCase() === m[1].toLowerCase()) : [];
  };
  const diagnosed = new Set(
    resources.filter((r) => isDiagnosticSetting(r.type)).flatMap((r) => pointingAt(r, "resourceUri").map((s) => s.urn)),
  );
  const locked = new Set(
    resources
      .filter((r) => isManagementLock(r.type) && (r.props.level === "CanNotDelete" || r.props.level === "ReadOnly"))
      .flatMap((r) => pointingAt(r, "scope").map((s) => s.urn)),
  );
  const out: { urn: string; message: string }[] = [];
  for (const s of servers) {
    if (!diagnosed.has(s.urn))
      out.push({
        urn: s.urn,
        message:
          "the server has no diagnostic setting; production sends its logs and metrics to a workspace, storage account or event hub (diagnosticSettings).",
      });
    if (!locked.has(s.urn))
      out.push({
        urn: s.urn,
        message: 'the server has no CanNotDelete lock; production servers are locked against deletion (lock: { kind: "CanNotDelete" }).',
      });
  }
  return out;
}

export interface PrivilegeConfig {
  /** Predefined pg_* roles that may be granted anyway, e.g. ["pg_monitor"]. Default none. */
  allowedPredefinedRoles?: string[];
}

const ROLE_ATTRIBUTES = ["superuser", "createRole", "createDatabase", "replication", "bypassRowLevelSecurity"] as const;
/** Azure's administrator roles: membership makes a principal an administrator behind ARM's back. */
const ADMIN_ROLES = ["azure_pg_admin", "azuresu", "azure_superuser"];

function privilegedRole(name: string, config: PrivilegeConfig): boolean {
  const lower = name.toLowerCase();
  // pg_* roles read and write server files, run programs, read all data, signal backends.
  if (lower.startsWith("pg_")) return !(config.allowedPredefinedRoles ?? []).some((r) => r.toLowerCase() === lower);
  return ADMIN_ROLES.includes(lower);
}

/** No role attributes that let a principal step around grants, and no membership in admin or pg_* roles. */
export function roleViolations(role: RoleInputs, config: PrivilegeConfig): string[] {
  const who = `role ${shown(role.name, "(unnamed)")}`;
  const attributes = ROLE_ATTRIBUTES.filter((a) => role[a] === true);
  const memberships = (role.roles ?? []).filter((r) => privilegedRole(r, config));
  return [
    ...attributes.map((a) => `${who} sets ${a}: true, which is superuser-like; grant what it needs instead.`),
    ...memberships.map((r) => `${who} is made a member of ${r}, which is superuser-like; grant what it needs instead.`),
  ];
}

/** Membership in azure_pg_admin only comes from declaring an Entra administrator; pg_* roles not at all. */
export function grantRoleViolations(g: GrantRoleInputs, config: PrivilegeConfig): string[] {
  if (g.grantRole === undefined || !privilegedRole(g.grantRole, config)) return [];
  return [
    `grants ${g.grantRole} to ${shown(g.role, "(unnamed)")}, which is superuser-like; declare an Entra administrator on ARM, ` +
      "or grant what it needs instead.",
  ];
}

/**
 * No ALL and no WITH GRANT OPTION. On an Entra-only server every grantee is an Entra principal or a role
 * whose members are (PUBLIC included), so the rule holds for every grant.
 */
export function grantViolations(g: GrantInputs): string[] {
  const who = `${shown(g.role, "(unnamed)")} on ${g.objectType ?? "objects"}`;
  const violations: string[] = [];
  if ((g.privileges ?? []).some((p) => /^ALL( PRIVILEGES)?$/i.test(p.trim()))) {
    violations.push(`grants ALL to ${who}; name the privileges (the access presets read, readWrite, owner do).`);
  }
  if (g.withGrantOption === true) {
    violations.push(`grants to ${who} WITH GRANT OPTION, so it could hand its privileges on; grant without it.`);
  }
  return violations;
}
