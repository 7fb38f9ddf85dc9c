// keras.utils.to_categorical: class labels to one-hot rows (float32).

import { checkCount, describeValue } from "./check";

/** Labels 0..numClasses-1 as a row-major Float32Array of labels.length x numClasses. Default numClasses: the largest label + 1. */
export function toCategorical(labels: ArrayLike<number>, numClasses?: number): Float32Array {
  const what = "toCategorical";
  if (!Array.isArray(labels) && !(ArrayBuffer.isView(labels) && !(labels instanceof DataView))) throw new Error(`${what}: expected an array of integer class labels, got ${describeValue(labels)}`);
  const classes = checkCount(numClasses, "numClasses", what);
  let largest = -1;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (typeof label !== "number" || !Number.isInteger(label) || label < 0) throw new Error(`${what}: label ${i} is ${describeValue(label)}; expected a non-negative integer class`);
    if (classes !== undefined && label >= classes) throw new Error(`${what}: label ${i} is ${label}, outside the ${classes} classes [0, ${classes})`);
    largest = Math.max(largest, label);
  }
  const width = classes ?? largest + 1;
  const out = new Float32Array(labels.length * width);
  for (let i = 0; i < labels.length; i++) out[i * width + labels[i]!] = 1;
  return out;
}
