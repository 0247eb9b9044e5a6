/**
 * Policy pack for entra-postgres stacks: Entra authentication only, TLS only, never open to everyone,
 * no superuser-like privileges, and zone- and region-resilient in production. The rules are in
 * ./rules.ts; this file wires them to resource types and to the pack's config. See ./README.md.
 *
 *   pulumi preview --policy-pack policy --policy-pack-config policy/config/<stack>.json
 */
import { PolicyPack, ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import * as rules from "./rules";

/** Runs `rule` on resources whose type `matches`, with the policy's config, and reports each message. */
function check<P, C extends object>(matches: (type: string) => boolean, rule: (props: P, config: C) => string[]): ResourceValidation {
  return (args: ResourceValidationArgs, report: ReportViolation) => {
    if (!matches(args.type)) return;
    for (const message of rule(args.props as P, args.getConfig<C>())) report(message);
  };
}

const server = (type: string) => rules.isAzurePostgres(type, "Server");
const firewallRule = (type: string) => rules.isAzurePostgres(type, "FirewallRule");
const configuration = (type: string) => rules.isAzurePostgres(type, "Configuration");
const oneOf = (types: readonly string[]) => (type: string) => types.includes(type);

new PolicyPack("entra-postgres", {
  // Every rule blocks the deployment; there is no advisory tier. Exceptions go through the config below.
  enforcementLevel: "mandatory",
  policies: [
    {
      name: "entra-auth-enabled",
      description: "Every PostgreSQL flexible server has Microsoft Entra authentication enabled.",
      validateResource: check(server, rules.entraAuthViolations),
    },
    {
      name: "password-auth-disabled",
      description: "Password authentication is off and roles have no passwords, unless the config allows passwords.",
      configSchema: { properties: { allowPasswordAuth: { type: "boolean", default: false } } },
      validateResource: [check(server, rules.passwordAuthViolations), check(oneOf(rules.POSTGRESQL.role), rules.rolePasswordViolations)],
    },
    {
      name: "no-open-firewall-rules",
      description: "No firewall rule admits all addresses, nor all Azure services (0.0.0.0) unless the config allows it.",
      configSchema: { properties: { allowAzureServices: { type: "boolean", default: false } } },
      validateResource: check(firewallRule, rules.firewallRuleViolations),
    },
    {
      name: "tls-not-disabled",
      description: "The require_secure_transport server parameter is never set to anything but ON.",
      validateResource: check(configuration, rules.tlsParameterViolations),
    },
    {
      // A "must have" spans resources, so it is a stack policy: a server alone cannot show its parameters.
      name: "tls-required-on-every-server",
      description: "Every flexible server in the stack has a require_secure_transport Configuration set to ON.",
      validateStack: (args, report) => {
        for (const v of rules.serversWithoutTls(args.resources)) report(v.message, v.urn);
      },
    },
    {
      name: "production-resilience",
      description: 'With "production": true, every flexible server has zone-redundant HA and geo-redundant backup.',
      configSchema: { properties: { production: { type: "boolean", default: false } } },
      validateResource: check(server, rules.productionViolations),
    },
    {
      // Stack policy: a server alone cannot show the diagnostic settings and locks that point at it.
      name: "production-operations",
      description: 'With "production": true, every flexible server (not a read replica) has a diagnostic setting and a CanNotDelete lock.',
      configSchema: { properties: { production: { type: "boolean", default: false } } },
      validateStack: (args, report) => {
        for (const v of rules.productionServersWithoutOperations(args.resources, args.getConfig<rules.ProductionConfig>()))
          report(v.message, v.urn);
      },
    },
    {
      name: "no-superuser-like-privileges",
      description: "No superuser-like role attributes, no membership in azure_pg_admin or pg_* roles, no ALL or WITH GRANT OPTION grants.",
      configSchema: { properties: { allowedPredefinedRoles: { type: "array", items: { type: "string" }, default: [] } } },
      validateResource: [
        check(oneOf(rules.POSTGRESQL.role), rules.roleViolations),
        check(oneOf(rules.POSTGRESQL.grantRole), rules.grantRoleViolations),
        check(oneOf(rules.POSTGRESQL.grants), rules.grantViolations),
      ],
    },
  ],
});
