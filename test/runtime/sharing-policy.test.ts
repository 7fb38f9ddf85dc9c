import { describe, expect, it } from "vitest";
import { CPU_WINDOW_MS, FIRST_ALONE, MAX_ALONE, MAX_WINDOW_MS, MIN_ASKED_MS, MIN_HELPER_SHARE, SharingPolicy, WINDOW } from "../../runtime/gemm/sharing-policy";

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

/**
 * A process as the policy's clocks see it: each shared product takes `total` ms of wall time, with
 * the calling thread on a CPU throughout and its helper for `helperShare` of it; `idleMs` of the event
 * loop's idling (no CPU) between products.
 */
class FakeProcess {
  wall = 0;
  cpu = 0;
  idle = 0;
  readonly clock = { cpu: () => this.cpu, idle: () => this.idle };
  readonly now = () => this.wall;

  constructor(
    private readonly helperShare: number,
    private readonly idleMs = 0,
  ) {}

  /** One shared product of `total` ms (2 of its 4 chunks by the caller in 0.8 of it: 1.6 times as long alone, so the pace test passes), then the idling. */
  product(policy: SharingPolicy, total = 2): void {
    this.wall += total;
    this.cpu += total * (1 + this.helperShare);
    policy.record(total, 0.8 * total, 4, 2, 1);
    this.wall += this.idleMs;
    this.idle += this.idleMs;
  }

  /** Shared products until the policy loses a window; how many ran (at most `limit`). */
  sharedUntilLost(policy: SharingPolicy, limit: number): number {
    const lost = policy.lostWindows;
    for (let n = 1; n <= limit; n++) {
      expect(policy.share()).toBe(true);
      this.product(policy);
      if (policy.lostWindows > lost) return n;
    }
    return limit;
  }
}

describe("SharingPolicy with the process' CPU clock", () => {
  it("keeps sharing while the helper is on a CPU for most of the time it was asked for", () => {
    const machine = new FakeProcess(0.9);
    const policy = new SharingPolicy(machine.clock, machine.now);
    expect(machine.sharedUntilLost(policy, 5000)).toBe(5000);
    expect(policy.lostWindows).toBe(0);
  });

  it("stops sharing once a window of CPU_WINDOW_MS finds the helper on a CPU for under MIN_HELPER_SHARE of it, though the pace passes", () => {
    const machine = new FakeProcess(MIN_HELPER_SHARE - 0.1);
    const policy = new SharingPolicy(machine.clock, machine.now);
    // the first product starts the window; it is judged at the first product ending CPU_WINDOW_MS later
    expect(machine.sharedUntilLost(policy, 5000)).toBe(1 + CPU_WINDOW_MS / 2);
    expect(policy.lostWindows).toBe(1);
    expect(sharedOf(policy, FIRST_ALONE)).toBe(0);
    expect(policy.share()).toBe(true);
  });

  it("runs twice as many products alone after each further starved window, the passing pace notwithstanding", () => {
    const machine = new FakeProcess(0);
    const policy = new SharingPolicy(machine.clock, machine.now);
    for (const alone of [FIRST_ALONE, 2 * FIRST_ALONE, 4 * FIRST_ALONE]) {
      machine.sharedUntilLost(policy, 5000);
      expect(sharedOf(policy, alone)).toBe(0);
    }
    expect(policy.lostWindows).toBe(3);
  });

  it("does not take the event loop's idling for time the calling thread had no CPU", () => {
    const machine = new FakeProcess(0.9, 5);
    const policy = new SharingPolicy(machine.clock, machine.now);
    expect(machine.sharedUntilLost(policy, 2000)).toBe(2000);
  });

  it("leaves unjudged a window whose products asked the helpers for under MIN_ASKED_MS in MAX_WINDOW_MS", () => {
    const machine = new FakeProcess(0);
    const policy = new SharingPolicy(machine.clock, machine.now);
    // 1 ms products 30 ms apart, the gaps spent computing on the calling thread alone (not idling)
    for (let n = 0; n < 200; n++) {
      expect(policy.share()).toBe(true);
      machine.product(policy, 1);
      machine.wall += 30;
      machine.cpu += 30;
    }
    expect((200 * 1) / ((200 * 31) / MAX_WINDOW_MS)).toBeLessThan(MIN_ASKED_MS); // the products' time in each window
    expect(policy.lostWindows).toBe(0);
  });
});
