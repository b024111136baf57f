// A CronJob granted at the resource-group scope; its secret name comes from a ConfigMap.
import * as k8s from "@pulumi/kubernetes";
import * as lib from "./lib";

const rg = lib.resourceGroup();
lib.vault(rg, "kv-batch", ["api-key"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "nightly");
lib.federate(rg, id, "nightly-fic", aks.issuer, "batch", "nightly");
lib.grant("nightly-reads", id.principalId, lib.ROLES.secretsUser, rg.id);
lib.serviceAccount(aks, "batch", "nightly", id.clientId);
new k8s.core.v1.ConfigMap(
  "nightly-config",
  {
    metadata: { name: "nightly-config", namespace: "batch" },
    data: { VAULT: "kv-batch", KEY_NAME: "api-key" },
  },
  { provider: aks.provider },
);
new k8s.batch.v1.CronJob(
  "nightly",
  {
    metadata: { name: "nightly", namespace: "batch" },
    spec: {
      schedule: "0 2 * * *",
      jobTemplate: {
        spec: {
          template: {
            metadata: { labels: lib.WI_LABELS },
            spec: {
              serviceAccountName: "nightly",
              restartPolicy: "OnFailure",
              containers: [
                {
                  name: "job",
                  image: "busybox",
                  envFrom: [{ configMapRef: { name: "nightly-config" } }],
                },
              ],
            },
          },
        },
      },
    },
  },
  { provider: aks.provider },
);
