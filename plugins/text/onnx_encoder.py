"""The text domain's inputs for ONNX Runtime: the run's tokenizer.json read by the
``tokenizers`` library, with no torch or transformers, giving what ``TextDomain.encode`` gives."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zoo.errors import UsageError



class TokenizersEncoder:
    def __init__(self, folder: Path, config: dict[str, Any], words: bool) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(int(config["max_length"]))
        self.inputs = list(config["inputs"])
        self.pad = {"input_ids": int(config["pad_id"]), "attention_mask": 0, "token_type_ids": 0}
        self.words = words

    def encode(self, inputs: Sequence[Any]) -> list[dict[str, Any]]:
        if self.words and not all(isinstance(x, (list, tuple)) for x in inputs):
            raise UsageError("this run's head needs each input as a list of words")
        if not self.words and not all(isinstance(x, str) for x in inputs):
            raise UsageError("this run's head needs each input as a string")
        batch = [list(x) for x in inputs] if self.words else list(inputs)
        encodings = self.tokenizer.encode_batch(batch, is_pretokenized=self.words)
        features = []
        for enc in encodings:
            values = {"input_ids": list(enc.ids), "attention_mask": list(enc.attention_mask),
                      "token_type_ids": list(enc.type_ids)}
            feature: dict[str, Any] = {k: values[k] for k in self.inputs}
            if self.words:
                ids = enc.word_ids
                feature["word_starts"] = [w is not None and (j == 0 or ids[j - 1] != w)
                                          for j, w in enumerate(ids)]
            features.append(feature)
        return features

    def collate(self, features: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import numpy as np

        width = max(len(f["input_ids"]) for f in features)
        return {key: np.asarray([f[key] + [self.pad[key]] * (width - len(f[key])) for f in features],
                                dtype=np.int64)
                for key in self.inputs}
