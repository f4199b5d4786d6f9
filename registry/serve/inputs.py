"""A ``POST /predict`` body to the run's inputs, or one ``RequestError`` saying what is wrong.

Bodies are untrusted: a JSON ``{"inputs": [...]}`` of texts (lists of words for a token
head), or for an image run base64 images (``{"inputs": [{"image": "<base64>"}]}``) or a
multipart upload of image files. Strings are never file paths, images are decoded here
(so a file that is not one is that request's 400) and held to a pixel limit.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import warnings
from dataclasses import dataclass
from typing import Any

#: Larger images are refused (PIL's decompression-bomb guard, made an error).
MAX_PIXELS = 40_000_000


class RequestError(Exception):
    """A request the server cannot answer: its HTTP status and one line saying why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Parsed:
    inputs: list[Any]
    #: What each prediction echoes as its ``input`` (the text, the words, an upload's name).
    shown: list[Any]


def check_count(n: int, max_inputs: int) -> None:
    if n == 0:
        raise RequestError(400, "'inputs' is empty: give at least one input")
    if n > max_inputs:
        raise RequestError(413, f"{n} inputs is more than this server takes in one request "
                                f"({max_inputs}, its --max-inputs): split them up")


def parse_json(body: bytes, images: bool, words: bool, max_inputs: int) -> Parsed:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(400, f"the body is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or "inputs" not in data:
        raise RequestError(400, 'the body must be a JSON object {"inputs": [...]}')
    items = data["inputs"]
    if not isinstance(items, list):
        raise RequestError(400, f"'inputs' must be a list, not {_kind(items)}")
    check_count(len(items), max_inputs)
    if images:
        decoded = [_base64_image(item, i) for i, item in enumerate(items)]
        return Parsed(decoded, [item.get("name", i) for i, item in enumerate(items)])
    for i, item in enumerate(items):
        if words:
            if not isinstance(item, list) or not all(isinstance(w, str) for w in item):
                raise RequestError(400, f"input {i}: this run labels words: give each input as "
                                        f"a list of strings, not {_kind(item)}")
        elif not isinstance(item, str):
            raise RequestError(400, f"input {i}: this run labels texts: give each input as a "
                                    f"string, not {_kind(item)}")
    return Parsed(list(items), list(items))


def parse_files(files: list[tuple[str, bytes]], images: bool, max_inputs: int) -> Parsed:
    """A multipart upload's files (name and bytes), every one an image."""
    if not images:
        raise RequestError(415, "this run labels texts: send JSON {\"inputs\": [...]}, "
                                "not a multipart upload")
    check_count(len(files), max_inputs)
    return Parsed([decode_image(data, f"input {i} ({name})") for i, (name, data) in enumerate(files)],
                  [name for name, _ in files])


def _base64_image(item: Any, i: int) -> Any:
    if not isinstance(item, dict) or not isinstance(item.get("image"), str):
        raise RequestError(400, f"input {i}: this run labels images: give each input as "
                                f'{{"image": "<base64>"}} or upload files, not {_kind(item)}')
    try:
        data = base64.b64decode(item["image"], validate=True)
    except (binascii.Error, ValueError):
        raise RequestError(400, f"input {i}: 'image' is not valid base64") from None
    return decode_image(data, f"input {i}")


def decode_image(data: bytes, what: str) -> Any:
    """The bytes as a loaded PIL image, or a 400 naming ``what``."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise RequestError(413, f"{what}: {image.width}x{image.height} is more than "
                                            f"this server's {MAX_PIXELS:,} pixels")
                image.load()
                return image.copy()
    except RequestError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError,
            OSError, ValueError, SyntaxError) as exc:
        reason = "not an image PIL can read" if isinstance(exc, UnidentifiedImageError) else \
            " ".join(str(exc).split()) or type(exc).__name__
        raise RequestError(400, f"{what} is not a readable image ({reason})") from None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), type(value).__name__)
