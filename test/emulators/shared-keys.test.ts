/** The run's emulator keys are made once (test/harness/global-setup.ts) and used by every start. */
import { afterAll, describe, expect, inject, it } from "vitest";
import { shareEmulatorKeys, startEmulators, type Emulators } from "../../sim/emulators";
import { fromPlainKeys } from "../harness/emulator-keys";
import { testWorld } from "./fixture";

describe("emulator keys shared by the test run", () => {
  const started: Emulators[] = [];
  afterAll(async () => {
    shareEmulatorKeys(fromPlainKeys(inject("emulatorKeys")));
    await Promise.all(started.map((e) => e.close()));
  });

  it("serves the run's CA from every emulator start in this file", async () => {
    const shared = inject("emulatorKeys");
    const a = await startEmulators(testWorld());
    const b = await startEmulators(testWorld());
    started.push(a, b);
    expect(a.caPem).toBe(shared.tls.caPem);
    expect(b.caPem).toBe(shared.tls.caPem);
  });

  it("makes fresh keys again once sharing is turned off (the default without a key file)", async () => {
    shareEmulatorKeys(undefined);
    const fresh = await startEmulators(testWorld());
    started.push(fresh);
    expect(fresh.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(fresh.caPem).not.toBe(inject("emulatorKeys").tls.caPem);
  });
});
