// The seed's regression of exam scores on hours studied, trained in both model styles.
import { runIfMain } from "../shared/run-main";
import { FunctionalRegression, SubclassRegression } from "./linear-regression.gen";

export const hours = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((h) => [h]);
export const scores = [11, 22, 33, 44, 53, 66, 77, 87, 95].map((s) => [s]);

export function main(log: (line: string) => void = console.log) {
  const functional = new FunctionalRegression();
  const subclass = new SubclassRegression();
  const options = { epochs: 300, verbose: 0 as const };
  const functionalHistory = functional.fit(hours, scores, options);
  subclass.fit(hours, scores, options);
  const [slope, intercept] = functional.getWeights().map((w) => w[0]!) as [number, number];
  log(`Functional:  score = ${slope.toFixed(4)} * hours + ${intercept.toFixed(4)}, loss ${functionalHistory.loss.at(-1)!.toFixed(4)}`);
  const [slope2, intercept2] = subclass.getWeights().map((w) => w[0]!) as [number, number];
  log(`Subclassing: score = ${slope2.toFixed(4)} * hours + ${intercept2.toFixed(4)}`);
  log(`prediction for 9.5 hours: ${functional.predict([[9.5]])[0]![0]!.toFixed(2)}`);
  return { functional: [slope, intercept], subclass: [slope2, intercept2], losses: functionalHistory.loss };
}

runIfMain(import.meta.url, main);
