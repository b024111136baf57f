// Catalogue: pod template without the workload identity label.
import { deploy } from "./base";

const out = deploy({ podLabels: { app: "orders" } });
export const vaultUri = out.vaultUri;
export const issuer = out.issuer;
