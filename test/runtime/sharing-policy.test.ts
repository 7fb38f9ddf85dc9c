import { describe, expect, it } from "vitest";
import { MAX_ALONE, SharingPolicy } from "../../runtime/gemm/sharing-policy";

/** How many of the next `count` products the policy shares. */
function sharedOf(policy: SharingPolicy, count: number): number {
  let shared = 0;
  for (let i = 0; i < count; i++) if (policy.share()) shared++;
  return shared;
}

describe("SharingPolicy", () => {
  it("shares every product while sharing is no slower than the calling thread's own pace", () => {
    const policy = new SharingPolicy();
    // 4 chunks, 2 of them computed here in 1 ms: alone would take 2 ms; shared took 1.2
    for (let i = 0; i < 100; i++) {
      expect(policy.share()).toBe(true);
      policy.record(1.2, 1, 4, 2);
    }
    expect(policy.stallCount).toBe(0);
  });

  it("after a stall runs 2, then 4, 8, ... products alone (at most MAX_ALONE), and forgets the stalls after a good share", () => {
    const policy = new SharingPolicy();
    const stall = () => policy.record(5, 1, 4, 2); // alone would take 2 ms; sharing took 5
    expect(policy.share()).toBe(true);
    stall();
    expect(sharedOf(policy, 2)).toBe(0);
    expect(policy.share()).toBe(true);
    stall();
    expect(sharedOf(policy, 4)).toBe(0);
    expect(policy.share()).toBe(true);
    policy.record(1.5, 1, 4, 2); // a good share
    expect(policy.share()).toBe(true);
    stall();
    expect(sharedOf(policy, 2)).toBe(0); // back to 2
    for (let i = 0; i < 20; i++) {
      sharedOf(policy, MAX_ALONE);
      if (policy.share()) stall();
    }
    expect(sharedOf(policy, MAX_ALONE)).toBe(0);
    expect(policy.share()).toBe(true); // never more than MAX_ALONE alone
    expect(policy.stallCount).toBeGreaterThan(20);
  });

  it("shares again at once after reset (new workers)", () => {
    const policy = new SharingPolicy();
    policy.record(5, 1, 4, 2);
    policy.reset();
    expect(policy.share()).toBe(true);
  });

  it("counts no stall when the workers computed every chunk", () => {
    const policy = new SharingPolicy();
    policy.record(3, 0, 4, 0);
    expect(policy.stallCount).toBe(0);
    expect(policy.share()).toBe(true);
  });
});
