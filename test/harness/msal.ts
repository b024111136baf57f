/**
 * A fresh MSAL managed-identity state, for a test file that points ManagedIdentityCredential at its
 * own IMDS emulator.
 *
 * msal-node (5.6.0, under @azure/identity 4.13.1) keeps the IMDS endpoint it read from
 * AZURE_POD_IDENTITY_AUTHORITY_HOST (`ManagedIdentityClient.identitySource`, `.sourceName`) and its
 * token cache (`ManagedIdentityApplication.nodeStorage`) in static fields: one per process, which is
 * right on a VM with one IMDS for the process's life. The e2e forks run test files one after another
 * in one process (vitest.config.ts), so without this a file would reach the previous file's closed
 * emulator, or be served a token that file's emulator minted, and count no request.
 */
import * as path from "node:path";

interface ManagedIdentityClientClass {
  identitySource?: unknown;
  sourceName?: unknown;
}
interface ManagedIdentityApplicationClass {
  nodeStorage?: unknown;
  new (config: { managedIdentityIdParams: Record<string, never> }): {
    managedIdentityClient?: { constructor: ManagedIdentityClientClass };
  };
}

export function resetManagedIdentityState(): void {
  // The msal-node that @azure/identity itself loads.
  const identityDir = path.dirname(require.resolve("@azure/identity"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- msal-node is CommonJS for require
  const msal = require(require.resolve("@azure/msal-node", { paths: [identityDir] })) as {
    ManagedIdentityApplication: ManagedIdentityApplicationClass;
  };
  const App = msal.ManagedIdentityApplication;
  // Constructing one makes sure the statics exist, and reaches the (unexported) client class.
  const Client = new App({ managedIdentityIdParams: {} }).managedIdentityClient?.constructor;
  if (Client === undefined || !("nodeStorage" in App)) {
    throw new Error(
      "msal-node no longer keeps its managed-identity state where test/harness/msal.ts expects it: check ManagedIdentityApplication and ManagedIdentityClient of the installed version.",
    );
  }
  App.nodeStorage = undefined;
  Client.identitySource = undefined;
  Client.sourceName = undefined;
}
