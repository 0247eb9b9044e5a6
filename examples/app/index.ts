/**
 * App stack: everything it knows about the database comes from the platform stack's outputs, and it
 * exports what the app needs to connect as the platform's managed identity. There is no password to
 * pass around: at run time the app asks Entra for a token and sends it as the password.
 */
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const organization = config.get("platformOrganization") ?? pulumi.getOrganization();
const platform = new pulumi.StackReference(`${organization}/entra-postgres-platform/${config.get("platformStack") ?? pulumi.getStack()}`);
const platformOutput = (key: string) => platform.requireOutput(key) as pulumi.Output<string>;

/** Entra's resource for Azure Database for PostgreSQL: the scope of the token that is the password. */
const TOKEN_SCOPE = "https://ossrdbms-aad.database.windows.net/.default";

export const connection = pulumi
  .all([
    platformOutput("fqdn"),
    platformOutput("appDatabase"),
    platformOutput("appIdentityPrincipalName"),
    platformOutput("appIdentityClientId"),
  ])
  .apply(([host, database, user, clientId]) => ({
    host,
    port: 5432,
    database,
    // The role is named after the identity, so the username is the identity's name; the token proves
    // who is asking, and pgaadauth checks its object id against the role's label.
    user,
    sslmode: "require" as const,
    // On a host with several identities, the client id picks this one for the token request.
    azureClientId: clientId,
    tokenScope: TOKEN_SCOPE,
    uri: `postgresql://${encodeURIComponent(user)}@${host}:5432/${encodeURIComponent(database)}?sslmode=require`,
  }));

/**
 * The same as libpq and Azure SDK environment variables. PGPASSWORD is deliberately absent: tokens
 * expire within about an hour, so the app fetches one (DefaultAzureCredential with TOKEN_SCOPE) when
 * it opens a connection, e.g. in its driver's password callback.
 */
export const environment = connection.apply((c) => ({
  PGHOST: c.host,
  PGPORT: String(c.port),
  PGDATABASE: c.database,
  PGUSER: c.user,
  PGSSLMODE: c.sslmode,
  AZURE_CLIENT_ID: c.azureClientId,
}));

/** Give the app's compute this identity (type UserAssigned) and place it in this subnet to reach the server. */
export const identityId = platformOutput("appIdentityId");
export const subnetId = platformOutput("appSubnetId");
