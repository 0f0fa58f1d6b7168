import pytest

from kameng.core.errors import DomainError
from kameng.inventory import parsing
from kameng.inventory.parsing import Entry, Malformed, parse_import


def codes(result):
    return [(e.line, e.code, e.password) for e in result.entries]


def reasons(result):
    return [(m.line, m.reason) for m in result.malformed]


def test_three_line_formats():
    r = parse_import(text="AAA111\nBBB222,pw2\nCCC333----pw3")
    assert codes(r) == [(1, "AAA111", None), (2, "BBB222", "pw2"), (3, "CCC333", "pw3")]
    assert r.malformed == []


@pytest.mark.parametrize("sep", ["\r\n", "\r", "\n"])
def test_windows_old_mac_and_unix_line_ends(sep):
    r = parse_import(text=sep.join(["A1", "B2,p", "C3"]) + sep)
    assert codes(r) == [(1, "A1", None), (2, "B2", "p"), (3, "C3", None)]


def test_mixed_line_ends_keep_line_numbers():
    r = parse_import(text="A1\r\nB2\rC3\nD4")
    assert [e.line for e in r.entries] == [1, 2, 3, 4]


def test_utf8_bom_dropped_in_bytes_and_text():
    assert codes(parse_import(data=b"\xef\xbb\xbfA1,p1\r\n")) == [(1, "A1", "p1")]
    assert codes(parse_import(text="\ufeffA1")) == [(1, "A1", None)]


def test_gb18030_file_from_chinese_notepad():
    data = "卡号,密码\r\n点卡０１２３,密码一\r\n".encode("gb18030")
    r = parse_import(data=data)
    assert r.header_skipped
    assert codes(r) == [(2, "点卡0123", "密码一")]


def test_undecodable_bytes_refused():
    with pytest.raises(DomainError) as exc:
        parse_import(data=b"\xff\xfeA\x00B\x00")  # UTF-16 LE
    assert exc.value.code == "inventory.import_bad_encoding"


def test_nul_in_decodable_bytes_refused_as_binary():
    with pytest.raises(DomainError) as exc:
        parse_import(data=b"A1\x00\x00B2")
    assert exc.value.code == "inventory.import_bad_encoding"


def test_full_width_characters_folded():
    r = parse_import(text="ＡＢＣ１２３，ｐａｓｓ\n０００９９－－－－ｐｗ")
    assert codes(r) == [(1, "ABC123", "pass"), (2, "00099", "pw")]


def test_full_width_space_around_code_stripped():
    assert codes(parse_import(text="\u3000ABC\u3000")) == [(1, "ABC", None)]


def test_spaces_and_tabs_around_fields_stripped():
    r = parse_import(text="  A1 \t,\t p1  \n\tB2----  p2\t")
    assert codes(r) == [(1, "A1", "p1"), (2, "B2", "p2")]


def test_leading_zeros_preserved():
    r = parse_import(text="000123\n0000,00")
    assert codes(r) == [(1, "000123", None), (2, "0000", "00")]
    assert isinstance(r.entries[0].code, str)


def test_blank_lines_skipped_not_malformed():
    r = parse_import(text="\n\nA1\n   \n\t\nB2\n\n")
    assert codes(r) == [(3, "A1", None), (6, "B2", None)]
    assert r.malformed == []
    assert r.total_lines == 2


@pytest.mark.parametrize(
    "line,reason",
    [
        ("AB CD", parsing.INNER_WHITESPACE),
        ("ABCD,pa ss", parsing.INNER_WHITESPACE),
        ("AB\tCD", parsing.INNER_WHITESPACE),
        ("AB\u3000CD", parsing.INNER_WHITESPACE),
        ("AB\x07CD", parsing.CONTROL_CHARACTER),
        ("AB\u200bCD", parsing.CONTROL_CHARACTER),
        ("A,B,C", parsing.TOO_MANY_SEPARATORS),
        ("A,B----C", parsing.TOO_MANY_SEPARATORS),
        ("A----B----C", parsing.TOO_MANY_SEPARATORS),
        (",pw", parsing.EMPTY_CODE),
        ("----pw", parsing.EMPTY_CODE),
        ("CODE,", parsing.EMPTY_PASSWORD),
        ("CODE,   ", parsing.EMPTY_PASSWORD),
        ("X" * 129, parsing.TOO_LONG),
        ("CODE," + "p" * 129, parsing.TOO_LONG),
    ],
)
def test_malformed_lines_have_line_number_and_reason(line, reason):
    r = parse_import(text=f"GOOD1\n{line}\nGOOD2")
    assert reasons(r) == [(2, reason)]
    assert [e.code for e in r.entries] == ["GOOD1", "GOOD2"]


def test_max_length_fields_accepted():
    r = parse_import(text="X" * 128 + "," + "p" * 128)
    assert len(r.entries) == 1


def test_single_hyphens_belong_to_the_code():
    assert codes(parse_import(text="ABCD-EFGH-1234")) == [(1, "ABCD-EFGH-1234", None)]
    assert codes(parse_import(text="ABCD-----pw")) == [(1, "ABCD", "pw")]


@pytest.mark.parametrize(
    "header", ["code,password", "卡号,密码", "CODE", "卡密", "Card_No----PWD", '"code","password"']
)
def test_header_line_skipped(header):
    r = parse_import(text=f"{header}\nA1,p1")
    assert r.header_skipped
    assert codes(r) == [(2, "A1", "p1")]


def test_header_only_on_first_line():
    r = parse_import(text="A1\ncode,password")
    assert not r.header_skipped
    assert codes(r) == [(1, "A1", None), (2, "code", "password")]


def test_quoted_csv_fields():
    assert codes(parse_import(text='"00012","pw"')) == [(1, "00012", "pw")]


def test_too_large_refused(settings):
    settings.KAMENG_IMPORT_MAX_BYTES = 10
    with pytest.raises(DomainError) as exc:
        parse_import(data=b"A" * 11)
    assert exc.value.code == "inventory.import_too_large"
    with pytest.raises(DomainError) as exc:
        parse_import(text="码" * 4)  # 12 bytes in UTF-8
    assert exc.value.code == "inventory.import_too_large"
    assert len(parse_import(data=b"A" * 10).entries) == 1


def test_too_many_lines_refused(settings):
    settings.KAMENG_IMPORT_MAX_LINES = 3
    assert len(parse_import(text="A\nB\nC\n\n\n").entries) == 3  # blank lines do not count
    with pytest.raises(DomainError) as exc:
        parse_import(text="A\nB\nC\nD")
    assert exc.value.code == "inventory.import_too_many_lines"


def test_result_types():
    r = parse_import(text="A,1\nB C")
    assert r.entries == [Entry(1, "A", "1")]
    assert r.malformed == [Malformed(2, parsing.INNER_WHITESPACE)]
