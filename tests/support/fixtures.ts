/** Small named fixtures shared by the mock tests: a fake directory and a valid server. */
import type { EntraPostgresServerArgs } from "../../components/server/args";
import { DirectoryEntry, MockCloud, MockCloudOptions, installMockCloud, settle } from "../../scripts/offline/mockCloud";

export const IDS = {
  dbaGroup: "0b0e6f39-5b1c-4d6e-9a51-7d2c1f3a9e01",
  alice: "5a1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
  bob: "6b2e3d4c-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
  ciApp: "7c3f4e5d-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
  ciAppClient: "8d4a5f6e-7b8c-4d9e-8f0a-2b3c4d5e6f70",
  readers: "9e5b6a7f-8c9d-4e0f-9a1b-3c4d5e6f7081",
};

/** What the azuread lookups can find. */
export const DIRECTORY: DirectoryEntry[] = [
  { objectId: IDS.dbaGroup, type: "Group", name: "pg-dba" },
  { objectId: IDS.alice, type: "User", name: "alice@contoso.com" },
  { objectId: IDS.bob, type: "User", name: "bob@contoso.com" },
  { objectId: IDS.ciApp, type: "ServicePrincipal", name: "ci-deployer", clientId: IDS.ciAppClient },
  { objectId: IDS.readers, type: "Group", name: "Data Readers" },
];

/** A server that passes validation: public access, one firewall rule, a group and a user as admins. */
export function validServerArgs(): EntraPostgresServerArgs {
  return {
    resourceGroupName: "rg-data-dev",
    location: "westeurope",
    serverName: "pg-orders-dev",
    administrators: [
      { name: "pg-dba", type: "Group", objectId: IDS.dbaGroup },
      { name: "alice@contoso.com", type: "User", objectId: IDS.alice },
    ],
    network: { mode: "public", firewallRules: [{ name: "office", startIpAddress: "203.0.113.0", endIpAddress: "203.0.113.255" }] },
  };
}

/** Runs a program under fresh mocks and waits for every registration to be answered. */
export async function evaluate(program: () => unknown, options: MockCloudOptions = {}): Promise<{ cloud: MockCloud; error?: unknown }> {
  const cloud = installMockCloud({ directory: DIRECTORY, ...options });
  await cloud.ready;
  let error: unknown;
  try {
    program();
  } catch (e) {
    error = e;
  }
  await settle();
  return { cloud, error };
}

/** Short name of a URN: its last segment. */
export function shortName(urn: string): string {
  return urn.split("::").pop() ?? urn;
}
