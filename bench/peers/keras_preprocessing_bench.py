"""keras_preprocessing as a peer of the bench's texts cases: one measurement per process.

    python3 bench/peers/keras_preprocessing_bench.py < request.json   (bench/peers/keras-preprocessing.ts writes it)
    python3 bench/peers/keras_preprocessing_bench.py --info           (one JSON line: the package's version)

The request is one JSON object: {"case": <a TextsCase of bench/cases.ts>, "textsFile": PATH,
"seconds": S}; the file holds the case's texts as a JSON array of strings (bench/texts.ts'). A step
is one call over all of them: fit_on_texts of a new Tokenizer(num_words), or texts_to_matrix(texts,
mode) by a tokenizer fitted on them beforehand. Calibration and measurement are bench/worker.ts';
the output is its one JSON line, with a checksum of the last call's result computed as bench/texts.ts
computes typegrad's.
"""

import hashlib
import json
import sys
import time

import keras_preprocessing
import numpy as np
from keras_preprocessing.text import Tokenizer


def sha256(data):
    return hashlib.sha256(data).hexdigest()[:16]


def fit_checksum(tokenizer):
    """The document count, then "word TAB count TAB documents" a line in index order, as UTF-16."""
    lines = [f"{tokenizer.document_count}\n"]
    for word, _ in sorted(tokenizer.word_index.items(), key=lambda item: item[1]):
        lines.append(f"{word}\t{tokenizer.word_counts[word]}\t{tokenizer.word_docs[word]}\n")
    return sha256("".join(lines).encode("utf-16-le", "surrogatepass"))


def matrix_checksum(matrix):
    """The values as float32, row-major, little-endian (typegrad's Float32Array)."""
    return sha256(np.ascontiguousarray(matrix, dtype="<f4").tobytes())


def runner(case, texts):
    """Returns run(steps) and checksum() of the last call's result."""
    last = {}
    if case["operation"] == "fitOnTexts":
        def run(steps):
            for _ in range(steps):
                tokenizer = Tokenizer(num_words=case["numWords"])
                tokenizer.fit_on_texts(texts)
                last["tokenizer"] = tokenizer
        return run, lambda: fit_checksum(last["tokenizer"])
    fitted = Tokenizer(num_words=case["numWords"])
    fitted.fit_on_texts(texts)
    mode = case["operation"]

    def run(steps):
        for _ in range(steps):
            last["matrix"] = None  # let the previous matrix go before the next is made
            last["matrix"] = fitted.texts_to_matrix(texts, mode=mode)
    return run, lambda: matrix_checksum(last["matrix"])


def calibrate(run, target):
    """Grows the step count until one call takes at least `target` seconds (bench/worker.ts's)."""
    steps = 1
    while steps < 2**30:
        start = time.perf_counter()
        run(steps)
        if time.perf_counter() - start >= target:
            return steps
        steps *= 2
    raise RuntimeError("keras_preprocessing_bench: a step takes no measurable time")


def main():
    if sys.argv[1:] == ["--info"]:
        print(json.dumps({"kerasPreprocessing": keras_preprocessing.__version__, "python": sys.executable}))
        return
    request = json.load(sys.stdin)
    case, seconds = request["case"], float(request["seconds"])
    with open(request["textsFile"], encoding="utf-8") as file:
        texts = json.load(file)
    if len(texts) != case["batch"]:
        raise ValueError(f"keras_preprocessing_bench: {len(texts)} texts in the file, the case says {case['batch']}")
    run, checksum = runner(case, texts)
    steps = calibrate(run, min(0.5, seconds / 4))
    total = 0
    elapsed = 0.0
    while elapsed < seconds:
        start = time.perf_counter()
        run(steps)
        elapsed += time.perf_counter() - start
        total += steps
    per_second = total / elapsed * case["batch"]
    print(json.dumps({"case": case["name"], "implementation": "keras_preprocessing", "perSecond": per_second,
                      "steps": total, "seconds": elapsed, "checksum": checksum()}))


if __name__ == "__main__":
    main()
