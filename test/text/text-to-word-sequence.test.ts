// text_to_word_sequence, worked out from keras_preprocessing/text.py: lower(), each filter character
// -> split (str.maketrans), split(split), empty pieces dropped.

import { describe, expect, it } from "vitest";
import { DEFAULT_FILTERS, textToWordSequence } from "typegrad/text";

describe("textToWordSequence", () => {
  it("has Keras' default filters: punctuation, tab and newline, not the apostrophe", () => {
    expect(DEFAULT_FILTERS).toBe('!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n');
    expect(DEFAULT_FILTERS).not.toContain("'");
  });

  it("removes punctuation and lower-cases", () => {
    expect(textToWordSequence("Hello, World! The END...")).toEqual(["hello", "world", "the", "end"]);
    expect(textToWordSequence("e-mail foo@bar.com (x+y)=z")).toEqual(["e", "mail", "foo", "bar", "com", "x", "y", "z"]);
  });

  it("keeps apostrophes, straight and curly, inside words", () => {
    expect(textToWordSequence("Don't stop: it's 'quoted' l’été")).toEqual(["don't", "stop", "it's", "'quoted'", "l’été"]);
  });

  it("splits on tabs and newlines (they are filters) but not on \\r or other spaces", () => {
    expect(textToWordSequence("a\tb\nc")).toEqual(["a", "b", "c"]);
    expect(textToWordSequence("line\r\nend")).toEqual(["line\r", "end"]);
    expect(textToWordSequence("no\u00a0break em\u2003space")).toEqual(["no\u00a0break", "em\u2003space"]);
    expect(textToWordSequence("  many   spaces  ")).toEqual(["many", "spaces"]);
  });

  it("lower-cases accents and other scripts as Python's str.lower does", () => {
    expect(textToWordSequence("Café CAFÉ Ünïcödé ÅNGSTRÖM")).toEqual(["café", "café", "ünïcödé", "ångström"]);
    expect(textToWordSequence("cafe\u0301")).toEqual(["cafe\u0301"]); // combining accent stays, not composed
    expect(textToWordSequence("ΟΔΟΣ. ΣΑΣ Σ")).toEqual(["οδος", "σας", "σ"]); // final sigma
    expect(textToWordSequence("İI")).toEqual(["i\u0307i"]);
    expect(textToWordSequence("Straße ẞ")).toEqual(["straße", "ß"]);
    expect(textToWordSequence("Привет МИР 東京")).toEqual(["привет", "мир", "東京"]);
  });

  it("gives nothing for empty and filter-only texts", () => {
    expect(textToWordSequence("")).toEqual([]);
    expect(textToWordSequence(" ,.!? \t\n")).toEqual([]);
  });

  it("takes lower, filters and split", () => {
    expect(textToWordSequence("Hello World", { lower: false })).toEqual(["Hello", "World"]);
    expect(textToWordSequence("a.b, c", { filters: "" })).toEqual(["a.b,", "c"]);
    expect(textToWordSequence("a,b;c d", { split: ",", filters: ";" })).toEqual(["a", "b", "c d"]);
    expect(textToWordSequence("a, b,c, , d", { split: ", ", filters: "" })).toEqual(["a", "b,c", "d"]);
    // a filter character becomes the separator; "$&" is not a replacement pattern here
    expect(textToWordSequence("axb$&c", { split: "$&", filters: "x" })).toEqual(["a", "b", "c"]);
    // filters are code points: an emoji filter removes the whole emoji
    expect(textToWordSequence("a😀b", { filters: "😀" })).toEqual(["a", "b"]);
  });

  it("refuses what is not a string, an empty split, unknown options", () => {
    expect(() => textToWordSequence(42 as unknown as string)).toThrow(/textToWordSequence: expected a string, got a number \(42\)/);
    expect(() => textToWordSequence("a", { split: "" })).toThrow(/split must be a non-empty string/);
    expect(() => textToWordSequence("a", { lowercase: true } as never)).toThrow(/unknown option "lowercase"/);
    expect(() => textToWordSequence("a", { filters: null } as never)).toThrow(/filters must be a string/);
  });
});
