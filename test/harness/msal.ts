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
 *
 * The classes are reached through a credential made from the same `@azure/identity` import the tests
 * use: under vitest that is the ES module build, whose msal-node is another instance than
 * `require("@azure/msal-node")` would return.
 */
import { ManagedIdentityCredential } from "@azure/identity";

interface MsalStatics {
  nodeStorage?: unknown;
  identitySource?: unknown;
  sourceName?: unknown;
}

export function resetManagedIdentityState(): void {
  const app = (
    new ManagedIdentityCredential() as unknown as {
      managedIdentityApp?: {
        constructor: MsalStatics;
        managedIdentityClient?: { constructor: MsalStatics };
      };
    }
  ).managedIdentityApp;
  const App = app?.constructor;
  const Client = app?.managedIdentityClient?.constructor;
  if (App === undefined || Client === undefined || !("nodeStorage" in App)) {
    throw new Error(
      "@azure/identity / msal-node no longer keep their managed-identity state where test/harness/msal.ts expects it: check ManagedIdentityCredential.managedIdentityApp and ManagedIdentityClient of the installed versions.",
    );
  }
  App.nodeStorage = undefined;
  Client.identitySource = undefined;
  Client.sourceName = undefined;
}
