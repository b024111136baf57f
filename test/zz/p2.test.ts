import { it } from "vitest";
it("pid", () => { console.log("PID2", process.pid, require("@azure/identity") === (globalThis as any).__id); (globalThis as any).__id = require("@azure/identity"); });
