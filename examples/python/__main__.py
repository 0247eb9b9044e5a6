"""EntraPostgres from Python, through the component package.

Set up once: `pulumi package add https://github.com/<org>/pulumi-entra-postgres` (generates the
`pulumi_entra_postgres` SDK from the inferred schema). tests/examples.test.ts checks every property used
below against that schema (docs/schema.json): it exists, has the right type, and required ones are given.
"""

import pulumi
import pulumi_azure_native as azure_native
import pulumi_entra_postgres as entra_postgres

config = pulumi.Config()
resource_group_name = config.require("resourceGroupName")

# The server lives in a delegated subnet; the deployer runs inside the VNet, so no deployer firewall rule.
app = azure_native.managedidentity.UserAssignedIdentity(
    "app", resource_group_name=resource_group_name, resource_name_="id-billing-api"
)

postgres = entra_postgres.EntraPostgres(
    "billing",
    server={
        "resource_group_name": resource_group_name,
        "server_name": "pg-billing-prod",
        "version": "17",
        "sku": {"name": "Standard_D4ds_v5", "tier": "GeneralPurpose"},
        "high_availability": "ZoneRedundant",
        "backup": {"retention_days": 35, "geo_redundant": True},
        "administrators": [
            {"name": "pg-billing-dba", "type": "Group"},
        ],
        "network": {
            "mode": "vnet",
            "delegated_subnet_id": config.require("delegatedSubnetId"),
            "private_dns_zone_id": config.require("privateDnsZoneId"),
        },
        "tags": {"env": "prod"},
    },
    deployer={"name": config.require("deployerName"), "type": "ServicePrincipal"},
    databases=[{"name": "billing", "schemas": ["public", "ledger"]}],
    access=[
        {
            "principal": {"name": "id-billing-api", "type": "ManagedIdentity", "object_id": app.principal_id},
            "grants": [{"database": "billing", "preset": "readWrite"}],
        },
        {
            "principal": {"name": "Billing Auditors", "type": "Group"},
            "grants": [{"database": "billing", "schemas": ["ledger"], "preset": "read"}],
        },
    ],
)

pulumi.export("fqdn", postgres.fqdn)
pulumi.export("login_guide_markdown", postgres.login_guide_markdown)
