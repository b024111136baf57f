/**
 * zerocred's public API: the components and the pure helpers they are built on.
 * Import sub-paths (e.g. `zerocred/components/keyVault`) to load less.
 */
export * from "./args";
export * from "./roles";
export * from "./naming";
export * from "./roleAssignment";
export * from "./userAssignedIdentity";
export * from "./keyVault";
export * from "./workloadIdentity";
export * from "./network";
export * from "./virtualMachine";
export * from "./aksCluster";
export * from "./kubeconfig";
export * from "./verification/results";
export * from "./verification/vmVerification";
export * from "./verification/podVerification";
export * from "./kubelogin";
