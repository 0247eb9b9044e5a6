/**
 * EntraPostgres's arguments. Types only: its validator imports these, never the component.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AccessEntryArgs, DatabaseArgs } from "../access/args";
import type { PrincipalArgs } from "../principals";
import type { ServerArgs } from "../server/args";

/** A server made elsewhere, whose Entra administrators (the deployer among them) already exist. */
export interface ExistingServerArgs {
  /** Host name, e.g. `<server>.postgres.database.azure.com`: no scheme, port or path. */
  fqdn: pulumi.Input<string>;
  /** Port. Default 5432; 6432 is Azure's built-in PgBouncer. */
  port?: number;
  /** Entra tenant of the server. Default: the tenant of the identity running `pulumi up` (its client configuration). */
  tenantId?: pulumi.Input<string>;
  /** Whether `pgaadauth.enable_group_sync` is on there. Default false. */
  groupSync?: boolean;
  /** The server's Entra administrators, the deployer among them; they get no role from us, only grants, and appear in the login guide. */
  administrators: PrincipalArgs[];
  /**
   * Outputs to wait for before the first connection, e.g. the id of a firewall rule made elsewhere: the
   * provider connects only once they are known. Default none.
   */
  waitFor?: pulumi.Input<string>[];
}

/** Arguments of EntraPostgres: a server (new or existing), the deployer, databases and who gets what. */
export interface EntraPostgresArgs {
  /** A new server to create. Exactly one of server and existingServer. */
  server?: ServerArgs;
  /** An existing server to grant on instead of creating one. */
  existingServer?: ExistingServerArgs;
  /**
   * The identity that runs `pulumi up` and connects to PostgreSQL with its own Entra token (type User,
   * ServicePrincipal or ManagedIdentity). On a new server it is declared an administrator (objectId
   * default: the running identity's); on an existing one it must be one of its administrators.
   */
  deployer: PrincipalArgs;
  /**
   * Public IPv4 address the deployment connects from; adds a firewall rule named "deployer". Public
   * network mode only. May be another resource's output (a NAT gateway's or runner's public IP). Default:
   * no rule (deploy from an address another rule admits, or from inside the VNet).
   */
  deployerIpAddress?: pulumi.Input<string>;
  /** Databases to create, each owned by a NOLOGIN owner role. At least one. */
  databases: DatabaseArgs[];
  /**
   * Principals and their grants. Administrators are recognised by name and only granted to. A missing
   * `principal.objectId` is looked up in Entra before anything is created; with group sync on, a user
   * found under another spelling of its UPN is refused, naming the UPN to write. Default none.
   */
  access?: AccessEntryArgs[];
  /** Keep PUBLIC from creating objects in schema public. Default true. */
  revokePublicCreate?: boolean;
  /** Revoke PUBLIC's default CONNECT and TEMPORARY on the databases. Default true. */
  revokePublicConnect?: boolean;
  /**
   * The administrator that ran this stack's first `pulumi up` and so created its roles. Default
   * `deployer.name`. When another administrator takes over running `pulumi up`, set this to the
   * first one (PostgreSQL 16+ keeps the creator's implicit ADMIN OPTION; see the README: "The role model").
   */
  roleCreator?: string;
}
