import { describe, expect, it } from "vitest";
import { buildModel } from "../../sim/model";
import { accessPicture, mermaidEscape } from "../../sim/picture";
import * as f from "./fixtures";

describe("accessPicture", () => {
  it("draws VM → identity, pod → SA → FIC → identity, principal → role → scope", () => {
    expect(accessPicture(buildModel(f.healthy()))).toBe(
      [
        "flowchart LR",
        '  n1["VM vm1"]',
        '  n2("vm1 system-assigned identity")',
        '  n3("identity orders")',
        '  n4(["Job shop/orders-check"])',
        '  n5(["service account shop/orders"])',
        '  n6[("vault kv1")]',
        '  n1 -->|"system-assigned"| n2',
        '  n4 -->|"runs as"| n5',
        '  n5 -->|"federated credential orders-fic"| n3',
        '  n3 -->|"Key Vault Secrets User"| n6',
        '  n2 -->|"Key Vault Secrets User"| n6',
        "",
      ].join("\n"),
    );
  });

  it("dashes roles that cannot read values, unlabelled pods and annotation-only links", () => {
    const list = f.replace(
      f.replace(
        f.replace(
          f.healthy(),
          "orders-reads",
          f.ra("orders-reads", "p-orders", f.KV_READER, f.vaultId("kv1")),
        ),
        "orders-fic",
        undefined,
      ),
      "job-shop-orders-check",
      f.job("shop", "orders-check", "orders", {}),
    );
    const text = accessPicture(buildModel(list));
    expect(text).toContain('  n4 -.->|"runs as (no workload identity label)"| n5');
    expect(text).toContain('  n5 -.->|"client-id, no federated credential"| n3');
    expect(text).toContain('  n3 -.->|"Key Vault Reader"| n6');
  });

  it("names unknown principals by id and user-assigned VM identities", () => {
    const list = [
      ...f.replace(
        f.healthy(),
        "vm1",
        f.vm(
          "vm1",
          { type: "SystemAssigned, UserAssigned", userAssignedIdentities: [f.uaiId("orders")] },
          "p-vm1",
        ),
      ),
      f.ra("deployer", "d-1", f.SECRETS_USER, `${f.SUB}/resourceGroups/rg1`),
    ];
    const text = accessPicture(buildModel(list));
    expect(text).toContain('  n1 -->|"user-assigned"| n3');
    expect(text).toContain('("principal d-1")');
    expect(text).toContain('["resource group rg1"]');
  });
});

describe("mermaidEscape", () => {
  it("escapes quotes, angle brackets, pipes, hashes and newlines", () => {
    expect(mermaidEscape('a "b" <c> d|e #f\ng')).toBe("a #quot;b#quot; #lt;c#gt; d#124;e #35;f g");
  });
});
