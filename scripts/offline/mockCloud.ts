/**
 * An offline stand-in for Azure, Microsoft Graph and the provider plugins, built on Pulumi's mocks.
 *
 * It records every resource the program registers (type, name, inputs, parent and the URNs it waits
 * on) and answers the invokes our components make. The offline plan, the unit tests and the
 * real-PostgreSQL suite all evaluate programs through it; nothing here talks to a network.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  parent?: string;
  /** URNs this resource waits on (dependsOn and inputs taken from other resources). */
  dependencies: string[];
  custom: boolean;
  /** Inputs as the engine would send them to the provider, with Outputs resolved. */
  inputs: Record<string, unknown>;
  /** Provider reference (`urn::id`) when the resource names an explicit provider. */
  provider?: string;
  /** The `ignoreChanges` option: inputs the engine leaves alone once created. */
  ignoreChanges?: string[];
}

/** A principal in the fake Entra directory. */
export interface DirectoryEntry {
  objectId: string;
  type: "User" | "Group" | "ServicePrincipal";
  /** UPN for users, display name otherwise. */
  name: string;
  clientId?: string;
}

export interface MockCloudOptions {
  /** Principals the azuread lookups can find. Unknown names fail, as Graph does. */
  directory?: DirectoryEntry[];
  tenantId?: string;
  subscriptionId?: string;
  /** The identity running the program (client configuration). */
  deployerObjectId?: string;
  project?: string;
  stack?: string;
  /** Stack config, keyed `<namespace>:<key>`, values as JSON-compatible data. */
  config?: Record<string, unknown>;
  preview?: boolean;
  /**
   * Outputs of other stacks, keyed by the full name a `pulumi.StackReference` asks for
   * (`<org>/<project>/<stack>`). Referring to a stack not listed fails, as it does against a backend.
   */
  stackOutputs?: Record<string, Record<string, unknown>>;
}

export const FAKE_TENANT = "72f988bf-0000-4000-8000-000000000001";
export const FAKE_SUBSCRIPTION = "00000000-0000-4000-8000-00000000000a";
export const FAKE_DEPLOYER = "d0d0d0d0-0000-4000-8000-00000000000d";

/** A deterministic UUID-shaped value from any text: stable fake ids across runs. */
export function fakeUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class MockCloud implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly invokes: { token: string; inputs: Record<string, unknown> }[] = [];
  private readonly directory: DirectoryEntry[];
  private readonly tenantId: string;
  private readonly subscriptionId: string;
  private readonly deployerObjectId: string;
  private readonly stackOutputs?: Record<string, Record<string, unknown>>;

  constructor(options: MockCloudOptions = {}) {
    this.directory = options.directory ?? [];
    this.tenantId = options.tenantId ?? FAKE_TENANT;
    this.subscriptionId = options.subscriptionId ?? FAKE_SUBSCRIPTION;
    this.deployerObjectId = options.deployerObjectId ?? FAKE_DEPLOYER;
    this.stackOutputs = options.stackOutputs;
  }

  byType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  byName(name: string): RecordedResource {
    const found = this.resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name}; registered: ${this.resources.map((r) => r.name).join(", ")}`);
    return found;
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const inputs = args.inputs as Record<string, unknown>;
    const state: Record<string, unknown> = { ...inputs };
    let id: string = `${args.name}-id`;
    const arm = (suffix: string) =>
      `/subscriptions/${this.subscriptionId}/resourceGroups/${String(inputs.resourceGroupName)}/providers/${suffix}`;
    switch (args.type) {
      case "azure-native:dbforpostgresql:Server": {
        const name = String(inputs.serverName ?? args.name);
        id = arm(`Microsoft.DBforPostgreSQL/flexibleServers/${name}`);
        Object.assign(state, { name, fullyQualifiedDomainName: `${name}.postgres.database.azure.com`, state: "Ready" });
        break;
      }
      case "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra":
        id = arm(`Microsoft.DBforPostgreSQL/flexibleServers/${String(inputs.serverName)}/administrators/${String(inputs.objectId)}`);
        state.name = inputs.objectId;
        break;
      case "azure-native:dbforpostgresql:Configuration":
      case "azure-native:dbforpostgresql:FirewallRule":
      case "azure-native:dbforpostgresql:Database": {
        const kind = args.type.split(":")[2];
        const key = String(inputs.configurationName ?? inputs.firewallRuleName ?? inputs.databaseName);
        const segment = { Configuration: "configurations", FirewallRule: "firewallRules", Database: "databases" }[kind];
        id = arm(`Microsoft.DBforPostgreSQL/flexibleServers/${String(inputs.serverName)}/${segment}/${key}`);
        state.name = key;
        break;
      }
      case "azure-native:managedidentity:UserAssignedIdentity": {
        const name = String(inputs.resourceName ?? args.name);
        id = arm(`Microsoft.ManagedIdentity/userAssignedIdentities/${name}`);
        Object.assign(state, {
          name,
          principalId: fakeUuid(`principal:${name}`),
          clientId: fakeUuid(`client:${name}`),
          tenantId: this.tenantId,
        });
        break;
      }
      case "azure-native:resources:ResourceGroup": {
        const name = String(inputs.resourceGroupName ?? args.name);
        id = `/subscriptions/${this.subscriptionId}/resourceGroups/${name}`;
        state.name = name;
        break;
      }
      // Network resources get ARM-shaped ids, so a program that passes them on (a delegated subnet,
      // a private DNS zone) is checked with the ids Azure would give, not placeholder strings.
      case "azure-native:network:VirtualNetwork": {
        const name = String(inputs.virtualNetworkName ?? args.name);
        id = arm(`Microsoft.Network/virtualNetworks/${name}`);
        state.name = name;
        break;
      }
      case "azure-native:network:Subnet": {
        const name = String(inputs.subnetName ?? args.name);
        id = arm(`Microsoft.Network/virtualNetworks/${String(inputs.virtualNetworkName)}/subnets/${name}`);
        state.name = name;
        break;
      }
      case "azure-native:privatedns:PrivateZone": {
        const name = String(inputs.privateZoneName ?? args.name);
        id = arm(`Microsoft.Network/privateDnsZones/${name}`);
        state.name = name;
        break;
      }
      case "azure-native:privatedns:VirtualNetworkLink": {
        const name = String(inputs.virtualNetworkLinkName ?? args.name);
        id = arm(`Microsoft.Network/privateDnsZones/${String(inputs.privateZoneName)}/virtualNetworkLinks/${name}`);
        state.name = name;
        break;
      }
      // A StackReference is read, not created: its state must carry the other stack's `outputs`.
      case "pulumi:pulumi:StackReference": {
        const name = String(inputs.name ?? args.name);
        const outputs = this.stackOutputs?.[name];
        if (outputs === undefined)
          throw new Error(`MockCloud: no stack named ${name} (known: ${Object.keys(this.stackOutputs ?? {}).join(", ")})`);
        id = name;
        Object.assign(state, { name, outputs, secretOutputNames: [] });
        break;
      }
      default:
        if (typeof inputs.name === "string") state.name = inputs.name;
        else if (args.type.startsWith("azure-native:")) state.name = args.name;
    }
    return { id: args.custom === false ? undefined : id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const inputs = args.inputs as Record<string, unknown>;
    this.invokes.push({ token: args.token, inputs });
    switch (args.token) {
      case "azure-native:authorization:getClientConfig":
        return {
          tenantId: this.tenantId,
          objectId: this.deployerObjectId,
          clientId: fakeUuid("deployer-client"),
          subscriptionId: this.subscriptionId,
        };
      case "azuread:index/getClientConfig:getClientConfig":
        return { tenantId: this.tenantId, objectId: this.deployerObjectId, clientId: fakeUuid("deployer-client") };
      case "azuread:index/getUser:getUser":
        return this.lookup("User", (e) => e.name === inputs.userPrincipalName, `user with UPN ${String(inputs.userPrincipalName)}`);
      case "azuread:index/getGroup:getGroup":
        return this.lookup("Group", (e) => e.name === inputs.displayName, `group with display name ${String(inputs.displayName)}`);
      case "azuread:index/getServicePrincipal:getServicePrincipal":
        return inputs.clientId !== undefined
          ? this.lookup(
              "ServicePrincipal",
              (e) => e.clientId === inputs.clientId,
              `service principal with client id ${String(inputs.clientId)}`,
            )
          : this.lookup(
              "ServicePrincipal",
              (e) => e.name === inputs.displayName,
              `service principal with display name ${String(inputs.displayName)}`,
            );
      default:
        throw new Error(`MockCloud: no answer for invoke ${args.token}`);
    }
  }

  private lookup(type: DirectoryEntry["type"], match: (e: DirectoryEntry) => boolean, what: string): Record<string, unknown> {
    const found = this.directory.filter((e) => e.type === type && match(e));
    // azuread fails when a display name matches none or several principals; so does this.
    if (found.length !== 1) throw new Error(`${found.length === 0 ? "no" : "more than one"} ${what} found in the directory`);
    const e = found[0];
    return { objectId: e.objectId, id: e.objectId, displayName: e.name, userPrincipalName: e.name, clientId: e.clientId };
  }
}

/**
 * Installs the mocks for a program evaluation and records dependencies, which Pulumi's mock
 * interface does not pass to `newResource`: we read them off each registration request.
 */
export function installMockCloud(options: MockCloudOptions = {}): MockCloud {
  const cloud = new MockCloud(options);
  if (options.config) {
    pulumi.runtime.setAllConfig(
      Object.fromEntries(Object.entries(options.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
    );
  }
  void pulumi.runtime.setMocks(cloud, options.project ?? "entra-postgres", options.stack ?? "dev", options.preview ?? false);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rpc = require("@pulumi/pulumi/runtime/rpc");
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: RegisterRequest, callback: unknown) => {
    const parent = req.getParent() || undefined;
    cloud.resources.push({
      type: req.getType(),
      name: req.getName(),
      urn: monitor.newUrn(parent, req.getType(), req.getName()),
      parent,
      dependencies: req.getDependenciesList(),
      custom: req.getCustom(),
      inputs: rpc.deserializeProperties(req.getObject()),
      provider: req.getProvider() || undefined,
      ...(req.getIgnorechangesList().length > 0 ? { ignoreChanges: req.getIgnorechangesList() } : {}),
    });
    return register(req, callback);
  };
  return cloud;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getObject(): unknown;
}

/** Resolves when every registration started so far has been answered. */
export async function settle(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings");
  await settings.waitForRPCs();
}

/** The value of an Output, for tests and tools (mocks resolve everything). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}
