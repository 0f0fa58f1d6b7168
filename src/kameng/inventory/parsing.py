"""Parse a card-key import (pasted text or an uploaded CSV/TXT file) into entries and malformed lines.

One key per line: ``code``, ``code,password`` or ``code----password``. What merchants actually
paste is messy, so each rule here is deliberate and tested:

- bytes are UTF-8 (BOM dropped), else GB18030 (what Chinese Windows Notepad saves), else refused;
- ``\\r\\n`` (Windows), ``\\r`` (old Mac) and ``\\n`` all end a line; line numbers count from 1;
- each line is NFKC-folded, so full-width digits/letters, the full-width comma ``，`` and
  full-width hyphens become ASCII before anything else looks at them;
- spaces and tabs around the code and the password are stripped; inside them they are an error;
- codes stay strings: ``000123`` is imported as ``000123``;
- blank lines are skipped; a header line (``code,password``, ``卡号,密码`` …) on the first
  non-blank line is skipped;
- more than one separator, an empty code or password, control/invisible characters and over-long
  fields make the line malformed, with its line number and a reason code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from kameng.core.errors import DomainError

MAX_CODE_LENGTH = 128
MAX_PASSWORD_LENGTH = 128

# Machine reason codes kept in the report; pages and API clients translate them.
EMPTY_CODE = "empty_code"
EMPTY_PASSWORD = "empty_password"
INNER_WHITESPACE = "inner_whitespace"
CONTROL_CHARACTER = "control_character"
TOO_MANY_SEPARATORS = "too_many_separators"
TOO_LONG = "too_long"

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DASH_SEPARATOR = re.compile(r"-{4,}")  # a run of four or more hyphens; single hyphens belong to codes

_HEADER_CODE = {"code", "codes", "card", "cardno", "card_no", "card number", "key", "卡号", "卡密", "卡密号", "卡号码"}
_HEADER_PASSWORD = {"password", "pass", "pwd", "secret", "密码", "卡密密码", "卡密码"}


@dataclass(frozen=True)
class Entry:
    line: int
    code: str
    password: str | None


@dataclass(frozen=True)
class Malformed:
    line: int
    reason: str


@dataclass
class ParseResult:
    entries: list[Entry] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    total_lines: int = 0  # non-blank lines, header included
    header_skipped: bool = False
    size_bytes: int = 0


def _limit_text(limit: int) -> str:
    return str(filesizeformat(limit))


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030; anything else, or binary content, is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise DomainError("inventory.import_bad_encoding") from exc
    if "\x00" in text:  # UTF-16 or a binary file that happened to decode
        raise DomainError("inventory.import_bad_encoding")
    return text


def _split_fields(line: str) -> list[str] | None:
    """The fields of one NFKC-folded line, or None when it has more than one separator."""
    commas = line.count(",")
    dashes = len(_DASH_SEPARATOR.findall(line))
    if commas + dashes > 1:
        return None
    if commas:
        return line.split(",")
    if dashes:
        return _DASH_SEPARATOR.split(line)
    return [line]


def _clean(value: str) -> str:
    value = value.strip(" \t")
    if len(value) >= 2 and value[0] == value[-1] == '"':  # a quoted CSV field, as spreadsheets write
        value = value[1:-1].strip(" \t")
    return value


def _problem(value: str, *, empty: str, max_length: int) -> str | None:
    if not value:
        return empty
    if any(ch.isspace() or unicodedata.category(ch).startswith("Z") for ch in value):
        return INNER_WHITESPACE
    # Cc control, Cf format (zero-width space, stray BOM), Co/Cn/Cs: invisible, would make two
    # different-looking codes compare equal or the same-looking code differ.
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        return CONTROL_CHARACTER
    if len(value) > max_length:
        return TOO_LONG
    return None


def _is_header(fields: list[str]) -> bool:
    names = [f.strip(" \t\"'").casefold() for f in fields]
    if not names or names[0] not in _HEADER_CODE:
        return False
    return len(names) == 1 or (len(names) == 2 and names[1] in _HEADER_PASSWORD)


def parse_import(*, text: str | None = None, data: bytes | None = None) -> ParseResult:
    """Parse pasted text or uploaded bytes. Raises DomainError for a refused import as a whole
    (too large, too many lines, unreadable encoding); bad lines are reported, not raised."""
    max_bytes = settings.KAMENG_IMPORT_MAX_BYTES
    max_lines = settings.KAMENG_IMPORT_MAX_LINES
    if data is not None:
        size = len(data)
        if size > max_bytes:
            raise DomainError("inventory.import_too_large", limit=_limit_text(max_bytes))
        source = decode(data)
    else:
        source = text or ""
        size = len(source.encode("utf-8", errors="surrogatepass"))
        if size > max_bytes:
            raise DomainError("inventory.import_too_large", limit=_limit_text(max_bytes))
        if "\x00" in source:
            raise DomainError("inventory.import_bad_encoding")
    source = source.removeprefix("\ufeff")

    lines = _LINE_BREAK.split(source)
    non_blank = sum(1 for raw in lines if raw.strip(" \t\u3000"))
    if non_blank > max_lines:
        raise DomainError("inventory.import_too_many_lines", limit=max_lines)

    result = ParseResult(total_lines=non_blank, size_bytes=size)
    seen_content = False
    for number, raw in enumerate(lines, start=1):
        line = unicodedata.normalize("NFKC", raw)
        if not line.strip(" \t"):
            continue
        fields = _split_fields(line)
        first = not seen_content
        seen_content = True
        if fields is None:
            result.malformed.append(Malformed(number, TOO_MANY_SEPARATORS))
            continue
        if first and _is_header(fields):
            result.header_skipped = True
            continue
        code = _clean(fields[0])
        problem = _problem(code, empty=EMPTY_CODE, max_length=MAX_CODE_LENGTH)
        password = None
        if problem is None and len(fields) == 2:
            password = _clean(fields[1])
            problem = _problem(password, empty=EMPTY_PASSWORD, max_length=MAX_PASSWORD_LENGTH)
        if problem is not None:
            result.malformed.append(Malformed(number, problem))
            continue
        result.entries.append(Entry(number, code, password))
    return result
