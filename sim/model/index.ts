/**
 * The deployment model: what a Pulumi program declared, rebuilt from the RAW recorded resources,
 * split by concern —
 *   recorded.ts  the recorded-resource type, Pulumi's secret signature, tolerant readers
 *   types.ts     the model's types
 *   extract.ts   buildModel: recorded resources → model
 *   lookups.ts   lookups shared by the analyses
 *   world.ts     the emulator world the model seeds
 *   intent.ts    declared / inferred intent and the deployed verifiers' parameters
 *   plan.ts      the principals × secrets to verify, each with its expectation
 */
export { parseArmId, scopeCovers, type ParsedArmId } from "../../components/rules/armIds";
export { T, type RecordedResourceLike } from "./recorded";
export * from "./types";
export { buildModel, type BuildModelOptions } from "./extract";
export * from "./lookups";
export { toEmulatorWorld } from "./world";
export * from "./plan";
export { IntentError } from "./intent";
