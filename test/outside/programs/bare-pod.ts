// A bare Pod (the quick-start's own example), Secrets Officer on the vault.
import * as k8s from "@pulumi/kubernetes";
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-demo", ["my-secret"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "demo");
lib.federate(rg, id, "demo-fic", aks.issuer, "default", "workload-identity-sa");
lib.grant("demo-officer", id.principalId, lib.ROLES.secretsOfficer, kv.vault.id);
lib.serviceAccount(aks, "default", "workload-identity-sa", id.clientId);
new k8s.core.v1.Pod(
  "quick-start",
  {
    metadata: { name: "quick-start", namespace: "default", labels: lib.WI_LABELS },
    spec: {
      serviceAccountName: "workload-identity-sa",
      containers: [lib.appContainer(kv.uri, "my-secret")],
    },
  },
  { provider: aks.provider },
);
