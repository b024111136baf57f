// containerservice.getManagedCluster of a cluster outside the program: refused, exit 2.
import * as containerservice from "@pulumi/azure-native/containerservice";

const aks = containerservice.getManagedClusterOutput({
  resourceGroupName: "rg-shared",
  resourceName: "aks-shared",
});
export const issuer = aks.apply((c) => c.oidcIssuerProfile?.issuerURL);
