// A verification Job (zerocred's pod verifier contract: ZC_* env) expects the workload to read the
// canary, but nothing grants it. Statically clean — only running the verifier shows it fails.
import * as k8s from "@pulumi/kubernetes";
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-verify", ["canary"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "orders");
lib.federate(rg, id, "orders-fic", aks.issuer, "shop", "orders");
lib.serviceAccount(aks, "shop", "orders", id.clientId);
new k8s.batch.v1.Job(
  "verify-orders",
  {
    metadata: { name: "verify-orders", namespace: "shop" },
    spec: {
      template: {
        metadata: { labels: lib.WI_LABELS },
        spec: {
          serviceAccountName: "orders",
          restartPolicy: "Never",
          containers: [
            {
              name: "verifier",
              image: "mcr.microsoft.com/azurelinux/distroless/nodejs:24.14-nonroot",
              env: [
                { name: "ZC_PRINCIPAL", value: "pod.orders" },
                { name: "ZC_EXPECTED", value: "allow" },
                { name: "ZC_VAULT_URL", value: kv.uri },
                { name: "ZC_SECRET_NAME", value: "canary" },
                { name: "ZC_EXPECTED_SHA256", value: "0".repeat(64) },
              ],
            },
          ],
        },
      },
    },
  },
  { provider: aks.provider },
);
