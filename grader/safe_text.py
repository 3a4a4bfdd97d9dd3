"""Student text made inert before any report shows it.

A message, a name or captured output can carry terminal escapes (clear the screen, move the
cursor, retitle the window, hide text), control characters that XML refuses, or Unicode bidi
overrides that reorder what a reader sees. `clean` removes them and keeps every ordinary
character (a Chinese comment, "²", "‖"), tabs and newlines; a carriage return becomes a newline,
so nothing printed after it can overwrite what came before.
"""
from __future__ import annotations

import re
from typing import TypeVar

Plain = TypeVar("Plain")

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"                  # CSI: cursor moves, erase, colours
    r"|\x1b[\]PX^_][^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"   # OSC, DCS, SOS, PM, APC strings (a title, a link)
    r"|\x1b[ -/]*[0-~]?"                         # any other escape (charset switches, resets), or a lone ESC
    r"|\x9b[0-?]*[ -/]*[@-~]?"                   # CSI as one 8-bit C1 control
)
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"                # C0 but tab and newline, DEL, C1
    "\u00ad\u180e\u200b\u2060-\u2064\ufeff"      # soft hyphen, zero-width spaces and joiners, BOM
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u206f"   # bidi marks, embeddings, overrides, isolates
    "\ufff9-\ufffb\U000e0000-\U000e007f"         # interlinear annotations, tag characters (hidden ASCII)
    "\ufdd0-\ufdef\ufffe\uffff]"                 # noncharacters, which XML refuses
)
_SURROGATE = re.compile("[\ud800-\udfff]")       # lone halves, which no UTF-8 file can hold


def clean(text: str) -> str:
    """`text` without escape sequences, control or bidi characters; tabs and newlines kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return _INVISIBLE.sub("", _SURROGATE.sub("\ufffd", _ESCAPES.sub("", text)))


def one_line(text: str) -> str:
    """`clean`, with line breaks and tabs as spaces: for a name or a table cell."""
    return clean(text).translate({ord("\n"): " ", ord("\t"): " "})


def clean_strings(value: Plain) -> Plain:
    """Every string in plain JSON data (dicts, lists) cleaned; keys too."""
    if isinstance(value, str):
        return clean(value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {clean_strings(key): clean_strings(item) for key, item in value.items()}  # type: ignore[return-value]
    if isinstance(value, list):
        return [clean_strings(item) for item in value]  # type: ignore[return-value]
    return value
