import { describe, expect, it } from "vitest";
import { FIRST_ALONE, MAX_ALONE, SharingPolicy, WINDOW } from "../../runtime/gemm/sharing-policy";

/** How many of the next `count` products the policy shares. */
function sharedOf(policy: SharingPolicy, count: number): number {
  let shared = 0;
  for (let i = 0; i < count; i++) if (policy.share()) shared++;
  return shared;
}

/** A window of shared products: 4 chunks each, 2 computed by the caller in 1 ms (alone: 2 ms), each taking `total` ms. */
function windowOf(policy: SharingPolicy, total: number): void {
  for (let i = 0; i < WINDOW; i++) {
    expect(policy.share()).toBe(true);
    policy.record(total, 1, 4, 2);
  }
}

describe("SharingPolicy", () => {
  it("shares every product while sharing saves time", () => {
    const policy = new SharingPolicy();
    for (let w = 0; w < 10; w++) windowOf(policy, 1.2);
    expect(policy.lostWindows).toBe(0);
  });

  it("after a window that saved under 5% runs FIRST_ALONE products alone, twice as many after each further lost window, at most MAX_ALONE", () => {
    const policy = new SharingPolicy();
    windowOf(policy, 1.95); // 2.5% saved: lost
    expect(sharedOf(policy, FIRST_ALONE)).toBe(0);
    windowOf(policy, 3);
    expect(sharedOf(policy, 2 * FIRST_ALONE)).toBe(0);
    windowOf(policy, 1.2); // a window that saves: sharing goes on, and the count of lost windows starts again
    windowOf(policy, 3);
    expect(sharedOf(policy, FIRST_ALONE)).toBe(0);
    for (let i = 0; i < 20; i++) {
      windowOf(policy, 3);
      sharedOf(policy, MAX_ALONE);
    }
    expect(policy.share()).toBe(true); // never more than MAX_ALONE alone
    expect(policy.lostWindows).toBe(23);
  });

  it("judges the window as a whole: a few stalls among many gains still pay", () => {
    const policy = new SharingPolicy();
    for (let i = 0; i < WINDOW; i++) {
      expect(policy.share()).toBe(true);
      policy.record(i % 8 === 0 ? 3 : 1.1, 1, 4, 2); // 2 stalls of 3 ms, 14 products of 1.1 ms: 21.4 ms against 32 alone
    }
    expect(policy.lostWindows).toBe(0);
    expect(policy.share()).toBe(true);
  });

  it("shares again at once after reset (new workers)", () => {
    const policy = new SharingPolicy();
    windowOf(policy, 5);
    policy.reset();
    expect(policy.share()).toBe(true);
  });

  it("does not judge a product whose chunks the workers computed every one of", () => {
    const policy = new SharingPolicy();
    for (let i = 0; i < 2 * WINDOW; i++) policy.record(3, 0, 4, 0);
    expect(policy.lostWindows).toBe(0);
    expect(policy.share()).toBe(true);
  });
});
