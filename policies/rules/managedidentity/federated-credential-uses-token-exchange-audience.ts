import type * as pulumi from "@pulumi/pulumi";
import type * as managedidentity from "@pulumi/azure-native/managedidentity";
import {
  hasTokenExchangeAudience,
  WORKLOAD_IDENTITY_AUDIENCE,
} from "../../../components/rules/workloadIdentity";
import { TYPES } from "../../lib/arm";
import { asArray, defineResourceRule, show, unknownIn } from "../../lib/rule";

const FIC_DOC =
  "https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations";

export const federatedCredentialUsesTokenExchangeAudience = defineResourceRule<
  pulumi.Unwrap<managedidentity.FederatedIdentityCredentialArgs>
>({
  name: "federated-credential-uses-token-exchange-audience",
  description: `Federated identity credentials must list exactly one audience, "${WORKLOAD_IDENTITY_AUDIENCE}".`,
  severity: "high",
  sources: [
    { kind: "microsoft-learn", id: "workload-identity-federation-considerations", url: FIC_DOC },
    { kind: "azure-workload-identity", id: "quick-start#federated-identity-credential" },
  ],
  enforcementLevel: "mandatory",
  remediationSteps: `Set audiences: ["${WORKLOAD_IDENTITY_AUDIENCE}"].`,
  resourceTypes: [TYPES.federatedCredential],
  check: (props, resource) => {
    const audiences = asArray(props.audiences);
    if (unknownIn(props.audiences)) {
      return [];
    }
    if (audiences !== undefined && hasTokenExchangeAudience(audiences)) {
      return [];
    }
    return [
      `Federated credential "${resource.name}" has audiences = ${show(props.audiences)}; set it to ` +
        `["${WORKLOAD_IDENTITY_AUDIENCE}"] (exactly one audience, matched byte for byte).`,
    ];
  },
});
