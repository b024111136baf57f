// Imports a package that is installed nowhere.
// @ts-expect-error -- deliberately absent
import * as nothing from "@acme/not-installed";
export const x = nothing;
