// A VM's system-assigned identity reads a secret; its cloud-init names the vault URI.
import * as compute from "@pulumi/azure-native/compute";
import * as lib from "./lib";

const rg = lib.resourceGroup();
const kv = lib.vault(rg, "kv-vm", ["token"]);
const script = kv.uri.apply(
  (u) =>
    `#!/bin/sh\ncurl -s -H Metadata:true "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net" > /tmp/t\ncurl -s "${u}secrets/token?api-version=7.4"\n`,
);
const vm = new compute.VirtualMachine("vm", {
  resourceGroupName: rg.name,
  vmName: "vm-app",
  hardwareProfile: { vmSize: "Standard_B2s" },
  networkProfile: { networkInterfaces: [] },
  storageProfile: {
    imageReference: {
      publisher: "Canonical",
      offer: "ubuntu-24_04-lts",
      sku: "server",
      version: "latest",
    },
  },
  osProfile: {
    computerName: "vm-app",
    adminUsername: "azureuser",
    customData: script.apply((s) => Buffer.from(s).toString("base64")),
    linuxConfiguration: { disablePasswordAuthentication: true },
  },
  identity: { type: "SystemAssigned" },
});
lib.grant(
  "vm-reads",
  vm.identity.apply((i) => i?.principalId ?? ""),
  lib.ROLES.secretsUser,
  kv.vault.id,
);
