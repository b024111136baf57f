// A StackReference to the platform stack: refused unless its outputs are supplied.
import * as pulumi from "@pulumi/pulumi";
import * as lib from "./lib";

const platform = new pulumi.StackReference("acme/platform/prod");
const rg = lib.resourceGroup();
const id = lib.identity(rg, "orders");
lib.grant("orders-reads", id.principalId, lib.ROLES.secretsUser, platform.getOutput("vaultId"));
