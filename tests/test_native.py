"""The C core (copytrace._native) against plain Python references, on random inputs and on the edge cases.

Each reference is written from the behaviour the C documents (its comments, and the docstrings of the Python
wrapper: copytrace.native, and its callers), in the
plainest Python: slow, one character or one seed at a time, so that it can be read against the documentation.
A difference between the C and its reference is a bug in one of them. Hashes are compared exactly: the scan output
depends on every bit of them. tests/native_sanitized.sh runs this file against a build with AddressSanitizer and
UndefinedBehaviorSanitizer, so the random inputs also probe the C's memory accesses.
"""
from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copytrace import _native
from copytrace.config import DEFAULTS

_ALIGN = DEFAULTS.align
SEED_WORDS, MAX_SEED_REPEATS, MAX_GAP = _ALIGN.seed_words, _ALIGN.max_seed_repeats, _ALIGN.max_gap
MAX_DRIFT, MIN_PASSAGE_WORDS, MERGE_WINDOW = _ALIGN.max_drift, _ALIGN.min_passage_words, _ALIGN.merge_window

# Enough examples to reach every branch of the C; few enough that the file runs in seconds (and under the
# sanitizers, several times slower, in well under a minute). No example database: nothing is written to the tree.
CHECK = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

M64 = (1 << 64) - 1
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
GOLDEN = 0x9E3779B97F4A7C15  # the exact hash weights a token hash by its position times this
SHINGLE_MULT = (  # the shingle hash's ten distinct odd multipliers, one per token position in the shingle
    0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD,
    0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9, 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5,
)


def mix64(x: int) -> int:
    """splitmix64's finaliser, on Python ints."""
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & M64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def lower(ch: str) -> str:
    """Unicode's simple lower-case mapping of one character: the first character of its full mapping (only İ
    lower-cases to two characters, and the first is the simple mapping)."""
    return ch.lower()[0]


def fnv1a(chars) -> int:
    h = FNV_OFFSET
    for ch in chars:
        h = ((h ^ ord(ch)) * FNV_PRIME) & M64
    return h


def u64(values) -> bytes:
    return np.asarray(values, np.uint64).tobytes()


def i64(values) -> bytes:
    return np.asarray(values, np.int64).tobytes()


# ---- text ------------------------------------------------------------------------------------------------------

# Characters from every class the tokenizer and the line and quote scanners treat apart: ASCII letters, digits and
# punctuation; Latin-1 letters and punctuation; İ and Σ (case mappings that are not one-to-one in full); digits of
# Arabic, Persian, Devanagari and fullwidth forms; Han, kana and the katakana middle dot; CJK and fullwidth
# punctuation; Hangul; the Arabic and Devanagari stops; euro sign; emoji and a Han ideograph beyond the BMP (texts
# stored four bytes a character); lone surrogates (Python strings may hold them); whitespace of several kinds and
# every quote mark.
SPECIAL = list(
    "aZq09 .,-'éÉßÿ«»\xa0İΣςΩжЖ٢۵अ५।॥،؟۔中文あカ・，。「」『』ＡｚＺ１（€원년😀𠀀\ud800\udfff’‘“”„\n\t\r\u2028\u3000ǅﬁ"
)
chars = st.one_of(st.sampled_from(SPECIAL), st.characters(exclude_categories=()))
texts = st.text(chars, max_size=60)


# ---- tokenize ----------------------------------------------------------------------------------------------------

_FULLWIDTH_WORDS = ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
_STOPS = {"،", "؛", "؟", "۔", "।", "॥", "・"}
_DIGIT_ZEROS = (0x30, 0x660, 0x6F0, 0x966, 0xFF10)  # ASCII, Arabic-Indic, Persian, Devanagari, fullwidth


def is_word(ch: str) -> bool:
    """An ASCII letter or digit, or a non-ASCII character outside the punctuation blocks and stops."""
    cp = ord(ch)
    if ch.isascii():
        return ch.isalnum()
    if cp <= 0xBF or 0x2000 <= cp <= 0x206F or 0x3000 <= cp <= 0x303F:
        return False
    if 0xFF00 <= cp <= 0xFF65:
        return any(lo <= cp <= hi for lo, hi in _FULLWIDTH_WORDS)
    return ch not in _STOPS


def digit_value(ch: str) -> int:
    cp = ord(ch)
    if any(0 <= cp - zero <= 9 for zero in _DIGIT_ZEROS):
        return unicodedata.decimal(ch)
    return -1


def is_ideograph(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in
               ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FFFF)))


def token_spans(text: str) -> list[tuple[int, int]]:
    """Maximal runs of word characters, cut before and after every ideograph, and between a digit and a non-digit
    where either is beyond Latin-1."""
    spans, i, n = [], 0, len(text)
    while i < n:
        if not is_word(text[i]):
            i += 1
            continue
        start = i
        i += 1
        if not is_ideograph(text[start]):
            while i < n and is_word(text[i]) and not is_ideograph(text[i]):
                seam = (ord(text[i - 1]) >= 0x100 or ord(text[i]) >= 0x100) and \
                    (digit_value(text[i - 1]) >= 0) != (digit_value(text[i]) >= 0)
                if seam:
                    break
                i += 1
        spans.append((start, i))
    return spans


def token_hash(token: str) -> int:
    """FNV-1a of the lower-cased code points, every script's digits read as ASCII digits, mixed."""
    normal = "".join(str(digit_value(ch)) if digit_value(ch) >= 0 else lower(ch) for ch in token)
    return mix64(fnv1a(normal))


def exact_hash(hashes: list[int]) -> int:
    return mix64(sum(mix64(h ^ ((k * GOLDEN) & M64)) for k, h in enumerate(hashes)) & M64)


def reference_tokenize(batch: list[str]):
    hashes, starts, ends, flags, offsets, exact = [], [], [], [], [0], []
    for text in batch:
        doc_hashes = []
        for s, e in token_spans(text):
            token = text[s:e]
            doc_hashes.append(token_hash(token))
            starts.append(s)
            ends.append(e)
            capital = "A" <= token[0] <= "Z"
            digits = all(digit_value(ch) >= 0 for ch in token)
            flags.append(capital | digits << 1)
        hashes += doc_hashes
        offsets.append(len(hashes))
        exact.append(exact_hash(doc_hashes))
    return hashes, starts, ends, flags, offsets, exact


def native_tokenize(batch: list[str]):
    hashes, starts, ends, flags, offsets, exact = _native.tokenize(batch)
    return (np.frombuffer(hashes, np.uint64).tolist(), np.frombuffer(starts, np.int64).tolist(),
            np.frombuffer(ends, np.int64).tolist(), list(flags), np.frombuffer(offsets, np.int64).tolist(),
            np.frombuffer(exact, np.uint64).tolist())


@CHECK
@given(st.lists(texts, max_size=4))
def test_tokenize_matches_the_reference_on_random_texts(batch):
    assert native_tokenize(batch) == reference_tokenize(batch)


@CHECK
@given(texts)
def test_tokens_cover_exactly_the_word_characters(text):
    _, starts, ends, _, offsets, _ = native_tokenize([text])
    covered = [0] * len(text)
    for s, e in zip(starts, ends):
        assert 0 <= s < e <= len(text)
        for k in range(s, e):
            covered[k] += 1
    assert covered == [int(is_word(ch)) for ch in text]
    assert starts == sorted(starts)
    assert offsets == [0, len(starts)]


def mix64_array(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def fnv1a_array(columns: list[np.ndarray]) -> np.ndarray:
    h = np.full(len(columns[0]), FNV_OFFSET, np.uint64)
    for column in columns:
        h = (h ^ column) * np.uint64(FNV_PRIME)
    return h


def test_every_code_point_is_classed_lower_cased_and_cut_as_documented():
    # every character c between two a's: "aca" is one token when c is a word character, three when c is an
    # ideograph or a digit beyond Latin-1 (cut from the a's), and the two a's alone when c is not a word character
    code_points = range(1, 0x110000)  # 0 separates the triples
    counts, lowered = np.empty(len(code_points), np.int64), np.empty(len(code_points), np.uint64)
    for k, c in enumerate(code_points):
        ch = chr(c)
        digit = digit_value(ch)
        counts[k] = (3 if is_ideograph(ch) or (c >= 0x100 and digit >= 0) else 1) if is_word(ch) else 2
        lowered[k] = ord(str(digit)) if digit >= 0 else ord(lower(ch))
    hashes, _, ends, _, _, _ = _native.tokenize(["\0".join("a" + chr(c) + "a" for c in code_points)])
    hashes, ends = np.frombuffer(hashes, np.uint64), np.frombuffer(ends, np.int64)
    assert (np.bincount(ends // 4, minlength=len(code_points)) == counts).all()  # a triple and its separator: 4
    a = np.full(len(code_points), ord("a"), np.uint64)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    one, three = counts == 1, counts == 3
    assert (hashes[first[one]] == mix64_array(fnv1a_array([a, lowered, a]))[one]).all()
    assert (hashes[first[three] + 1] == mix64_array(fnv1a_array([lowered]))[three]).all()


def test_tokenize_edge_cases():
    assert native_tokenize([]) == ([], [], [], [], [0], [])
    hashes, starts, ends, flags, offsets, exact = native_tokenize(["", "Word", "  ...  "])
    assert (starts, ends, flags, offsets) == ([0], [4], [1], [0, 0, 1, 1])
    assert hashes == [mix64(fnv1a("word"))]
    assert exact[0] == exact[2] == mix64(0)  # no tokens: the empty sum, mixed


def test_case_and_script_digits_do_not_change_a_token_hash():
    hashes, *_ = native_tokenize(["Straße STRASSE straße", "2017 ٢٠١٧ ۲۰۱۷ २०१७ ２０１７"])
    assert hashes[0] != hashes[1] and hashes[0] == hashes[2]  # simple case mapping: ß stays ß
    assert len(set(hashes[3:])) == 1 and hashes[3] == mix64(fnv1a("2017"))


def test_cjk_is_one_token_a_character_and_numbers_amid_scripts_are_tokens_of_their_own():
    text = "3月15日 2017년 50€ abc123 東京タワー"
    _, starts, ends, flags, _, _ = native_tokenize([text])
    assert [text[s:e] for s, e in zip(starts, ends)] == \
        ["3", "月", "15", "日", "2017", "년", "50", "€", "abc123", "東", "京", "タ", "ワ", "ー"]
    assert flags[:3] == [2, 0, 2]  # numeric, not, numeric


def test_emoji_and_surrogates_are_word_characters():
    text = "a😀b \ud800x \U0001F600"
    _, starts, ends, _, _, _ = native_tokenize([text])
    assert [text[s:e] for s, e in zip(starts, ends)] == ["a😀b", "\ud800x", "\U0001F600"]


def test_a_text_tokenizes_alike_whatever_width_python_stores_it_in():
    latin1 = "Der Preis: 50 Euro, Café «Zürich» 2017."
    alone = native_tokenize([latin1])
    for wide in ("Ā", "😀"):  # stored two, then four bytes a character
        hashes, starts, ends, flags, _, _ = native_tokenize([latin1 + " " + wide])
        n = len(alone[0])
        assert (hashes[:n], starts[:n], ends[:n], flags[:n]) == alone[:4]


def test_tokenize_refuses_what_is_not_a_list_of_str():
    with pytest.raises(TypeError):
        _native.tokenize(["a", b"b"])
    with pytest.raises(TypeError):
        _native.tokenize(("a",))


# ---- line_table and line_keys -------------------------------------------------------------------------------------

def reference_lines(text: str, max_chars: int, max_words: int):
    """Every line (ended by '\\n' only) with its surrounding whitespace left out; a short line's key hashes its
    words, lower-cased, joined by one space."""
    spans, shorts, chars, pos = [], [], 0, 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            s = pos + (len(line) - len(line.lstrip()))
            spans.append((s, s + len(stripped)))
            chars += len(stripped)
            words = stripped.split()
            if len(stripped) <= max_chars and len(words) <= max_words:
                key = mix64(fnv1a(lower(ch) for ch in " ".join(words))) | 1
                shorts.append((len(spans) - 1, key))
        pos += len(line) + 1
    return tuple(spans), shorts, chars


line_texts = st.text(st.one_of(st.sampled_from(list("aAbB  İΣ中\n\n\t\r\xa0\u2028\u3000")), chars),
                     max_size=80)


@CHECK
@given(line_texts, st.integers(0, 30), st.integers(0, 6))
def test_line_table_matches_the_reference(text, max_chars, max_words):
    assert _native.line_table(text, max_chars, max_words) == reference_lines(text, max_chars, max_words)


@CHECK
@given(st.lists(line_texts, max_size=5), st.integers(0, 30), st.integers(0, 6))
def test_line_keys_are_each_texts_distinct_short_line_keys(batch, max_chars, max_words):
    expected = []
    for text in batch:
        expected += sorted({key for _, key in reference_lines(text, max_chars, max_words)[1]})
    assert np.frombuffer(_native.line_keys(batch, max_chars, max_words), np.uint64).tolist() == expected


def test_a_line_typed_in_another_case_or_spacing_has_the_same_key():
    text = "Share this article\n  SHARE   this\tARTICLE \n\n" + "word " * 20 + "\nΣ"
    spans, shorts, chars = _native.line_table(text, 200, 15)
    assert len(spans) == 4 and chars == sum(e - s for s, e in spans)
    assert [k for k, _ in shorts] == [0, 1, 3]  # the 20-word line is too long to be furniture
    assert shorts[0][1] == shorts[1][1]
    assert _native.line_table("", 200, 15) == ((), [], 0)
    assert _native.line_keys([], 200, 15) == b""
    assert len(_native.line_keys(["Menu\nmenu\nMENU", "Menu"], 200, 15)) == 2 * 8  # once per text


# ---- shingles -----------------------------------------------------------------------------------------------------

token_hashes = st.lists(st.lists(st.integers(0, M64), max_size=14), max_size=4)


@CHECK
@given(token_hashes, st.integers(1, 10))
def test_shingles_match_the_reference(docs, k):
    hashes = [h for doc in docs for h in doc]
    offsets = np.cumsum([0] + [len(doc) for doc in docs]).tolist()
    expected, expected_offsets = [], [0]
    for doc in docs:  # shingles never cross documents; a document shorter than k has none
        for t in range(len(doc) - k + 1):
            expected.append(mix64(sum(doc[t + j] * SHINGLE_MULT[j] for j in range(k)) & M64))
        expected_offsets.append(len(expected))
    shingles, shingle_offsets = _native.shingles(u64(hashes), i64(offsets), k)
    assert np.frombuffer(shingles, np.uint64).tolist() == expected
    assert np.frombuffer(shingle_offsets, np.int64).tolist() == expected_offsets


def test_offsets_that_do_not_fit_the_array_are_refused():
    for offsets in ([], [0, 4], [-1, 2], [2, 1, 3]):  # none; past the end; before the start; going back
        with pytest.raises(ValueError):
            _native.shingles(u64([1, 2, 3]), i64(offsets), 1)
        with pytest.raises(ValueError):
            _native.minhash(u64([1, 2, 3]), i64(offsets), 4, 42)


def test_shingle_size_is_one_to_ten():
    for k in (0, 11):
        with pytest.raises(ValueError):
            _native.shingles(u64([1] * 12), i64([0, 12]), k)
    assert _native.shingles(u64([]), i64([0]), 5) == (b"", i64([0]))


# ---- argsort_u64 --------------------------------------------------------------------------------------------------

keys_u64 = st.lists(st.one_of(st.integers(0, 5), st.integers(0, M64), st.integers(1 << 40, (1 << 40) + 3)),
                    max_size=200)


@CHECK
@given(keys_u64)
def test_argsort_is_numpys_stable_argsort(keys):
    keys = np.asarray(keys, np.uint64)
    order = np.frombuffer(_native.argsort_u64(keys.tobytes()), np.int64)
    assert order.tolist() == np.argsort(keys, kind="stable").tolist()


def test_argsort_edge_cases():
    assert _native.argsort_u64(b"") == b""
    assert np.frombuffer(_native.argsort_u64(u64([7, 7, 7])), np.int64).tolist() == [0, 1, 2]  # one digit: no pass
    assert np.frombuffer(_native.argsort_u64(u64([M64, 0, M64, 1])), np.int64).tolist() == [1, 3, 0, 2]


# ---- equal_ranges -------------------------------------------------------------------------------------------------

@CHECK
@given(keys_u64, keys_u64)
def test_equal_ranges_are_numpys_searchsorted_left_and_right(haystack, needles):
    haystack, needles = np.sort(np.asarray(haystack, np.uint64)), np.asarray(needles, np.uint64)
    lo, hi = (np.frombuffer(b, np.int64) for b in _native.equal_ranges(haystack.tobytes(), needles.tobytes()))
    assert lo.tolist() == np.searchsorted(haystack, needles, "left").tolist()
    assert hi.tolist() == np.searchsorted(haystack, needles, "right").tolist()


def test_equal_ranges_edge_cases():
    assert _native.equal_ranges(b"", u64([0, M64])) == (bytes(16), bytes(16))
    assert _native.equal_ranges(u64([1, 2]), b"") == (b"", b"")
    lo, hi = (np.frombuffer(b, np.int64).tolist() for b in _native.equal_ranges(u64([M64] * 3), u64([M64, 0])))
    assert (lo, hi) == ([0, 0], [3, 0])
    # more needles than one lockstep group, a long run of one key in a haystack of odd length
    haystack = np.sort(np.concatenate([np.full(40, 9), np.arange(101)]).astype(np.uint64))
    needles = np.arange(120, dtype=np.uint64)[::-1]
    lo, hi = (np.frombuffer(b, np.int64) for b in _native.equal_ranges(haystack.tobytes(), needles.tobytes()))
    assert lo.tolist() == np.searchsorted(haystack, needles, "left").tolist()
    assert hi.tolist() == np.searchsorted(haystack, needles, "right").tolist()


def test_the_wrapper_refuses_to_convert_a_key_index():
    from copytrace.native import equal_ranges

    with pytest.raises(TypeError, match="u64"):
        equal_ranges(np.arange(5, dtype=np.int64), np.arange(2, dtype=np.uint64))


# ---- minhash ------------------------------------------------------------------------------------------------------

def reference_minhash(shingles: list[int], offsets: list[int], num_perm: int, seed: int) -> list[list[int]]:
    """One permutation: a shingle's mixed hash goes to the bin its top bits name, the bin keeps the least low 32
    bits; an empty bin copies the first filled bin that mix64(seed ^ bin << 32 ^ attempt) names, attempt 1, 2..."""
    bits = num_perm.bit_length() - 1
    rows = []
    for d in range(len(offsets) - 1):
        row, filled = [0xFFFFFFFF] * num_perm, [False] * num_perm
        for s in shingles[offsets[d]:offsets[d + 1]]:
            h = mix64(s ^ seed)
            b = h >> (64 - bits) if bits else 0
            row[b] = min(row[b], h & 0xFFFFFFFF)
            filled[b] = True
        if not any(filled):
            rows.append([0] * num_perm)
            continue
        values = list(row)
        for k in range(num_perm):
            attempt = 1
            while not filled[k]:
                h = mix64(seed ^ (k << 32) ^ attempt)
                b = h >> (64 - bits) if bits else 0
                if filled[b]:
                    values[k] = row[b]
                    break
                attempt += 1
        rows.append(values)
    return rows


@CHECK
@given(st.lists(st.lists(st.integers(0, M64), max_size=20), max_size=4), st.sampled_from([1, 2, 4, 16, 128]),
       st.integers(0, M64))
def test_minhash_matches_the_reference(docs, num_perm, seed):
    shingles = [s for doc in docs for s in doc]
    offsets = np.cumsum([0] + [len(doc) for doc in docs]).tolist()
    signatures = np.frombuffer(_native.minhash(u64(shingles), i64(offsets), num_perm, seed), np.uint32)
    assert signatures.reshape(len(docs), num_perm).tolist() == reference_minhash(shingles, offsets, num_perm, seed)


def test_minhash_of_one_shingle_fills_every_bin_with_it_and_bad_sizes_are_refused():
    row = np.frombuffer(_native.minhash(u64([12345]), i64([0, 1]), 128, 42), np.uint32)
    assert set(row.tolist()) == {mix64(12345 ^ 42) & 0xFFFFFFFF}
    assert _native.minhash(u64([]), i64([0]), 128, 42) == b""
    for num_perm in (0, 3, 1 << 17):
        with pytest.raises(ValueError):
            _native.minhash(u64([1]), i64([0, 1]), num_perm, 42)


# ---- member -------------------------------------------------------------------------------------------------------

@CHECK
@given(st.lists(st.integers(0, 40) | st.integers(0, M64), max_size=100),
       st.lists(st.integers(0, 40) | st.integers(0, M64), max_size=5000))
def test_member_is_isin(values, keys):
    found = np.frombuffer(_native.member(u64(values), u64(keys)), np.uint8).astype(bool)
    assert found.tolist() == np.isin(np.asarray(values, np.uint64), np.asarray(keys, np.uint64)).tolist()


def test_member_edge_cases():
    assert _native.member(b"", u64([1])) == b""
    assert _native.member(u64([0, 1]), b"") == b"\0\0"  # an empty table holds nothing, not even 0
    assert _native.member(u64([0, M64, 5]), u64([M64, 0])) == b"\1\1\0"


# ---- quote_bounds -------------------------------------------------------------------------------------------------

LDQ, RDQ, LOW_DQ, LSQ, RSQ, LAQ, RAQ = "“”„‘’«»"
CLOSERS = {LDQ: RDQ, LOW_DQ: LDQ + RDQ, LAQ: RAQ, LSQ: RSQ, "「": "」", "『": "』", '"': '"'}
MARKS = set(CLOSERS) | set("".join(CLOSERS.values())) | {"\n"}


def reference_quote_bounds(text: str, max_chars: int, min_single: int) -> list[int]:
    """align.view's rules, one mark at a time: see the module's comment at MAX_QUOTE_CHARS."""
    def at(k):
        return text[k] if 0 <= k < len(text) else " "

    bounds, start, opener = [], -1, ""
    for k, mark in enumerate(text):
        if mark not in MARKS:
            continue
        if mark == "\n":
            # left open at a paragraph's end, and the next paragraph opens with the same mark: quoted to here
            if start >= 0 and k - start <= max_chars and opener in ('"', LDQ, LAQ, LOW_DQ):
                if text[k + 1:].lstrip()[:1] == opener:
                    bounds += [start, start + len(text[start:k].rstrip())]
            start = -1
            continue
        if start >= 0:
            if k - start > max_chars:
                start = -1
            elif mark in CLOSERS[opener] and (mark not in ('"', RSQ) or
                                              (not at(k - 1).isspace() and not at(k + 1).isalnum())):
                if opener != LSQ or k - start > min_single:
                    bounds += [start, k + 1]
                start = -1
                continue
        if start < 0:
            if mark in ('"', LSQ):
                opens = not (at(k - 1).isalnum() or at(k - 1) == '"') and not at(k + 1).isspace()
            else:
                opens = mark in (LDQ, LOW_DQ, LAQ, "「", "『")
            if opens:
                start, opener = k, mark
    return bounds


quote_texts = st.text(st.one_of(st.sampled_from(list('ab1 .,\n"“”„‘’«»「」『』é中😀\u3000')), chars), max_size=80)


@CHECK
@given(quote_texts, st.integers(0, 40), st.integers(0, 4))
def test_quote_bounds_match_the_reference(text, max_chars, min_single):
    bounds = np.frombuffer(_native.quote_bounds(text, max_chars, min_single), np.int64).tolist()
    assert bounds == reference_quote_bounds(text, max_chars, min_single)
    assert bounds == sorted(bounds) and all(text[s] in CLOSERS for s in bounds[::2])


def test_a_single_curly_quotation_must_be_longer_than_the_minimum():
    assert _native.quote_bounds("he said ‘1234567’ then", 400, 8) == b""  # 8 characters from mark to mark
    assert np.frombuffer(_native.quote_bounds("he said ‘12345678’ then", 400, 8), np.int64).tolist() == [8, 18]


def test_quotations_in_each_convention_are_found():
    text = 'He said "we will win." « Oui » „Ja“ 「はい」 ‘a long single’ it’s, and ‘short’.\n"Part one\n"Part two," he said.'
    bounds = np.frombuffer(_native.quote_bounds(text, 400, 8), np.int64).reshape(-1, 2).tolist()
    assert [text[s:e] for s, e in bounds] == \
        ['"we will win."', "« Oui »", "„Ja“", "「はい」", "‘a long single’", '"Part one', '"Part two,"']
    assert _native.quote_bounds("", 400, 8) == b""
    assert _native.quote_bounds('Athletes"?Commission "x', 400, 8) == b""  # stray marks quote nothing


# ---- align --------------------------------------------------------------------------------------------------------

def seed_hashes(tokens: list[int], width: int) -> list[int]:
    """The hash of the width-token shingle starting at each position (any injective hash does)."""
    return [hash(tuple(tokens[p:p + width])) & M64 for p in range(len(tokens) - width + 1)]


def reference_align(sa, story_a, sb, story_b, seed_words, max_repeats, max_gap, max_drift, min_words, window):
    """align.lexical's four steps, seed by seed; returns [((a0, a1, b0, b1, matched), covered_a, covered_b)]."""
    seeds = sorted((q - p, p) for p in range(len(sa))
                   if story_a[p] and (sb.count(sa[p]) <= max_repeats or sa.count(sa[p]) <= max_repeats)
                   for q in range(len(sb)) if sb[q] == sa[p] and story_b[q])
    runs = []  # [first, last, diag, seeds]
    for diag, i in seeds:
        if runs and runs[-1][2] == diag and i - runs[-1][1] <= max_gap:
            runs[-1][1] = i
            runs[-1][3].append(i)
        else:
            runs.append([i, i, diag, [i]])
    runs.sort(key=lambda run: (run[0], run[2]))
    groups = []
    for run in runs:
        first, _, diag, _ = run
        for group in reversed(groups[-window:]):
            last = group[-1]
            gap_a, gap_b = first - last[1], first + diag - (last[1] + last[2])
            if -seed_words <= gap_a <= max_gap and -seed_words <= gap_b <= max_gap and abs(diag - last[2]) <= max_drift:
                group.append(run)
                break
        else:
            groups.append([run])
    passages = []
    for group in groups:
        starts = [(i, i + diag) for _, _, diag, seeds_of_run in group for i in seeds_of_run]
        covered_a = sorted({p for i, _ in starts for p in range(i, i + seed_words)})
        covered_b = sorted({p for _, j in starts for p in range(j, j + seed_words)})
        matched = min(len(covered_a), len(covered_b))
        if len(starts) * seed_words < min_words or matched < min_words:
            continue
        passages.append(((covered_a[0], covered_a[-1] + 1, covered_b[0], covered_b[-1] + 1, matched),
                         covered_a, covered_b))
    return passages


def native_align(sa, story_a, sb, story_b, *parameters):
    found = _native.align(u64(sa), bytes(story_a), u64(sb), bytes(story_b), *parameters)
    spans, covered_a, offsets_a, covered_b, offsets_b = (np.frombuffer(x, np.int64).tolist() for x in found)
    return [(tuple(spans[5 * k:5 * k + 5]), covered_a[offsets_a[k]:offsets_a[k + 1]],
             covered_b[offsets_b[k]:offsets_b[k + 1]]) for k in range(len(spans) // 5)]


@st.composite
def copied_pairs(draw):
    """Two token sequences over a small vocabulary: B a copy of A with words inserted, deleted and replaced, amid
    pieces of A and fresh words (stray matches, refrains); the story flags mostly on; the alignment parameters,
    small enough that their boundaries are reached."""
    vocabulary = draw(st.integers(3, 30))
    a = draw(st.lists(st.integers(0, vocabulary), max_size=70))
    b = []
    for copied, start, length, fresh in draw(st.lists(st.tuples(
            st.booleans(), st.integers(0, 70), st.integers(0, 40), st.lists(st.integers(0, vocabulary + 10), max_size=3)),
            max_size=6)):
        if copied:
            b += a[start:start + length]
        else:
            b += fresh
        b[draw(st.integers(0, len(b))):][:draw(st.integers(0, 2))] = []  # a word or two deleted
    seed_words = draw(st.integers(1, 5))
    sa, sb = seed_hashes(a, seed_words), seed_hashes(b, seed_words)
    story = st.sampled_from([1, 1, 1, 1, 1, 1, 0])
    story_a = draw(st.lists(story, min_size=len(sa), max_size=len(sa)))
    story_b = draw(st.lists(story, min_size=len(sb), max_size=len(sb)))
    parameters = (seed_words, draw(st.integers(1, 5)), draw(st.integers(0, 6)), draw(st.integers(0, 4)),
                  draw(st.integers(1, 12)), draw(st.integers(1, 3)))
    return a, b, sa, story_a, sb, story_b, parameters


@CHECK
@given(copied_pairs())
def test_align_matches_the_reference(pair):
    _, _, sa, story_a, sb, story_b, parameters = pair
    assert native_align(sa, story_a, sb, story_b, *parameters) == \
        reference_align(sa, story_a, sb, story_b, *parameters)


@CHECK
@given(copied_pairs())
def test_every_covered_word_lies_under_a_seed_shingle_found_verbatim_on_the_other_side(pair):
    a, b, sa, story_a, sb, story_b, parameters = pair
    seed_words, max_repeats, _, _, min_words, _ = parameters

    def seeded(p, q):  # the seed shingles at p in A and q in B are equal, story, and not a refrain of both
        return story_a[p] and story_b[q] and a[p:p + seed_words] == b[q:q + seed_words] and \
            (sb.count(sb[q]) <= max_repeats or sa.count(sa[p]) <= max_repeats)

    for (a0, a1, b0, b1, matched), covered_a, covered_b in native_align(sa, story_a, sb, story_b, *parameters):
        assert 0 <= a0 < a1 <= len(a) and 0 <= b0 < b1 <= len(b)
        assert covered_a[0] == a0 and covered_a[-1] == a1 - 1 and covered_b[0] == b0 and covered_b[-1] == b1 - 1
        assert covered_a == sorted(set(covered_a)) and covered_b == sorted(set(covered_b))
        assert matched == min(len(covered_a), len(covered_b)) >= min_words
        for p in covered_a:
            assert any(seeded(i, q) for i in range(max(0, p - seed_words + 1), min(p + 1, len(sa)))
                       for q in range(len(sb)))
        for q in covered_b:
            assert any(seeded(p, j) for j in range(max(0, q - seed_words + 1), min(q + 1, len(sb)))
                       for p in range(len(sa)))


def align_words(a: list[str], b: list[str], **changed):
    parameters = dict(seed_words=SEED_WORDS, max_repeats=MAX_SEED_REPEATS, max_gap=MAX_GAP, max_drift=MAX_DRIFT,
                      min_words=MIN_PASSAGE_WORDS, window=MERGE_WINDOW) | changed
    vocabulary = {word: k for k, word in enumerate(dict.fromkeys(a + b))}
    sa = seed_hashes([vocabulary[w] for w in a], parameters["seed_words"])
    sb = seed_hashes([vocabulary[w] for w in b], parameters["seed_words"])
    return native_align(sa, [1] * len(sa), sb, [1] * len(sb), *parameters.values())


STORY = ("the minister said on tuesday that the new bridge over the river would open to traffic next spring after "
         "three years of delays caused by flooding").split()


def test_a_passage_copied_into_other_text_is_found_with_its_bounds():
    a = "breaking news from the capital".split() + STORY + "more to follow".split()
    b = "our reporter writes".split() + STORY + "in other news the weather".split()
    [((a0, a1, b0, b1, matched), covered_a, covered_b)] = align_words(a, b)
    assert (a0, a1, b0, b1, matched) == (5, 5 + len(STORY), 3, 3 + len(STORY), len(STORY))
    assert covered_a == list(range(a0, a1))


def test_a_word_swapped_inside_a_passage_is_inside_its_span_but_not_covered():
    b = list(STORY)
    b[12] = "highway"
    [((a0, a1, _, _, matched), covered_a, _)] = align_words(STORY, b)
    assert (a0, a1) == (0, len(STORY)) and 12 not in covered_a and matched < len(STORY)


def test_a_passage_interrupted_by_a_stray_match_merges_only_within_the_merge_window():
    # A: the story with one word inserted at 12 (the runs either side are on diagonals one apart), and B
    # holding, far from the copy, a phrase that A's story also holds at 8: a run that starts between the two
    # halves of the passage, and so a group of its own that the second half must look past
    a = STORY[:12] + ["today"] + STORY[12:]
    stray = a[8:12]
    b = STORY + ["unrelated"] * 30 + stray
    merged = align_words(a, b, min_words=1, window=2)
    assert [passage[0][:2] for passage in merged] == [(0, len(a)), (8, 12)]
    split = align_words(a, b, min_words=1, window=1)
    assert [passage[0][:2] for passage in split] == [(0, 12), (8, 12), (13, len(a))]


def test_runs_merge_across_a_gap_of_max_gap_words_and_no_more():
    for gap in (MAX_GAP, MAX_GAP + 1):
        # words inserted in B after STORY[:12]: the last seed before them starts SEED_WORDS words earlier, so the
        # first seed after them starts `gap` words after it in B
        b = STORY[:12] + ["inserted"] * (gap - SEED_WORDS) + STORY[12:]
        merged = align_words(STORY, b, max_drift=gap)
        assert len(merged) == (1 if gap <= MAX_GAP else 2)


def test_runs_merge_across_a_drift_of_max_drift_words_and_no_more():
    b = STORY[:12] + ["inserted"] * 3 + STORY[12:]  # the runs either side: diagonals 3 apart
    assert len(align_words(STORY, b, max_drift=3)) == 1
    assert len(align_words(STORY, b, max_drift=2)) == 2


def test_align_refuses_story_flags_shorter_than_the_seeds():
    with pytest.raises(ValueError):
        _native.align(u64([1, 2]), b"\1", u64([1, 2]), b"\1\1", 1, 4, 12, 8, 1, 8)


def test_align_edge_cases():
    empty = (b"", b"", b"", b"", SEED_WORDS, MAX_SEED_REPEATS, MAX_GAP, MAX_DRIFT, MIN_PASSAGE_WORDS, MERGE_WINDOW)
    assert _native.align(*empty) == (b"", b"", i64([0]), b"", i64([0]))
    assert align_words(STORY, []) == []
    assert align_words(["one"], ["one"], seed_words=1, min_words=1) == [((0, 1, 0, 1, 1), [0], [0])]
    assert align_words(STORY[:3], STORY[:3]) == []  # shorter than a seed
    refrain = STORY[:4] * 6  # a 4-word refrain six times in both: more than MAX_SEED_REPEATS, so it seeds nothing
    assert align_words(refrain, refrain) == []


def test_a_passage_one_text_repeats_is_aligned_with_every_copy():
    """A held once, B holding it more often than MAX_SEED_REPEATS: each copy in B is a passage of all of A."""
    copies = MAX_SEED_REPEATS + 2
    b = [w for k in range(copies) for w in STORY + [f"between{k}"] * 3]
    found = align_words(STORY, b)
    assert len(found) == copies
    for k, ((a0, a1, b0, b1, matched), covered_a, _) in enumerate(sorted(found, key=lambda f: f[0][2])):
        assert (a0, a1, matched) == (0, len(STORY), len(STORY))
        assert b0 == k * (len(STORY) + 3)
