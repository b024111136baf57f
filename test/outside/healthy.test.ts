/** Outside programs (healthy): see catalogue.ts and run.ts. */
import { runCatalogue } from "./run";

runCatalogue("healthy");
