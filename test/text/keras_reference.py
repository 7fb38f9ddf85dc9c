"""Reference outputs of keras_preprocessing for test/text/keras-differential.test.ts.

Reads one JSON request on stdin, writes one JSON answer on stdout. Run with Debian's
/usr/bin/python3 and its package python3-keras-preprocessing.
"""
import json
import sys

from keras_preprocessing.sequence import pad_sequences
from keras_preprocessing.text import Tokenizer, text_to_word_sequence, tokenizer_from_json

MODES = ["binary", "count", "tfidf", "freq"]
KWARGS = {"numWords": "num_words", "filters": "filters", "lower": "lower", "split": "split",
          "charLevel": "char_level", "oovToken": "oov_token"}


def kwargs(options, names):
    return {names[k]: v for k, v in options.items()}


def matrices(tokenizer, sequences):
    return {mode: tokenizer.sequences_to_matrix(sequences, mode=mode).tolist() for mode in MODES}


def run_case(case):
    tokenizer = Tokenizer(**kwargs(case["options"], KWARGS))
    for texts in case["fits"]:
        tokenizer.fit_on_texts(texts)
    sequences = tokenizer.texts_to_sequences(case["apply"])
    loaded = tokenizer_from_json(case["ourJson"])
    return {
        "wordIndex": list(tokenizer.word_index.items()),
        "indexWord": list(tokenizer.index_word.items()),
        "wordCounts": list(tokenizer.word_counts.items()),
        "wordDocs": sorted(tokenizer.word_docs.items()),
        "indexDocs": sorted(tokenizer.index_docs.items()),
        "documentCount": tokenizer.document_count,
        "sequences": sequences,
        "texts": tokenizer.sequences_to_texts(sequences + case["extraSequences"]),
        "matrices": {mode: tokenizer.texts_to_matrix(case["apply"], mode=mode).tolist() for mode in MODES},
        "sequenceMatrices": matrices(tokenizer, case["extraSequences"]),
        "json": tokenizer.to_json(),
        # our toJson() read by Keras: the same sequences and matrices?
        "fromOurJson": {
            "sequences": loaded.texts_to_sequences(case["apply"]),
            "matrices": {mode: loaded.texts_to_matrix(case["apply"], mode=mode).tolist() for mode in MODES},
        },
    }


def main():
    request = json.load(sys.stdin)
    answer = {
        "cases": [run_case(case) for case in request["cases"]],
        "words": [text_to_word_sequence(w["text"], **kwargs(w["options"], KWARGS)) for w in request["words"]],
        "pads": [pad_sequences(p["sequences"], **p["options"]).tolist() for p in request["pads"]],
    }
    json.dump(answer, sys.stdout)


main()
