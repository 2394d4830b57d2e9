"""CSV and TSV: encodings, delimiters, quoting, headers, blank rows and row numbers."""

from __future__ import annotations

import codecs
import logging
from pathlib import Path

import pytest

from portflow.errors import InputError
from portflow.pipeline import read_inputs
from portflow.readers import is_secret_header, read_batch, read_input
from portflow.readers.text import decode

HEADER = "Site,Phone Number,Routing ID,Forward To,Line Type,Source,Notes"
ROWS = [
    'HQ,(415) 555-2671,RT-1,4155550000,voice,Google Ads,"front desk, main"',
    "Montréal,+1 514 555 0199,,,fax,,",
]


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-le", b""),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("cp1252", b""),
    ],
)
def test_every_encoding_reads_the_same_rows(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = "\r\n".join([HEADER, *ROWS]) + "\r\n"
    batch = read_batch([write(tmp_path, "list.csv", prefix + text.encode(encoding))])
    rows = batch.frame.select("source_row", "number", "routing_id", "Site", "Notes").rows()
    assert rows == [
        (2, "(415) 555-2671", "RT-1", "HQ", "front desk, main"),
        (3, "+1 514 555 0199", None, "Montréal", None),
    ]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    lines = [
        f"Phone{delimiter}Route ID{delimiter}Notes",
        f'4155552671{delimiter}R1{delimiter}"a, b; c | d"',
        f"4155552672{delimiter}R2{delimiter}plain",
    ]
    batch = read_batch([write(tmp_path, "list.csv", "\n".join(lines).encode())])
    assert batch.frame.select("number", "routing_id", "Notes").rows() == [
        ("4155552671", "R1", "a, b; c | d"),
        ("4155552672", "R2", "plain"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "3127824400,0;RT-1001\n3127824401,0;RT-1002\n",  # decimal commas
        "3127824400;Dallas, TX\n3127824401;Austin, TX\n",
    ],
)
def test_a_headerless_file_with_as_many_commas_as_semicolons_splits_on_semicolons(
    tmp_path: Path, text: str
) -> None:
    batch = read_batch([write(tmp_path, "list.csv", text.encode())])
    assert batch.frame.get_column("number").to_list() == [
        text.splitlines()[0].split(";")[0],
        text.splitlines()[1].split(";")[0],
    ]


def test_header_aliases_match_ignoring_case_spaces_and_punctuation(tmp_path: Path) -> None:
    header = "NUMBERS_TO_PORT,routing-id,Forward/Receiving Number,tracking.source,SERVICE TYPE"
    path = write(tmp_path, "list.csv", f"{header}\n4155552671,R1,4155550000,web,fax\n".encode())
    row = read_batch([path]).frame.row(0, named=True)
    assert (
        row["number"],
        row["routing_id"],
        row["receiving_number"],
        row["tracking_source"],
        row["service"],
    ) == ("4155552671", "R1", "4155550000", "web", "fax")


@pytest.mark.parametrize(
    "header",
    [
        "Phone Number*",
        "Phone Number (required)",
        "Number(s) to port",
        "Telephone Numbers",
        "Toll-Free Number",
        "Phone:",
        "Phone Numbers to Port",
        "Ported Numbers",
        "Tel #",
        "Telephone No.",
        "DID Number",
        "Numéro de téléphone",
    ],
)
def test_headers_with_marks_notes_and_plurals_are_recognised(tmp_path: Path, header: str) -> None:
    path = write(tmp_path, "list.csv", f"{header},Route ID (optional)\n4155552671,R1\n".encode())
    row = read_batch([path]).frame.row(0, named=True)
    assert (row["source_row"], row["number"], row["routing_id"]) == (2, "4155552671", "R1")


def test_a_file_named_twice_is_refused_and_a_copy_is_warned_about(tmp_path: Path) -> None:
    path = write(tmp_path, "list.csv", b"Phone\n4155552671\n")
    with pytest.raises(InputError, match="is named twice"):
        read_batch([path, str(tmp_path / "." / "list.csv")])
    copy = write(tmp_path, "copy.csv", b"Phone\n4155552671\n")
    batch = read_batch([path, copy])
    assert batch.frame.height == 2
    assert f"{copy} has the same content as {path}" in " ".join(batch.warnings)


def test_a_header_with_a_note_does_not_take_a_column_another_header_names(
    tmp_path: Path,
) -> None:
    header = "Number (old),Phone Number,Carrier (new),Current Carrier"
    path = write(tmp_path, "list.csv", f"{header}\n4155550000,4155552671,Twilio,AT&T\n".encode())
    row = read_batch([path]).frame.row(0, named=True)
    assert (row["number"], row["losing_carrier"]) == ("4155552671", "AT&T")
    assert (row["Number (old)"], row["Carrier (new)"]) == ("4155550000", "Twilio")


def test_a_separate_extension_column_is_carried_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "list.csv", b"Phone Number,Ext.\n4155552671,204\n4155552672,\n")
    batch = read_batch([path])
    assert batch.frame.get_column("Ext.").to_list() == ["204", None]
    assert f'{path}: column "Ext." holds an extension on 1 row(s)' in " ".join(batch.warnings)


def test_title_rows_above_the_header_count_in_row_numbers(tmp_path: Path) -> None:
    text = "Acme port list\nprepared 2026-11-01\n\nPhone,Notes\n4155552671,x\n"
    batch = read_batch([write(tmp_path, "list.csv", text.encode())])
    assert batch.frame.select("source_row", "number").rows() == [(5, "4155552671")]


def test_headerless_file_is_number_then_routing(tmp_path: Path) -> None:
    text = "4155552671,RT-1\n4155552672\n4155552673,RT-2,extra\n"
    batch = read_batch([write(tmp_path, "list.csv", text.encode())])
    assert batch.frame.select("source_row", "number", "routing_id", "column 3").rows() == [
        (1, "4155552671", "RT-1", None),
        (2, "4155552672", None, None),
        (3, "4155552673", "RT-2", "extra"),
    ]


def test_a_headerless_file_may_start_with_a_vanity_number(tmp_path: Path) -> None:
    """SPEC 1.1: a first row that already holds a phone number means no header, and vanity
    letters are a number format. `800 Numbers` or `800 NUMBERS` over numbers is a header,
    and a vanity number alone may be a title."""
    text = "1-800-FLOWERS,RT-2\n415-555-2612,RT-2\n"
    batch = read_batch([write(tmp_path, "vanity.csv", text.encode())])
    assert batch.frame.select("source_row", "number", "routing_id").rows() == [
        (1, "1-800-FLOWERS", "RT-2"),
        (2, "415-555-2612", "RT-2"),
    ]
    for header in ("800 Numbers", "800 NUMBERS"):
        headed = f"{header},Notes\n8003569377,a\n"
        with pytest.raises(InputError, match="no column looks like a phone number"):
            read_batch([write(tmp_path, "headed.csv", headed.encode())])
    with pytest.raises(InputError, match="no column looks like a phone number"):
        read_batch([write(tmp_path, "alone.csv", b"1-800-FLOWERS,RT-2\n")])


def test_numbers_above_the_header_row_are_named_not_dropped_silently(tmp_path: Path) -> None:
    """Rows above the header were dropped with no word. They are not read (a contact line
    or a list in other columns, read under this header, configured the wrong number), but
    a warning names them; a title's date is no number."""
    text = (
        "2026-11-20 10:32,,\n"
        "Prepared by,617-267-0707,\n"
        "4155552671,RT-1,\n"
        "Phone Number,Routing ID,Notes\n"
        "2125551234,RT-3,x\n"
    )
    source = read_input(write(tmp_path, "list.csv", text.encode()))
    assert source.tables[0].frame.select("source_row", "number").rows() == [(5, "2125551234")]
    assert [w for w in source.warnings if "above the header" in w] == [
        f"{tmp_path / 'list.csv'}: row(s) 2, 3 above the header row (row 4) hold phone numbers "
        "that are NOT read; if they are numbers to port, move them under the header, in its "
        "columns"
    ]


def test_a_huge_header_cell_is_carried_not_made_a_pattern(tmp_path: Path) -> None:
    """Looking for repeats of a 150,000-character header cell built a regex past polars'
    size limit: exit 1 with a 600 KB traceback (and rich spun on printing it)."""
    notes = "k" * 150_000
    text = f"Phone,{notes}\n4155552671,a\nPhone,{notes}\n4155552672,b\n"
    frame = read_batch([write(tmp_path, "list.csv", text.encode())]).frame
    assert frame.select("source_row", "number").rows() == [(2, "4155552671"), (4, "4155552672")]


def test_blank_rows_are_skipped_and_counted_but_trailing_ones_are_not(tmp_path: Path) -> None:
    text = "Phone,Notes\n4155552671,a\n,\n\n   ,  \n4155552672,b\n\n\n"
    batch = read_batch([write(tmp_path, "list.csv", text.encode())])
    assert batch.frame.select("source_row", "number").rows() == [
        (2, "4155552671"),
        (6, "4155552672"),
    ]
    assert batch.skipped_blank == 3


def test_a_row_with_values_but_no_number_is_kept(tmp_path: Path) -> None:
    text = "Phone,Notes\n,only a note\n"
    batch = read_batch([write(tmp_path, "list.csv", text.encode())])
    assert batch.frame.select("number", "Notes").rows() == [(None, "only a note")]


def test_quoted_newlines_keep_spreadsheet_row_numbers(tmp_path: Path) -> None:
    text = 'Phone,Notes\n4155552671,"two\nlines"\n4155552672,x\n'
    batch = read_batch([write(tmp_path, "list.csv", text.encode())])
    assert batch.frame.select("source_row", "Notes").rows() == [(2, "two\nlines"), (3, "x")]


def test_ragged_and_badly_quoted_rows_lose_nothing(tmp_path: Path) -> None:
    text = 'Phone,Notes\n4155552671,x"y\n4155552672,a,b\n4155552673,"never closed\n4155552674,z\n'
    source = read_input(write(tmp_path, "list.csv", text.encode()))
    frame = source.tables[0].frame
    assert frame.get_column("number").to_list() == [
        "4155552671",
        "4155552672",
        "4155552673",
        "4155552674",
    ]
    assert frame.get_column("column 3").to_list() == [None, "b", None, None]
    assert any("quotes" in warning for warning in source.warnings)


def test_a_stray_quote_costs_its_own_row_not_the_quoting_of_the_rest(tmp_path: Path) -> None:
    text = (
        "Phone,City,Route ID\n"
        '4155552671,"Dallas, TX",R1\n'
        '4155552672,"never closed,R1\n'
        '4155552673,"Austin, TX",R2\n'
        '4155552674,"a ""quoted"" word",R3\n'
    )
    source = read_input(write(tmp_path, "list.csv", text.encode()))
    frame = source.tables[0].frame
    assert frame.select("source_row", "number", "City", "routing_id").rows() == [
        (2, "4155552671", "Dallas, TX", "R1"),
        (3, "4155552672", '"never closed', "R1"),
        (4, "4155552673", "Austin, TX", "R2"),
        (5, "4155552674", 'a "quoted" word', "R3"),
    ]
    assert [w for w in source.warnings if "quotes" in w] == [
        f"{tmp_path / 'list.csv'}: quotes do not pair up in row(s) 3; in those rows quote "
        "characters were read as plain text"
    ]


def test_a_stray_quote_in_a_file_ending_with_a_quote_costs_its_own_row(tmp_path: Path) -> None:
    """Without a final line break, polars ran the stray quote's field to the end of the
    file: every row after it went into one Notes cell, with no warning."""
    text = 'Phone,Route ID,Notes\n4155552671,R1,"5" screen"\n4155552672,R2,"b"\n4155552673,R3,"c"'
    source = read_input(write(tmp_path, "list.csv", text.encode()))
    assert source.tables[0].frame.select("source_row", "number", "Notes").rows() == [
        (2, "4155552671", '"5" screen"'),
        (3, "4155552672", "b"),
        (4, "4155552673", "c"),
    ]
    assert any("quotes do not pair up in row(s) 2" in w for w in source.warnings)
    # A line break inside a quoted cell is no stray quote: the same rows either way.
    legit = 'Phone,Notes\n4155552671,"two\nlines"\n4155552672,"c"'
    source = read_input(write(tmp_path, "cell.csv", legit.encode()))
    assert source.tables[0].frame.select("source_row", "number", "Notes").rows() == [
        (2, "4155552671", "two\nlines"),
        (3, "4155552672", "c"),
    ]
    assert not source.warnings


def test_a_field_too_big_for_any_reading_is_refused_with_its_row(tmp_path: Path) -> None:
    text = 'Phone,Notes\n4155552671,x\n4155552672,"' + "n" * (17 * 1024 * 1024) + "\n"
    path = write(tmp_path, "list.csv", text.encode())
    with pytest.raises(InputError, match="field larger than field limit") as raised:
        read_input(path)
    assert raised.value.row == 3


def test_old_mac_line_endings(tmp_path: Path) -> None:
    batch = read_batch([write(tmp_path, "list.csv", b"Phone\r4155552671\r4155552672\r")])
    assert batch.frame.get_column("source_row").to_list() == [2, 3]


def test_a_cr_alone_among_lf_line_endings_breaks_the_line(tmp_path: Path) -> None:
    """Lines pasted together from two sources: polars breaks at LF only, and ran the CR
    lines into the header (two numbers became column names)."""
    data = b"Phone,Route ID\r4155552671,R1\r4155552672,R2\n4155552673,R3\r\n"
    batch = read_batch([write(tmp_path, "list.csv", data)])
    assert batch.frame.select("source_row", "number", "routing_id").rows() == [
        (2, "4155552671", "R1"),
        (3, "4155552672", "R2"),
        (4, "4155552673", "R3"),
    ]


def test_numbers_are_never_type_inferred(tmp_path: Path) -> None:
    text = "Phone,Zip\n4155552671.0,02134\n4.15555E+09,00501\n"
    batch = read_batch([write(tmp_path, "list.csv", text.encode())])
    assert batch.frame.select("number", "Zip").rows() == [
        ("4155552671.0", "02134"),
        ("4.15555E+09", "00501"),
    ]


def test_a_file_with_no_number_column_is_refused_with_the_headers_seen(tmp_path: Path) -> None:
    path = write(tmp_path, "wave2.csv", b"Foo,Bar\nx,y\n")
    with pytest.raises(InputError) as error:
        read_batch([path])
    assert str(error.value) == (
        f"{path}: no column looks like a phone number (headers seen: Foo, Bar)"
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty"),
        (b"\r\n\r\n", "the file is empty"),
        (codecs.BOM_UTF8, "the file is empty"),
        (bytes(range(256)) * 8, "not a text file"),
        (b"Phone\n4155552671 caf\x81\n", "unreadable encoding"),
    ],
)
def test_unreadable_files_are_refused_in_one_line(
    tmp_path: Path, data: bytes, problem: str
) -> None:
    path = write(tmp_path, "bad.csv", data)
    with pytest.raises(InputError) as error:
        read_batch([path])
    message = str(error.value)
    assert message.startswith(path) and problem in message and "\n" not in message


def test_missing_files_and_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_batch([str(tmp_path / "nope.csv")])
    with pytest.raises(InputError, match="is a folder"):
        read_batch([str(tmp_path)])


def test_carried_columns_from_several_files_line_up(tmp_path: Path) -> None:
    first = write(tmp_path, "a.csv", b"Phone,Site\n4155552671,HQ\n")
    second = write(tmp_path, "b.csv", b"Phone,Region\n4155552672,West\n")
    batch = read_batch([first, second])
    assert batch.carried == ["Site", "Region"]
    assert batch.frame.select("source_file", "Site", "Region").rows() == [
        (first, "HQ", None),
        (second, None, "West"),
    ]


def test_a_title_that_reads_like_a_header_does_not_hide_the_real_one(tmp_path: Path) -> None:
    text = "Numbers to port\n\nPhone,Routing ID\n4155552671,RT-1\n"
    batch = read_batch([write(tmp_path, "list.csv", text.encode())])
    assert batch.frame.select("source_row", "number", "routing_id").rows() == [
        (4, "4155552671", "RT-1")
    ]


def test_a_repeated_number_column_is_carried_with_a_warning(tmp_path: Path) -> None:
    source = read_input(write(tmp_path, "list.csv", b"Phone,Phone\n4155552671,4155552672\n"))
    assert source.tables[0].frame.select("number", "Phone").rows() == [("4155552671", "4155552672")]
    assert any('column "Phone" repeats "Phone"' in w for w in source.warnings)


def test_a_specific_header_wins_over_a_generic_one_for_the_same_column(tmp_path: Path) -> None:
    """`Routing` holds names beside `Routing ID`; `Number` counts rows beside `Phone Number`."""
    text = b"Number,Clinic,Phone Number,Routing,Routing ID\n1,North,4155552671,Sales,RT-1\n"
    source = read_input(write(tmp_path, "list.csv", text))
    assert source.tables[0].frame.select(
        "number", "routing_id", "Number (2)", "Routing"
    ).rows() == [("4155552671", "RT-1", "1", "Sales")]
    assert any(
        'column "Routing" repeats "Routing ID"; only "Routing ID" is read' in w
        for w in source.warnings
    )


@pytest.mark.parametrize("contact", ["Tel", "Tel #", "Telephone No", "DID Number"])
def test_a_contact_line_header_gives_way_to_phone_number(tmp_path: Path, contact: str) -> None:
    """`Clinic, Tel, Phone Number`: Tel is the clinic's line, which was ported (the first
    column that named the number won) while the list's numbers were only carried."""
    text = f"Clinic,{contact},Phone Number\nLoop,3128804410,4155552671\n".encode()
    source = read_input(write(tmp_path, "list.csv", text))
    assert source.tables[0].frame.select("number", contact).rows() == [("4155552671", "3128804410")]


def test_a_generic_number_header_that_holds_the_list_keeps_it(tmp_path: Path) -> None:
    """`Number, Clinic, Phone`: the numbers to port are under Number; Phone is the clinic's
    contact line. Only a Number column of row counters gives way."""
    text = (
        b"Number,Clinic,Phone\n4155552671,North,(617) 555-0100\n4155552672,North,(617) 555-0100\n"
    )
    source = read_input(write(tmp_path, "list.csv", text))
    assert source.tables[0].frame.get_column("number").to_list() == ["4155552671", "4155552672"]


def test_input_columns_named_like_portflow_columns_are_renamed(tmp_path: Path) -> None:
    text = b"number,row_id,source_row,_blank\n4155552671,a,b,c\n"
    batch = read_batch([write(tmp_path, "list.csv", text)])
    assert batch.frame.select(
        "source_row", "row_id (input)", "source_row (input)", "_blank"
    ).rows() == [(2, "a", "b", "c")]


def test_a_blank_header_beside_one_named_like_its_stand_in_keeps_both(tmp_path: Path) -> None:
    source = read_input(write(tmp_path, "list.csv", b"Phone,,column 2\n4155552671,a,b\n"))
    assert source.tables[0].frame.select("number", "column 2 (2)", "column 2").rows() == [
        ("4155552671", "a", "b")
    ]


def test_renamed_carried_columns_clash_with_no_header_of_any_input(tmp_path: Path) -> None:
    one = write(tmp_path, "one.csv", b"Phone,e164 (input),e164\n4155552671,a,b\n")
    two = write(tmp_path, "two.csv", b"Phone,e164\n4155552672,c\n")
    batch = read_inputs((str(one), str(two)))
    assert batch.frame.select("number", "e164 (input)", "e164 (input) (2)").rows() == [
        ("4155552671", "a", "b"),
        ("4155552672", None, "c"),
    ]


def test_a_header_without_rows_reads_and_says_so(tmp_path: Path) -> None:
    source = read_input(write(tmp_path, "list.csv", b"Phone,Notes\n"))
    assert source.tables[0].rows == 0
    assert source.warnings == [f"{tmp_path / 'list.csv'}: no data rows under the header"]


@pytest.mark.parametrize(
    ("data", "text", "cleaned"),
    [
        (b"Phone\n4155552671\n", "Phone\n4155552671\n", False),  # ASCII: bytes kept as they are
        ("Phone\nMontréal\n".encode(), "Phone\nMontréal\n", False),
        (codecs.BOM_UTF8 + b"Phone\n4155552671\n", "Phone\n4155552671\n", False),
        (b"Phone\n415555\x002671\n", "Phone\n4155552671\n", True),
        (b"Phone\r4155552671\r", "Phone\n4155552671\n", False),
        ("Phone\nMontréal\n".encode("cp1252"), "Phone\nMontréal\n", False),
    ],
)
def test_decoded_text_and_the_bytes_polars_reads_agree(
    data: bytes, text: str, cleaned: bool
) -> None:
    decoded = decode(data, file="list.csv")
    assert decoded.utf8 == text.encode("utf-8")
    assert decoded.text == text
    assert decoded.head(8) == text[:8]
    assert decoded.first_line() == "Phone"
    assert any("NUL" in warning for warning in decoded.warnings) == cleaned


def test_a_stray_nul_in_an_ascii_file_is_removed_with_a_warning(tmp_path: Path) -> None:
    source = read_input(write(tmp_path, "list.csv", b"Phone,Notes\n415555\x002671,a\n"))
    assert source.tables[0].frame.get_column("number").to_list() == ["4155552671"]
    assert any("NUL" in warning for warning in source.warnings)


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_utf8_bytes_are_read_by_character_before_any_str_is_made(bom: bytes) -> None:
    text = "１２３,Téléphone\n４１５５５５２６７１,Montréal\n"
    decoded = decode(bom + text.encode("utf-8"), file="list.csv")
    # A sample may end inside a character (the full-width digits take three bytes each).
    assert [decoded.head(size) for size in (1, 2, 5)] == ["１", "１２", "１２３,T"]
    assert decoded.first_line() == "１２３,Téléphone"
    assert decoded.utf8 == text.encode("utf-8")
    assert decoded.text == text


def test_bytes_that_are_not_utf8_are_windows_1252() -> None:
    decoded = decode("Phone,Site\n4155552671,Montréal ½\n".encode("cp1252"), file="list.csv")
    assert decoded.encoding == "cp1252"
    assert decoded.text == "Phone,Site\n4155552671,Montréal ½\n"


@pytest.mark.parametrize(
    ("header", "secret"),
    [
        *[(h, True) for h in ("PIN", "Port-Out PIN (4 digits)", "PIN - Verizon", "PIN 1")],
        *[(h, True) for h in ("\uff30\uff29\uff2e", "Passcode", "PIN/Passcode", "Security Code")],
        *[(h, True) for h in ("Acct #", "Account No.", "Account Nbr", "A/C Number", "BAN")],
        *[(h, True) for h in ("Carrier Account", "Billing Account", "Port Authorization Code")],
        *[(h, True) for h in ("AccountNumber", "PortOutPIN", "CarrierPIN", "AcctNum", "AcctNo")],
        *[(h, True) for h in ("PINCode", "Auth Code", "NIP", "Numéro de compte", "Mot de passe")],
        *[(h, True) for h in ("PINs", "Port-Out PINs", "ACCTNum")],
        *[(h, False) for h in ("SpinCycle", "PinnedNote", "AccountName", "Nom", "Numéro")],
        *[(h, True) for h in ("No de compte", "Numéro du compte", "N° de compte", "# de compte")],
        *[(h, False) for h in ("Nom du compte", "Type de compte", "Gestionnaire de compte")],
        *[(h, False) for h in ("Spin", "Lupin", "Map Pin", "Location Pin", "Shipping", "Pinned")],
        *[(h, False) for h in ("Opinion", "Account", "Account Name", "Account ID", "Banner")],
        *[(h, False) for h in ("Google Ads Acct", "Bank", "Notes", "Phone Number", "Acct ID")],
    ],
)
def test_headers_of_secrets_are_known_word_by_word(header: str, secret: bool) -> None:
    assert is_secret_header(header) is secret


def test_a_column_of_other_phone_numbers_is_named_in_a_warning(tmp_path: Path) -> None:
    """Fax and toll-free numbers beside the main one are not ported: say so."""
    path = tmp_path / "clinics.csv"
    path.write_text(
        "Clinic,Phone,Fax,Toll-Free,Ext,Routing ID,Notes\n"
        "North,415-555-2671,415-555-2680,(800) 555-0199,12,RT-1,call after 9\n"
        "South,415-555-2672,,1-888-555-0142,,RT-1,2 lines\n"
    )
    warnings = " ".join(read_batch([str(path)]).warnings)
    assert 'column "Fax" holds 1 phone number(s) that are not checked or ported' in warnings
    assert 'column "Toll-Free" holds 2 phone number(s)' in warnings
    assert (
        '"Clinic"' not in warnings and '"Notes"' not in warnings and '"Routing ID"' not in warnings
    )


def test_a_row_repeating_the_header_is_skipped_with_a_warning(tmp_path: Path) -> None:
    """Two lists pasted one under the other: the second header is no number to reject."""
    text = (
        b"Phone Number,Routing ID\n4155552671,RT-1\n"
        b"Phone Number,Routing ID\n4155552672,RT-2\n PHONE NUMBER , routing id\n"
    )
    batch = read_batch([write(tmp_path, "list.csv", text)])
    assert batch.frame.select("source_row", "number").rows() == [
        (2, "4155552671"),
        (4, "4155552672"),
    ]
    assert any("2 row(s) repeat the header row (row 3, 5); skipped" in w for w in batch.warnings)


@pytest.mark.parametrize("first", ['="3127825500"', "\u200e+1 312 782 5500", "\ufeff3127825500"])
def test_a_headerless_file_whose_first_number_has_a_mark_before_it_is_read(
    tmp_path: Path, first: str
) -> None:
    """Excel's `="..."` text form, and the invisible marks of text pasted from mail."""
    path = write(tmp_path, "list.csv", f"{first}\n3127825501\n".encode())
    assert read_batch([path]).frame.get_column("number").to_list()[1] == "3127825501"


def test_a_debug_log_of_a_file_polars_cannot_read_quotes_none_of_its_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """polars' message quotes raw lines: a PIN in a note would go to the log (and to
    Prefect's database, which keeps portflow's log records)."""
    caplog.set_level(logging.DEBUG, logger="portflow")
    data = b'Phone,Notes\n4155552671,"PIN 918273\n4155552672,acct 55501234567\n'
    read_input(write(tmp_path, "list.csv", data))
    assert "polars could not read" in caplog.text
    assert "918273" not in caplog.text and "55501234567" not in caplog.text


def test_a_list_without_a_known_number_header_names_the_columns_of_numbers(
    tmp_path: Path,
) -> None:
    """An Outlook contacts export: its phone columns come after the eighth header."""
    names = "First Name,Middle Name,Last Name,Title,Suffix,Nickname,Given Yomi,Surname Yomi"
    data = f"{names},Business Phone,Mobile Phone,Notes\nAda,,Lovelace,,,,,,(415) 555-2671,"
    data += "415-555-2672,call first\nBob,,Ng,,,,,,415.555.2673,,\n"
    with pytest.raises(InputError) as raised:
        read_input(write(tmp_path, "contacts.csv", data.encode()))
    assert str(raised.value).endswith(
        'Given Yomi, Surname Yomi, ...; "Business Phone", "Mobile Phone" hold phone numbers: '
        'head the one to port "Phone Number")'
    )


@pytest.mark.parametrize(
    ("data", "seen"),
    [
        (b"Carrier account number,55501234567\nPIN,0482\n", "Carrier account number, ***"),
        (b"Verizon acct 831-204-5567,Site\nx,y\n", "Verizon acct ***, Site"),
        (b"Billing info,,PIN,0482\n", "Billing info, PIN, ***"),
    ],
)
def test_headers_seen_in_a_refusal_show_no_secret(tmp_path: Path, data: bytes, seen: str) -> None:
    """A billing sheet's first row is a label and its value: the message goes to the
    console, summary.json and Prefect's database."""
    with pytest.raises(InputError) as raised:
        read_input(write(tmp_path, "billing.csv", data))
    assert f"(headers seen: {seen})" in str(raised.value)


@pytest.mark.parametrize(
    ("data", "encoding", "text"),
    [
        # Excel for Mac's "CSV (Macintosh)": é is 0x8e (Ž in Windows-1252), è 0x8f (none).
        (b"Site\rMontr\x8eal\r", "mac_roman", "Site\nMontréal\n"),
        (b"Site\nTrois-Rivi\x8fres\n", "mac_roman", "Site\nTrois-Rivières\n"),
        # Windows-1252 stays so where both read as words: ’ in don’t, œ in cœur.
        (b"Note\ndon\x92t\n", "cp1252", "Note\ndon’t\n"),
        (b"Note\nc\x9cur, Montr\xe9al\n", "cp1252", "Note\ncœur, Montréal\n"),
        # Capitals start words and fill addresses; an NBSP sits between digits.
        (
            "ÉCOLE SAINT-JÉRÔME,415\xa0555\xa02671\n".encode("cp1252"),
            "cp1252",
            "ÉCOLE SAINT-JÉRÔME,415\xa0555\xa02671\n",
        ),
        ("École,MONTRÉAL\n".encode("cp1252"), "cp1252", "École,MONTRÉAL\n"),
        # Dashes and quotes: Mac Roman makes letters of them (782ñ4400, ìMainî).
        (
            "(312) 782–4400,“Main” Street, Mon—Fri\n".encode("cp1252"),
            "cp1252",
            "(312) 782–4400,“Main” Street, Mon—Fri\n",
        ),
    ],
)
def test_single_byte_text_is_read_in_the_encoding_that_makes_words(
    data: bytes, encoding: str, text: str
) -> None:
    decoded = decode(data, file="list.csv")
    assert (decoded.encoding, decoded.text) == (encoding, text)
    assert bool(decoded.warnings) is (encoding == "mac_roman")


def test_utf8_with_a_line_pasted_in_windows_1252_keeps_the_rest_utf8() -> None:
    data = "Site,Routing\nQuébec,RT-1\n".encode() + b"Montr\xe9al,RT-2\n"
    decoded = decode(data, file="list.csv")
    assert decoded.text == "Site,Routing\nQuébec,RT-1\nMontréal,RT-2\n"
    assert decoded.warnings == [
        "list.csv: line(s) 3 are not UTF-8 like the rest of the file; read as Windows-1252 "
        "(check their accented letters)"
    ]


def test_an_undecodable_byte_names_its_line_whatever_the_line_ends() -> None:
    with pytest.raises(InputError, match=r"row 3: unreadable encoding: byte 0x81"):
        decode(b"Phone\r4155552671\rab\x81cd\r", file="list.csv")  # Mac Roman: abÅcd


def test_excels_sep_line_is_a_directive_not_a_row(tmp_path: Path) -> None:
    """Excel does not show `sep=;`: the header is its row 1, the first number row 2."""
    path = write(tmp_path, "list.csv", b"sep=;\r\nPhone Number;Notes\r\n415-956-4801;a,b\r\n")
    batch = read_batch([path])
    assert batch.frame.select("source_row", "number", "Notes").rows() == [
        (2, "415-956-4801", "a,b")
    ]
