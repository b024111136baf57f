import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { isVerificationJob, JOB_TYPE } from "../../lib/k8s";
import { defineResourceRule, unknownIn } from "../../lib/rule";

/**
 * The TTL controller deletes a finished Job; Pulumi still tracks it, so the next refresh recreates and
 * re-runs the verification. zerocred's verification Jobs carry `app.kubernetes.io/name: zerocred-verifier`
 * (or `app.kubernetes.io/part-of: zerocred`).
 */
export const verificationJobOmitsTtl = defineResourceRule<pulumi.Unwrap<k8s.batch.v1.JobArgs>>({
  name: "verification-job-omits-ttl",
  description:
    "Verification Jobs (label app.kubernetes.io/name: zerocred-verifier or app.kubernetes.io/part-of: zerocred) must not set spec.ttlSecondsAfterFinished, because Pulumi would recreate the deleted Job on refresh.",
  severity: "low",
  sources: [
    {
      kind: "kubernetes",
      id: "controllers/ttlafterfinished",
      url: "https://kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished/",
    },
  ],
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove spec.ttlSecondsAfterFinished; re-run deliberately with a run nonce annotation.",
  resourceTypes: [JOB_TYPE],
  check: (props, resource) => {
    if (!isVerificationJob(props.metadata?.labels)) {
      return [];
    }
    const ttl = props.spec?.ttlSecondsAfterFinished;
    if (unknownIn(props.spec, ttl)) {
      return [];
    }
    return ttl === undefined || ttl === null
      ? []
      : [
          `Verification Job "${resource.name}" sets spec.ttlSecondsAfterFinished = ${JSON.stringify(ttl)}; ` +
            `remove it: once Kubernetes deletes the finished Job, the next pulumi refresh recreates and ` +
            `re-runs it.`,
        ];
  },
});
