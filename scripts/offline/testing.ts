/**
 * `pulumi-entra-postgres/testing`: the offline toolkit this package tests itself with, for your own
 * stacks' unit tests. Mocked Azure, Graph and providers; records what a program registers.
 */
export { FAKE_DEPLOYER, FAKE_SUBSCRIPTION, FAKE_TENANT, MockCloud, fakeUuid, installMockCloud, settle, valueOf } from "./mockCloud";
export type { DirectoryEntry, MockCloudOptions, RecordedResource } from "./mockCloud";
export { dependencyOrder, flattenInputs, longestChain, renderPlan } from "./planReport";
