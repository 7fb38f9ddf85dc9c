import { expect, it } from "vitest";
import { main } from "./main";

// A slice of 5,000 reviews (4,000 to train on, 20 % of them for validation; 1,000 to test), the
// SimpleRNN model, 3 epochs of the example's settings (batch 32, RMSprop), as the example trains:
// 0.707 of the test reviews right, where 2 epochs gave 0.652, so near the bar that a change in the
// last bits of a product or an activation could move it under.
it("the SimpleRNN tells positive from negative reviews well above chance", async () => {
  const lines: string[] = [];
  const { accuracies, positive } = await main((line) => lines.push(line), { limit: 5000, testFraction: 0.2, epochs: 3, models: ["simpleRNN"], verbose: 0 });
  const accuracy = accuracies.simpleRNN!;
  expect(lines).toContain(`simpleRNN test accuracy: ${accuracy.toFixed(4)}`);
  // Half the test reviews are positive: answering one class scores about 0.5, and chance stays
  // within 0.016 (one standard deviation over 1,000 reviews).
  expect(Math.abs(positive - 0.5)).toBeLessThan(0.03);
  expect(accuracy).toBeGreaterThan(0.65);
}, 180_000);
