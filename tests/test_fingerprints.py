"""The compiled tokeniser, shingles and candidate grouping agree with what a slow, obvious version would say."""

import numpy as np

from copytrace.candidates.groups import count_pairs, pair_keys, pairs_sharing_keys, unpack_pair_keys
from copytrace.text.tokens import shingle_hashes, tokenize


def test_tokens_are_words_with_offsets_whatever_the_batch():
    text = "Zürich’s “mayor” said—on 3 March—that 2,500 people É voted."
    alone = tokenize([text])
    batched = tokenize(["something else first", text, ""])
    sl = batched.doc_slice(1)
    assert list(alone.hashes) == list(batched.hashes[sl])
    words = [text[s:e] for s, e in zip(alone.starts, alone.ends)]
    assert words == ["Zürich", "s", "mayor", "said", "on", "3", "March", "that", "2", "500", "people", "É", "voted"]
    assert list(alone.capitalised[:3]) == [True, False, False]
    assert alone.numeric[5] and not alone.numeric[6]
    assert batched.doc_slice(2) == slice(len(batched.hashes), len(batched.hashes))


def test_chinese_and_japanese_are_tokenised_a_character_at_a_time_with_their_punctuation_dropped():
    text = "维也纳3月15日电（Wire）——官员说，“双方”。カタカナ، قال؟ नमस्ते।"
    tokens = tokenize([text])
    words = [text[s:e] for s, e in zip(tokens.starts, tokens.ends)]
    assert words == ["维", "也", "纳", "3", "月", "15", "日", "电", "Wire", "官", "员", "说", "双", "方",
                     "カ", "タ", "カ", "ナ", "قال", "नमस्ते"]
    assert tokens.numeric[words.index("15")] and tokens.capitalised[words.index("Wire")]


def test_numbers_are_one_token_in_any_digits_and_apart_from_the_words_of_other_scripts():
    text = "3만1000개가 2017년 ٢٠١٧ ２０１７ 2017 50€ 3ème 3rd COVID19"
    tokens = tokenize([text, text + " “wide”"])
    words = [text[s:e] for s, e in zip(tokens.starts, tokens.ends)][:14]
    assert words == ["3", "만", "1000", "개가", "2017", "년", "٢٠١٧", "２０１７", "2017", "50", "€", "3ème", "3rd",
                     "COVID19"]
    year = tokens.hashes[words.index("2017")]
    assert [tokens.hashes[6], tokens.hashes[7]] == [year, year] and tokens.numeric[6:9].all()
    # the same tokens whether a text is stored one byte a character or wider
    latin = "le 3ème café, 2017 3rd COVID19"
    narrow, wide = tokenize([latin, latin + " “x”"]), tokenize([latin + " €"])
    assert list(narrow.hashes[narrow.doc_slice(0)]) == list(wide.hashes[:6]) == list(narrow.hashes[6:12])


def test_exact_hash_ignores_case_spacing_and_punctuation_but_not_order():
    h = tokenize(["The cat sat.", "the  CAT, sat", "sat the cat", ""]).exact
    assert h[0] == h[1] and h[0] != h[2]


def test_shingles_never_cross_documents():
    tb = tokenize(["a b c d e f", "g h i", "j k l m n"])
    sh, off = shingle_hashes(tb.hashes, tb.doc_offsets, 5)
    assert list(np.diff(off)) == [2, 0, 1]


def test_pairs_sharing_keys_counts_each_shared_key_and_drops_common_ones():
    keys = np.array([1, 1, 1, 2, 2, 9, 9, 9, 9], dtype=np.uint64)
    docs = np.array([0, 1, 2, 0, 1, 3, 4, 5, 6])
    found = np.concatenate(list(pairs_sharing_keys(keys, docs, max_group=3)))
    assert sorted(map(tuple, unpack_pair_keys(count_pairs(found, 2)).tolist())) == [(0, 1)]
    assert sorted(map(tuple, unpack_pair_keys(count_pairs(found, 1)).tolist())) == [(0, 1), (0, 2), (1, 2)]
    assert pair_keys(np.array([5]), np.array([2]))[0] == (2 << 32) | 5


def test_pairs_of_a_corpus_too_big_for_one_chunk_come_whole_in_chunks_of_lower_documents():
    """Over max_rows, the rows come in chunks by ranges of the lower document: every row of a pair in one chunk,
    nothing dropped, whatever order the documents hold their keys in."""
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 400, 6000).astype(np.uint64)
    docs = rng.permutation(np.repeat(np.arange(600), 10))  # holders out of document order within a key
    keys, docs = keys[np.argsort(docs, kind="stable")][::-1].copy(), np.sort(docs)[::-1].copy()
    distinct = np.unique(np.stack([keys.astype(np.int64), docs]), axis=1)  # each document holds a key once
    keys, docs = distinct[0].astype(np.uint64), distinct[1]
    whole = list(pairs_sharing_keys(keys, docs, max_group=50, max_rows=10**9))
    chunks = list(pairs_sharing_keys(keys, docs, max_group=50, max_rows=5000))
    assert len(whole) == 1 and len(chunks) > 5
    assert all(len(c) <= 5000 + 50 * 600 for c in chunks)  # a range ends at a document's last row
    assert sorted(np.concatenate(chunks).tolist()) == sorted(whole[0].tolist())
    lower = [unpack_pair_keys(c)[:, 0] for c in chunks]
    assert all(a.max() < b.min() for a, b in zip(lower, lower[1:]))


def test_copies_of_one_lead_count_once_among_a_documents_nearest():
    """A story republished word for word has one lead: its copies must not fill a translation's TOP_K nearest
    leads and push out the source it was translated from (which itself has closer partners of its own)."""
    from copytrace.candidates.neighbours import neighbour_candidates
    from copytrace.config import DEFAULTS

    TOP_K = DEFAULTS.candidates.lead_top_k

    unit = np.eye(4)
    source, translation = 0, 99
    copies = list(range(1, 1 + TOP_K + 2))  # one other story, printed TOP_K + 2 times
    others = list(range(copies[-1] + 1, copies[-1] + 1 + TOP_K))  # the source's own closer partners
    vectors = {translation: unit[0], source: 0.8 * unit[0] + 0.6 * unit[1]}
    vectors.update({c: 0.9 * unit[0] + np.sqrt(1 - 0.81) * unit[2] for c in copies})
    for k, o in enumerate(others):
        v = vectors[source] + 0.05 * (k + 1) * unit[3]
        vectors[o] = v / np.linalg.norm(v)
    left = [translation] * (len(copies) + 1) + [source] * len(others)
    right = [source, *copies, *others]
    shortlist = pair_keys(np.array(left), np.array(right))
    kept = {tuple(sorted(r)) for r in unpack_pair_keys(neighbour_candidates(shortlist, vectors)).tolist()}
    assert (source, translation) in kept
    assert all((c, translation) in kept for c in copies)
