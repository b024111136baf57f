/**
 * The federated token exchange CI performs (azure/login, azure-native, kubelogin): the job's GitHub OIDC
 * token is POSTed as a client assertion to Entra's v2.0 token endpoint for the client id the job names,
 * and Entra matches it against that identity's federated credentials. This runs the real HTTP exchange
 * against the Entra emulator (sim/emulators/entra.ts), with a local GitHub issuer serving its discovery
 * document and keys, so a mismatch answers with Entra's own code and message (AADSTS700213 …).
 */
import * as https from "node:https";
import { guidsEqual } from "../../components/rules/armIds";
import { JWT_BEARER_ASSERTION_TYPE } from "../emulators/entra";
import {
  prepareEmulatorKeys,
  startEmulators,
  type EmulatorKeys,
  type Emulators,
} from "../emulators";
import { nowSeconds, signJwt, type SigningKey } from "../emulators/tokens";
import type { DeployerCredential, DeployerIdentity } from "./bootstrap";
import { GITHUB_ACTIONS_ISSUER, type GitHubTokenClaims } from "./oidc";

/** ARM's resource, as azure-native and azure/login request it. */
export const ARM_SCOPE = "https://management.azure.com//.default";

export interface ExchangeResult {
  readonly ok: boolean;
  /** The identity Entra issued the token for. */
  readonly identity?: DeployerIdentity;
  /** `AADSTS700213` etc. */
  readonly code?: number;
  /** Entra's error description (first line). */
  readonly message?: string;
}

export interface TokenExchanger {
  exchange(tenantId: string, clientId: string, claims: GitHubTokenClaims): Promise<ExchangeResult>;
  close(): Promise<void>;
}

function post(url: string, body: string, ca: string): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: "POST",
        ca,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        let data = "";
        res.on("data", (c: Buffer) => (data += c.toString("utf8")));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(data) as unknown });
          } catch (e) {
            reject(e as Error);
          }
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Starts the Entra emulator for the bootstrap's identities and federated credentials, plus GitHub's
 * issuer (discovery + JWKS) at `https://token.actions.githubusercontent.com`.
 */
export async function startExchanger(
  tenantId: string,
  identities: readonly DeployerIdentity[],
  credentials: readonly DeployerCredential[],
  /** Keys made earlier (`npm start` reuses the workload emulators'); generated when absent. */
  prepared?: Promise<EmulatorKeys>,
): Promise<TokenExchanger> {
  const keys = await (prepared ?? prepareEmulatorKeys(1));
  const githubKey: SigningKey = keys.clusterKeys[0]!;
  const emulators: Emulators = await startEmulators(
    {
      tenantId,
      identities: identities.map((i) => ({ ...i })),
      federatedCredentials: credentials.map((c) => ({ ...c, audiences: [...c.audiences] })),
      vms: [],
      // GitHub's issuer, served like a cluster issuer: discovery + JWKS under the declared URL.
      clusters: [{ name: "github-actions", issuerUrl: GITHUB_ACTIONS_ISSUER }],
      vaults: [],
      roleAssignments: [],
    },
    { keys: Promise.resolve(keys) },
  );
  return {
    async exchange(tenant, clientId, claims) {
      const iat = nowSeconds();
      const assertion = await signJwt(githubKey, {
        ...claims,
        iat,
        nbf: iat,
        exp: iat + 300,
        jti: `${claims.sub}#${iat}`,
      });
      const body = new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        scope: ARM_SCOPE,
        client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
        client_assertion: assertion,
      }).toString();
      const { status, json } = await post(
        `${emulators.authorityHost}${tenant}/oauth2/v2.0/token`,
        body,
        emulators.caPem,
      );
      if (status === 200) {
        const identity = identities.find((i) => guidsEqual(i.clientId, clientId));
        return { ok: true, identity };
      }
      const err = json as { error_codes?: number[]; error_description?: string };
      return {
        ok: false,
        code: err.error_codes?.[0],
        message: (err.error_description ?? "").split("\r\n")[0],
      };
    },
    close: () => emulators.close(),
  };
}
