"""Hypothesis strategies for phone numbers as people and spreadsheets write them."""

from __future__ import annotations

from hypothesis import strategies as st

AREA_CODES = [
    "415",
    "212",
    "416",
    "604",
    "800",
    "888",
    "876",
    "787",
    "983",
    "523",
    "900",
    "500",
    "310",
    "999",
    "123",
    "011",
    "264",
    "905",
    "514",
    "340",
]


@st.composite
def nanp_digits(draw: st.DrawFn) -> tuple[str, str, str]:
    npa = draw(st.one_of(st.sampled_from(AREA_CODES), st.from_regex(r"\A\d{3}\Z")))
    nxx = draw(
        st.one_of(
            st.sampled_from(["555", "911", "211", "011", "200", "356"]), st.from_regex(r"\A\d{3}\Z")
        )
    )
    line = draw(
        st.one_of(
            st.sampled_from(["0100", "0150", "0199", "0200", "2671"]), st.from_regex(r"\A\d{4}\Z")
        )
    )
    return npa, nxx, line


SEPARATORS = st.sampled_from(
    # Word, Outlook and web pages: dashes, a minus, odd and zero-width spaces, a soft hyphen.
    ["", " ", "-", ".", "/", "  ", " - ", "\u00a0", "\t", "_", ")", "\u3000", "\uff0d", "\u202f"]
    + ["\u2010", "\u2011", "\u2013", "\u2014", "\u2212", "\u2009", "\u200b", "\u00ad", "\u2060"]
    + ["\u205f", "\u2013 ", "\ufeff", "\u30fc"]
)
PREFIXES = st.sampled_from(
    [
        "",
        "1",
        "1 ",
        "1-",
        "+1",
        "+1 ",
        "+1-",
        "+ 1 ",
        "011 1 ",
        "0011",
        "+44 ",
        "+",
        "++1",
        "001 ",
        "(1) ",
        "1.",
        "\uff0b1 ",
        "0111",
        "-1 ",
    ]
)
WRAPPERS = st.sampled_from(
    [
        ("", ""),
        ("'", ""),
        ('"', '"'),
        (" ", " "),
        ("' ", ""),
        ("\"'", '"'),
        ("(", ""),
        ("", ")"),
        ("'", "'"),
        ("\u201c", "\u201d"),
        ("\u200b", ""),
        ("", "\u200b"),
        ("\t", "\t"),
        ("\u2009", "\u2060"),
    ]
)
SUFFIXES = st.sampled_from(
    [
        "",
        ".0",
        ".00",
        " x123",
        " ext. 5",
        "#204",
        " ext",
        ",",
        "-",
        "x",
        " (cell)",
        "E+09",
        ";ext=12",
        " X 12",
        "ext.12",
        " # 5",
        " x1234567",
        " extension 12",
        " EXT 99",
        "x0",
    ]
)


@st.composite
def messy_numbers(draw: st.DrawFn) -> str:
    npa, nxx, line = draw(nanp_digits())
    sep1, sep2 = draw(SEPARATORS), draw(SEPARATORS)
    area = f"({npa})" if draw(st.booleans()) else npa
    body = f"{draw(PREFIXES)}{area}{sep1}{nxx}{sep2}{line}"
    if draw(st.integers(0, 9)) == 0:  # drop or add a digit
        body = body[:-1] if draw(st.booleans()) else body + draw(st.sampled_from("0123456789"))
    if draw(st.integers(0, 14)) == 0:  # full-width digits
        body = body.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    start, end = draw(WRAPPERS)
    return f"{start}{body}{draw(SUFFIXES)}{end}"


EXCEL_DAMAGE = st.one_of(
    st.from_regex(r"\A[2-9]\.\d{1,6}E\+(09|10)\Z"),
    st.from_regex(r"\A[1-9][.,][0-9]{8,11}[eE]\+?(0?9|10)\Z"),  # some with every digit
    st.from_regex(r"\A1?[2-9]\d{9}\.0{1,2}\Z"),
)
VANITY = st.from_regex(r"\A1?-?8(00|88|77)-[A-Z]{3,4}-?[A-Z0-9]{3,4}\Z")

ANY_VALUE = st.one_of(
    messy_numbers(),
    EXCEL_DAMAGE,
    VANITY,
    st.from_regex(r"\A\+\d{7,15}\Z"),
    st.text(max_size=20),
    st.text(alphabet="0123456789 +-().'\"/x#", max_size=20),
    st.text(alphabet="0123456789 -\u2013\u2212\u200b\u2009\u00ad\u2011eE+.", max_size=20),
)
