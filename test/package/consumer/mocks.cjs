// Runs a compiled Pulumi program under Pulumi's mocks and prints what it registered, as JSON:
// `node mocks.cjs <program.js>` → { "registrations": [{ type, name, parent }], "outputs": {…} }.
// Plain JavaScript with only @pulumi/pulumi: it runs in a scratch project outside the repository.
/* global setImmediate */
"use strict";
const path = require("node:path");
const pulumi = require("@pulumi/pulumi");

const SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";
const TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
let counter = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, "0")}`;

pulumi.runtime.setMocks(
  {
    newResource(args) {
      const leaf = args.type.split(":").pop();
      const id = `/subscriptions/${SUBSCRIPTION}/resourceGroups/app-rg/providers/Mock.${leaf}/${args.name}`;
      // Azure answers `name` from the resource's own name input (a vault's is vaultName).
      const state = {
        ...args.inputs,
        id,
        name: args.inputs.vaultName ?? args.inputs.name ?? args.name,
      };
      if (args.type === "random:index/randomPassword:RandomPassword") {
        state.result = "x".repeat(args.inputs.length ?? 16);
      } else {
        Object.assign(state, { principalId: uuid(), clientId: uuid(), tenantId: TENANT });
      }
      return { id, state };
    },
    call(args) {
      if (args.token === "azure-native:authorization:getClientConfig") {
        return {
          tenantId: TENANT,
          subscriptionId: SUBSCRIPTION,
          clientId: uuid(),
          objectId: uuid(),
        };
      }
      throw new Error(`unexpected invoke ${args.token}`);
    },
  },
  "consumer",
  "prod",
  false,
);

// Record each registration with its parent (the mocks' newResource does not see the parent).
const registrations = [];
const monitor = pulumi.runtime.getMonitor();
const register = monitor.registerResource.bind(monitor);
monitor.registerResource = (req, callback) => {
  const parent = req.getParent();
  registrations.push({
    type: req.getType(),
    name: req.getName(),
    parent: parent ? parent.slice(parent.lastIndexOf("::") + 2) : undefined,
  });
  return register(req, callback);
};

async function settle() {
  const settings = require("@pulumi/pulumi/runtime/settings");
  let count = -1;
  for (let i = 0; i < 50 && count !== registrations.length; i++) {
    count = registrations.length;
    await settings.waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function main() {
  const program = require(path.resolve(process.argv[2]));
  await settle();
  const outputs = {};
  for (const [key, value] of Object.entries(program)) {
    outputs[key] = await new Promise((resolve) => pulumi.output(value).apply(resolve));
  }
  process.stdout.write(JSON.stringify({ registrations, outputs }));
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
