// A StatefulSet granted at the secret scope only (the narrowest scope).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-data", ["pg-password", "other"]);
const aks = lib.cluster(rg);
const id = lib.identity(rg, "pg");
lib.federate(rg, id, "pg-fic", aks.issuer, "data", "pg");
lib.grant(
  "pg-reads",
  id.principalId,
  lib.ROLES.secretsUser,
  pulumi.interpolate`${kv.vault.id}/secrets/pg-password`,
);
lib.serviceAccount(aks, "data", "pg", id.clientId);
new k8s.apps.v1.StatefulSet(
  "pg",
  {
    metadata: { name: "pg", namespace: "data" },
    spec: {
      serviceName: "pg",
      selector: { matchLabels: { app: "pg" } },
      template: {
        metadata: { labels: { app: "pg", ...lib.WI_LABELS } },
        spec: { serviceAccountName: "pg", containers: [lib.appContainer(kv.uri, "pg-password")] },
      },
    },
  },
  { provider: aks.provider },
);
