"""F9: one description per payroll file layout, used both to write a file and to read or
check one (docs/payroll-files.md).

A layout is a list of `Field`s (name, width, kind, alignment, pad) plus the file's
character set, line ending and, for delimited files, the separator. The same description
renders records (`render`), parses a file back into typed records (`parse`) and lists
everything in a file that breaks the layout (`validate`), so a test checks a file against
the very layout the renderer used, and a changed width changes both at once.

Kinds of field (the value handed to `render` → the text in the file → what `parse` returns):
    digits      "1004"            → "001004" (zero-padded) or "1004"  → "1004"
    text        "dep-økonomi"     → in the layout's character set     → "dep-økonomi"
    implied2    36600 (øre)       → "0000036600" (two implied decimals) → 36600
    decimal2    36600 (øre)       → "366.00"                          → 36600
    ddmmyy      date(2026,11,30)  → "301126"                          → date(2026, 11, 30)
    yyyymmdd    date(2026,11,30)  → "20261130"                        → date(2026, 11, 30)
    constant    (not given)       → `Field.constant`, e.g. "0015"     → "0015"
Quantities are hundredths too (1 → 100 → "0000000100" / "1.00").

A value wider than its field is refused (`PayrollFileInvalid` naming the field), never cut,
except a text field marked `truncate` (Visma's free text, at most 40 characters).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from skysentral.domain.errors import PayrollFileInvalid

KINDS = ("digits", "text", "implied2", "decimal2", "ddmmyy", "yyyymmdd", "constant")
_DATE_FORMATS = {"ddmmyy": "%d%m%y", "yyyymmdd": "%Y%m%d"}
_DIGITS = re.compile(r"[0-9]+")
_DECIMAL2 = re.compile(r"-?[0-9]+\.[0-9]{2}")
# H&L is plain ASCII: the Norwegian letters are spelled out the way Norwegians do without them.
_ASCII_SPELLING = str.maketrans({"æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "å": "a", "Å": "A"})


@dataclass(frozen=True)
class Field:
    name: str
    width: int  # fixed width: exactly this many characters; delimited: at most (0: no limit)
    kind: str
    align: str = "left"  # "left" | "right"
    pad: str = " "
    constant: str = ""  # the value of a `constant` field ("" = always empty)
    truncate: bool = False  # text only: cut to `width` instead of refusing a longer value
    description: str = ""


@dataclass(frozen=True)
class Layout:
    name: str
    fields: tuple[Field, ...]
    charset: str  # "ascii" | "cp1252"
    line_ending: str  # "\r\n" | "\n"
    separator: str | None = None  # None: fixed width

    def __post_init__(self) -> None:
        for f in self.fields:
            assert f.kind in KINDS, f"{self.name}.{f.name}: unknown kind {f.kind}"
            assert f.align in ("left", "right") and len(f.pad) == 1, f"{self.name}.{f.name}"
            assert self.separator or f.width > 0, f"{self.name}.{f.name}: a fixed-width field needs a width"

    @property
    def fixed_width(self) -> bool:
        return self.separator is None

    @property
    def record_width(self) -> int:
        """The characters of a record without its line ending (fixed-width layouts)."""
        return sum(f.width for f in self.fields)

    @property
    def line_ending_name(self) -> str:
        return {"\r\n": "CRLF", "\n": "LF"}.get(self.line_ending, repr(self.line_ending))

    def positions(self) -> list[tuple[Field, int]]:
        """Each field with its 1-based start position (fixed-width layouts)."""
        out, start = [], 1
        for f in self.fields:
            out.append((f, start))
            start += f.width
        return out

    # ------------------------------------------------------------------ writing
    def in_charset(self, text: str) -> str:
        """Text as this file's character set can carry it: no control characters (a line
        break would end the record), no separator; cp1252 keeps æøå and replaces what it
        lacks with '?'; ASCII spells æøå as ae/o/a, drops accents (é → e), else '?'."""
        text = "".join(ch for ch in text if ch.isprintable())
        if self.separator:
            text = text.replace(self.separator, "")
        if self.charset == "ascii":
            text = unicodedata.normalize("NFKD", text.translate(_ASCII_SPELLING))
            text = "".join(ch for ch in text if not unicodedata.combining(ch))
        return text.encode(self.charset, errors="replace").decode(self.charset)

    def value_text(self, field: Field, value: Any) -> str:
        """A field's value as text, before padding."""
        if field.kind == "constant":
            return field.constant
        if field.kind == "digits":
            text = str(value)
            if not _DIGITS.fullmatch(text):
                raise PayrollFileInvalid(f"{field.name} must be digits, got {text!r}.")
            return text
        if field.kind == "text":
            return self.in_charset(str(value))
        if field.kind in ("implied2", "decimal2"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise PayrollFileInvalid(f"{field.name} must be a whole number of hundredths, got {value!r}.")
            if field.kind == "implied2":
                if value < 0:
                    raise PayrollFileInvalid(f"{field.name} cannot be negative in this layout, got {value}.")
                return str(value)
            sign = "-" if value < 0 else ""
            whole, rest = divmod(abs(value), 100)
            return f"{sign}{whole}.{rest:02d}"
        if not isinstance(value, date) or isinstance(value, datetime):
            raise PayrollFileInvalid(f"{field.name} must be a date, got {value!r}.")
        return value.strftime(_DATE_FORMATS[field.kind])

    def field_text(self, field: Field, value: Any) -> str:
        text = self.value_text(field, value)
        if field.width and len(text) > field.width:
            if field.kind == "text" and field.truncate:
                text = text[: field.width]
            else:
                raise PayrollFileInvalid(
                    f"{field.name} {text!r} is {len(text)} characters; "
                    f"the {self.name} layout has room for {field.width}."
                )
        if not self.fixed_width:
            return text
        pad = self._pad(field)
        return text.ljust(field.width, pad) if field.align == "left" else text.rjust(field.width, pad)

    @staticmethod
    def _pad(field: Field) -> str:
        """Text and constants are padded with spaces (an empty field is blank); numbers as the
        field says."""
        return " " if field.kind in ("text", "constant") else field.pad

    def record(self, values: Mapping[str, Any]) -> str:
        """One record (without its line ending); `values` names every field but constants."""
        texts = [self.field_text(f, None if f.kind == "constant" else values[f.name]) for f in self.fields]
        return self.separator.join(texts) if self.separator is not None else "".join(texts)

    def render(self, records: Iterable[Mapping[str, Any]]) -> bytes:
        return self.encode(self.record(r) for r in records)

    def encode(self, lines: Iterable[str]) -> bytes:
        """Records as the file's bytes: each ends with the line ending, the last one too."""
        return "".join(line + self.line_ending for line in lines).encode(self.charset)

    # ------------------------------------------------------------------ reading
    def validate(self, content: bytes) -> list[str]:
        """Every way the file breaks this layout ("line 2, amount: …"); [] if it follows it."""
        return self._read(content)[1]

    def parse(self, content: bytes) -> list[dict[str, Any]]:
        """The records of a file that follows this layout, typed as the kinds say; a file that
        does not is refused with its problems."""
        records, problems = self._read(content)
        if problems:
            raise PayrollFileInvalid(f"Not a {self.name} file: " + "; ".join(problems[:10]))
        return records

    def _read(self, content: bytes) -> tuple[list[dict[str, Any]], list[str]]:
        try:
            text = content.decode(self.charset)
        except UnicodeDecodeError as exc:
            return [], [f"byte {exc.start}: not {self.charset}"]
        problems: list[str] = []
        if not text:
            return [], []
        if not text.endswith(self.line_ending):
            problems.append(f"the last line does not end with {self.line_ending_name}")
        lines = text.split(self.line_ending)
        if lines[-1] == "":
            lines.pop()
        records = []
        for number, line in enumerate(lines, start=1):
            if "\r" in line or "\n" in line:
                problems.append(f"line {number}: a line ending other than {self.line_ending_name}")
                continue
            record, line_problems = self._read_record(line)
            problems += [f"line {number}, {p}" if not p.startswith("line") else p for p in line_problems]
            records.append(record)
        return records, problems

    def _read_record(self, line: str) -> tuple[dict[str, Any], list[str]]:
        if self.separator is not None:
            parts = line.split(self.separator)
            if len(parts) != len(self.fields):
                return {}, [f"{len(parts)} columns, the layout has {len(self.fields)}"]
        else:
            if len(line) != self.record_width:
                return {}, [f"{len(line)} characters, the layout has {self.record_width}"]
            parts = [line[start - 1 : start - 1 + f.width] for f, start in self.positions()]
        record: dict[str, Any] = {}
        problems: list[str] = []
        for field, raw in zip(self.fields, parts, strict=True):
            try:
                record[field.name] = self._read_field(field, raw)
            except ValueError as exc:
                problems.append(f"{field.name}: {exc}")
        return record, problems

    def _read_field(self, field: Field, raw: str) -> Any:
        if self.separator is not None:
            if field.width and len(raw) > field.width:
                raise ValueError(f"{len(raw)} characters, at most {field.width}")
            value = raw
        else:
            value = self._unpadded(field, raw)
        if field.kind == "constant":
            if value != field.constant:
                raise ValueError(f"{raw!r}, expected {field.constant!r}")
            return value
        if field.kind == "text":
            if self.in_charset(value) != value:
                raise ValueError(f"{value!r} has characters the layout does not allow")
            return value
        if field.kind == "digits":
            if not _DIGITS.fullmatch(value):
                raise ValueError(f"{raw!r} is not digits")
            return value
        if field.kind == "implied2":
            if not _DIGITS.fullmatch(value):
                raise ValueError(f"{raw!r} is not digits (two implied decimals)")
            return int(value)
        if field.kind == "decimal2":
            if not _DECIMAL2.fullmatch(value):
                raise ValueError(f"{raw!r} is not a number with '.' and two decimals")
            whole, _, rest = value.lstrip("-").partition(".")
            amount = int(whole) * 100 + int(rest)
            return -amount if value.startswith("-") else amount
        try:
            return datetime.strptime(value, _DATE_FORMATS[field.kind]).date()  # noqa: DTZ007 a calendar date
        except ValueError:
            raise ValueError(f"{raw!r} is not a date {field.kind.upper()}") from None

    def _unpadded(self, field: Field, raw: str) -> str:
        """A fixed-width field's value without its padding; padding on the wrong side (a
        misaligned value) is a problem. Empty text and constant fields are all spaces."""
        pad = self._pad(field)
        if field.kind in ("text", "constant") and raw.strip(" ") == "":
            return ""
        if field.align == "left":
            value = raw.rstrip(pad)
            if pad == " " and value != value.lstrip(" "):
                raise ValueError(f"{raw!r} is not left-aligned")
        else:
            value = raw.lstrip(pad)
            if pad == " " and value != value.rstrip(" "):
                raise ValueError(f"{raw!r} is not right-aligned")
            if pad == "0" and field.kind in ("digits", "implied2") and value == "":
                value = "0"
        return value
