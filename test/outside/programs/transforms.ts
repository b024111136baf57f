// The `transforms` resource option adds the workload-identity label to the pod template.
import * as k8s from "@pulumi/kubernetes";
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-tx", ["db-password"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "orders");
lib.federate(rg, id, "orders-fic", aks.issuer, "shop", "orders");
lib.grant("orders-reads", id.principalId, lib.ROLES.secretsUser, kv.vault.id);
lib.serviceAccount(aks, "shop", "orders", id.clientId);
new k8s.apps.v1.Deployment(
  "orders",
  {
    metadata: { name: "orders", namespace: "shop" },
    spec: {
      selector: { matchLabels: { app: "orders" } },
      template: {
        metadata: { labels: { app: "orders" } },
        spec: {
          serviceAccountName: "orders",
          containers: [lib.appContainer(kv.uri, "db-password")],
        },
      },
    },
  },
  {
    provider: aks.provider,
    transforms: [
      (args) => {
        const props = args.props as {
          spec: { template: { metadata: { labels: Record<string, string> } } };
        };
        props.spec.template.metadata.labels = {
          ...props.spec.template.metadata.labels,
          ...lib.WI_LABELS,
        };
        return { props: args.props, opts: args.opts };
      },
    ],
  },
);
