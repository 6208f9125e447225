"""Every number that decides something, in one place: one frozen dataclass per stage, each field with the reason or
the measurement that set it. `ScanConfig` carries them all, so a benchmark tunes by passing values, and a scan's
workers receive the very values the scan was started with.

Sizes of formats (8 bytes to a uint64, 512 dimensions to an embedding) stay beside the code they describe; sizes of
batches and caches live in `EngineConfig`. "Tune split" figures come from bench/synthetic.py's tune split.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from copytrace.document import RecordFields

LAYERS = ("lexical", "spin", "semantic")
#: where sentence embeddings are computed (fingerprint.embed): auto is cuda where PyTorch sees a CUDA device, else cpu
DEVICES = ("auto", "cpu", "cuda", "cpu-torch")
#: how the semantic layer spends embeddings: rationed (only the sentences cheaper evidence points at, align.meaning),
#: deep (every sentence of every document, candidates.deep), auto (deep on a GPU, else rationed)
SEMANTIC_MODES = ("auto", "deep", "rationed")


@dataclass(frozen=True)
class ReadConfig:
    #: accented letters per ASCII letter above which a cp1252 reading of a text that is not UTF-8 is taken for another
    #: script misread: in Western languages accented letters are a small minority, in mis-decoded Cyrillic or Greek
    #: they are nearly all.
    western_max_accented: float = 0.3
    #: a text of fewer words is too short to compare, and skipped: real news corpora hold placeholders ("-1",
    #: "View Comments", a seven-word copyright footer) that would otherwise form families of exact copies; the
    #: shortest real article of the news corpus has 10 words.
    min_document_words: int = 8


@dataclass(frozen=True)
class CleanConfig:
    #: a line this short (in words) can be furniture; a story's paragraphs are longer, so they are never judged by
    #: pattern.
    furniture_max_words: int = 15
    #: a line longer than this (in characters) has more than furniture_max_words words: no need to count them.
    furniture_max_chars: int = 200
    #: a line repeated in at least this many documents is site furniture, when also short (furniture_max_words).
    #: Five, not two: a story's own short lines (a one-line quote) recur in its few copies, and must stay.
    repeated_line_min_docs: int = 5
    #: a "Related Posts" heading this far into a document (as a fraction of its characters) starts its trailing
    #: block.
    related_tail_start: float = 0.3


@dataclass(frozen=True)
class TextConfig:
    """Prepared text: quotations, sentence keys, anchors, and furniture marks inside a text."""

    #: a quotation is at most this long (characters) and never crosses a line break: scraped text is full of stray
    #: quote marks that must not turn half a page into a "quote".
    max_quote_chars: int = 400
    #: single curly quotes double as apostrophes: a quotation in them must be at least this long to count.
    min_single_quote_chars: int = 8
    #: a sentence's skeleton is compared on trigrams of its function words.
    skeleton_gram: int = 3
    #: a number of one digit ("3 people") is too common to anchor anything.
    anchor_min_digits: int = 2
    #: site furniture is a small part of a page (HuffPost's ~60 words in ~500); past this share, the marks are wrong.
    furniture_max_share: float = 0.4
    #: furniture hits this close (in tokens) belong to one passage: a word or two that vary inside it (a date);
    #: the same bridge as CandidateConfig.passage_bridge (2 x FingerprintConfig.shingle_words).
    furniture_gap: int = 10


@dataclass(frozen=True)
class FingerprintConfig:
    #: word shingles of this many tokens: MinHash, the sampled containment index, quotations and furniture.
    shingle_words: int = 5
    num_perm: int = 128
    minhash_seed: int = 42
    #: 1 in 8 shingles is indexed: a 60-word shared paragraph gives ~7 shared samples, a 500-word article ~60
    #: samples (a power of 2: the sample is a mask of the hash's low bits).
    sample_modulus: int = 8
    #: skeleton n-grams: this many function words in a row, 1 in skeleton_sample of them indexed.
    skeleton_words: int = 6
    skeleton_sample: int = 4
    #: content-word pairs: 1 in this many indexed.
    content_pair_sample: int = 4
    #: characters of cleaned text that language identification looks at: plenty for a reliable call, and cheap.
    lang_sample_chars: int = 200
    #: a text this long (in tokens) whose English markers make up at least this share is English without asking a
    #: model (the stopword method of language identification).
    english_min_tokens: int = 40
    english_min_marker_share: float = 0.15


@dataclass(frozen=True)
class CandidateConfig:
    # exact copies and MinHash LSH banding (candidates.lsh). With b bands of r rows, P(candidate | Jaccard s) =
    # 1 - (1 - s^r)^b: 42 x 3 puts the threshold near 0.29, set well below the usual 0.7-0.8 because reposts and
    # versions sit at low Jaccard; lower still (64 x 2) nominated 3x more pairs on the speed corpus, all of them
    # also found by the positional containment index.
    bands: int = 42
    rows: int = 3
    #: a bucket holding more documents than this is a family of exact copies or a degenerate text: those pairs are
    #: found by the exact hash, and a quadratic bucket would cost more than the whole rest of the scan.
    max_bucket: int = 64
    #: pairs one index enumerates at once (~60 bytes each while counted): past it, the pairs are counted in chunks
    #: by ranges of their lower document (candidates.groups.shared_key_row_chunks), so memory stays bounded and no
    #: key is dropped. On the 20k speed corpus the shingle index enumerates 1.24M, one chunk. (It used to be a
    #: budget for the whole corpus, met by dropping the commonest keys: on the speed corpus grown with unrelated
    #: documents the shingle index kept keys of at most 4 holders at 300k and 2 at 1M, and lost its partial copies.)
    max_pair_rows: int = 8_000_000

    # positional indexes of sampled keys (candidates.shared): a pair is a candidate when at least min_shared of its
    # shared samples lie within band positions of one diagonal; keys held by more than max_doc_freq documents are
    # stock phrases or furniture (passim ignores n-grams of document frequency above 100).
    #: sampled word shingles: a copied passage of 4 x 8 (sample modulus) = ~32 words qualifies.
    shingle_min_shared: int = 4
    shingle_max_doc_freq: int = 50
    #: positions a passage's samples may drift off one diagonal: a few words inserted or dropped along the way.
    shingle_band: int = 16
    #: sampled skeleton n-grams two documents must share to be compared sentence by sentence.
    skeleton_min_shared: int = 3
    skeleton_max_doc_freq: int = 50
    skeleton_band: int = 16
    #: sampled content-word pairs two documents must share to be compared sentence by sentence.
    content_min_shared: int = 4
    #: content-word pairs held by more than this many documents are topic vocabulary ("prime minister"), not reuse.
    content_max_doc_freq: int = 8
    #: a reworded passage keeps its content words in roughly their order, not on an exact diagonal.
    content_band: int = 40
    #: quoted shingles two documents must share on one diagonal: one quotation of min_passage_words (10) words.
    quote_min_shared: int = 6
    quote_max_doc_freq: int = 50
    #: caps that scale with the corpus (issues 11, 14): with a reference size R > 0, each max_doc_freq above and
    #: max_bucket is its index's cap at a corpus of R documents and scales with the corpus's N documents, as
    #: max(min(cap, doc_freq_floor), cap x N / R): a key is dropped when held by more than a share of the corpus,
    #: so an index's early add drops the keys a scan of the grown corpus drops. 0: the caps are absolute counts
    #: (default: scaled caps change every scan, and have been through the tune split only; BENCHMARKS.md,
    #: "Frequency caps and adds").
    doc_freq_reference: int = 0
    doc_freq_floor: int = 8
    #: a quotation is quoted whole or cut short, seldom with words inserted: its shingles stay on one diagonal.
    quote_band: int = 2

    # furniture inside the text (candidates.furniture): a shingle held by at least furniture_min_holders documents
    # whose holders, sampled in pairs, agree on under furniture_max_holder_jaccard of their MinHash rows is furniture.
    furniture_min_holders: int = 8
    #: ... and at least this share of the corpus: in a large corpus a common phrase is held by dozens of unrelated
    #: texts without being anyone's furniture (at 200k documents, 8 holders masked so much text that 9% of the
    #: planted near-duplicates of the speed corpus went unseen).
    furniture_min_holder_share: float = 0.0005
    furniture_max_holder_jaccard: float = 0.3
    #: holder pairs compared per shingle: (0,1), (2,3), ... of its first holders.
    furniture_holder_pairs: int = 4
    #: at most this many holder texts complete the furniture passages.
    furniture_max_passage_texts: int = 4096
    #: a run of common shingles goes on across this many positions without one: a word or two that vary (a date);
    #: 2 x shingle_words.
    passage_bridge: int = 10

    # across languages on anchors (candidates.crosslingual)
    crosslingual_min_shared_anchors: int = 2
    #: anchors held by more than this many documents are too common to rank anything.
    crosslingual_max_doc_freq: int = 2000
    #: tune split (45 translations): the anchors rank the source first for most, up to 14th where the lead
    #: embedding finds it instead; the worst found by anchors alone ranks 5th. 8 leaves a margin (~7% of a
    #: tune-suite scan).
    crosslingual_top_k: int = 8

    # across languages on lead embeddings (candidates.neighbours)
    #: tune split (87 translations): cutting leads at 100 characters ranks as many sources first as at 160, and
    #: embedding a lead costs about 1.1 ms instead of 1.6.
    lead_chars: int = 100
    #: a lead is the first sentence of at least this many words: a dateline says nothing of the story.
    min_lead_words: int = 8
    #: anchor partners per foreign document narrowed by lead embeddings.
    lead_shortlist: int = 50
    lead_top_k: int = 3
    lead_min_cosine: float = 0.5
    #: nearest leads kept per later sentence of a foreign document (candidates.neighbours.stretch_neighbours). Tune
    #: split: the sources of all 67 translated passages put inside other texts nominated (57 before), 241 pairs
    #: more (about 0.15 of the cross-language candidates); 2 per sentence nominate 420 more for none found.
    stretch_top_k: int = 1

    # deep semantic mode (candidates.deep): every sentence embedded, pairs nominated on nearest sentences
    #: a sentence's nearest sentences of other documents kept: a story's copies beyond this many are found through
    #: the copies themselves (and by the lexical indexes, which see near-verbatim families whole). Not fewer: a
    #: translation stripped of names meets its source's sentences below the story's other copies (tune suite cut to
    #: its truth's documents, where each stripped translation has three same-language twins: 8, 24, 48, 64 found
    #: 63, 66, 70, 71 of its 77; at 64, with no floor of two links, five false copies).
    deep_top_k: int = 48
    #: a neighbour at least this near. Not alignment's cross-language bar (0.6): a translation stripped of its names
    #: and numbers meets its source's sentences at 0.4-0.6 only, each its counterpart's nearest, in order (tune
    #: split's stripped_translation cases: 47 of 77 nominated and found at 0.6); mutual neighbours in order, not the
    #: cosine, are what tells a copy here.
    deep_min_cosine: float = 0.4
    #: the cross-language bars of alignment for a pair deep mode alone nominated (no name, number, lead or wording
    #: in common led to it; config.unanchored): its sentences' order vouches for it. Tune split: 0.6 and 0.45
    #: (AlignConfig's) found 10 of the 30 stripped translations nominated at deep_min_cosine and missed, these 26;
    #: applied to every pair (those sharing anchors too) they called 5 of 14 translations of two reports of one
    #: event translations of each other.
    deep_alone_min_cosine: float = 0.45
    deep_alone_ordered_min_cosine: float = 0.35
    #: sentences each other's near neighbours, in the same order in both documents, that nominate a pair (fewer
    #: when the shorter text has fewer usable sentences): the number that makes a copy in classification
    #: (ClassifyConfig.min_aligned_sentences).
    deep_min_sentences: int = 3
    #: a sentence of fewer tokens (a dateline, "Read more.") is near too many others to nominate anything.
    deep_min_sentence_tokens: int = 6

    def doc_freq_cap(self, cap: int, documents: int) -> int:
        """The most holders a key of an index capped at `cap` may have in a corpus of `documents` documents
        (doc_freq_reference)."""
        if self.doc_freq_reference <= 0:
            return cap
        return max(min(cap, self.doc_freq_floor), cap * documents // self.doc_freq_reference)


@dataclass(frozen=True)
class AlignConfig:
    # verbatim passages (align.verbatim): seed, extend, merge, filter (the PAN text-alignment pipeline)
    seed_words: int = 4
    #: seed shingles recurring more than this in both texts (refrains, lists) seed nothing: their seeds would be
    #: quadratic. One held at most this often by one text seeds every copy in the other (an article pasted five
    #: times into a longer text is five passages, not a paraphrase: issue 17).
    max_seed_repeats: int = 4
    #: seeds and runs this close (in tokens) chain into one passage ...
    max_gap: int = 12
    #: ... with at most this drift off their diagonal: a few words inserted or deleted.
    max_drift: int = 8
    #: a passage shorter than this (in matched words) is a stock phrase, not reuse.
    min_passage_words: int = 10
    #: a run joins a passage only if it is among the merge_window most recently started ones: a passage still goes
    #: on after up to seven stray matches elsewhere started passages of their own, and merging costs at most 8
    #: checks a run.
    merge_window: int = 8

    # sentences (align.sentences): skeleton, content and meaning
    #: a sentence needs this many skeleton trigrams / content words to be compared on them at all.
    min_skeleton_grams: int = 3
    min_content_words: int = 3
    #: a spun sentence keeps its function-word order: most of its skeleton trigrams recur in its source sentence,
    #: and some content words (those the spinner left) with them.
    spin_skeleton_dice: float = 0.5
    spin_content_dice: float = 0.1
    #: a reworded sentence keeps most of its content words.
    paraphrase_content_dice: float = 0.45
    #: embedding match: cosine at least this, and embedding_min_margin above the mean of each side's
    #: margin_neighbours nearest other sentences (Artetxe and Schwenk 2019). Tune split: a translated sentence meets
    #: its source at 0.6-0.92; sentences of independent same-language reports of one event reach 0.6-0.86 too, but
    #: rarely 0.8 (the figure METHODS.md reports), hence a higher bar within a language.
    cross_language_min_cosine: float = 0.6
    same_language_min_cosine: float = 0.8
    #: a translated sentence between two matched ones, where the source's order puts it, needs less: tune split,
    #: 0.47-0.58 for sentences a translator split or that the model renders poorly (Japanese, Chinese).
    ordered_min_cosine: float = 0.45
    embedding_min_margin: float = 1.1
    margin_neighbours: int = 3

    # the cascade (align.cascade)
    #: a same-language pair goes to the embedding model only when lexically matched sentences already cover this
    #: much of one side: below it, the pair is an ordinary candidate that shares a few sentences' worth of words.
    meaning_min_lexical_coverage: float = 0.35
    #: of the longer side of a cross-language pair, the sentences embedded are those holding an anchor of the
    #: shorter, their neighbours within anchor_reach, the first lead_sentences, and runs of at most anchor_gap
    #: sentences between those (align.meaning).
    anchor_reach: int = 1
    lead_sentences: int = 3
    anchor_gap: int = 3
    #: a same-language pair whose lexical matches hold a block (ClassifyConfig.passage_max_gap) of
    #: passage_seed_matches sentences is matched on meaning around it, passage_reach sentences either side on each
    #: side (align.cascade.around_passages): a passage spun at half its words keeps a sentence or two matched on its
    #: skeleton, its others next to them.
    passage_seed_matches: int = 2
    passage_reach: int = 4
    #: a same-language pair the words leave open is embedded whole when its longer side has at most this many
    #: sentences, else only around its blocks of lexically matched sentences (as around_passages): the rest of a long
    #: text cannot change the verdict (bench/longdoc.py: partial copies of ~9 KB digests embedded 120-230 sentences
    #: each). News articles (synthetic suite, METER) stay under it and are embedded whole, as before.
    meaning_whole_max_sentences: int = 80
    #: the longer side of a cross-language pair is first embedded only in its probe_sentences sentences holding the
    #: most distinct anchors of the shorter, and its lead: when none meets cross_language_min_cosine with a sentence
    #: of the shorter, nothing of it is a translation and the rest is not embedded (bench/longdoc.py: 33 of 38
    #: cross-language candidates were no translation, ~20 sentences each). 0: no probe.
    probe_sentences: int = 6

    # long documents (align.windows): a document of millions of tokens is aligned against a short one only in the
    # windows where the short one's evidence (its seed shingles and anchors) lies in it, so time and memory follow
    # the short side and the windows, not the long side (issue 17: a 60 MB document took 7.6 min and 4.4 GB).
    #: a side longer than this (tokens, ~600 KB of English) is aligned in windows; news articles are a few thousand
    #: tokens at most, so ordinary corpora are aligned whole, as before (examples and tune split: identical output).
    window_min_tokens: int = 100_000
    #: tokens kept either side of a stretch of hits, and the gap between hits that still joins them into one
    #: window is twice this: a few sentences of context, so sentences reworded beside the copied ones are aligned.
    window_pad_tokens: int = 100
    #: windows holding fewer distinct seeds and anchors of the short text than this share of the best window's are
    #: chance phrases the long text holds (a refrain it repeats thousands of times), not where the short text came
    #: from: on bench/bigdoc.py's documents this leaves each planted copy's own stretch, and all 20 are partial.
    window_min_hit_share: float = 0.25
    #: at most this many tokens of the long side are aligned at once (the richest windows first): bounds the
    #: sentence matrices (window sentences x short sentences) and the sentences embedded.
    window_max_tokens: int = 50_000


@dataclass(frozen=True)
class ClassifyConfig:
    #: both sides at least this much inside aligned passages: the same text with other furniture or small edits.
    near_duplicate_min_coverage: float = 0.8
    #: reuse of fewer unquoted words than this is not a copy: independent reports share a stock sentence or two.
    min_copy_words: int = 25
    #: a passage of at least this many unquoted words is substantial reuse on its own (~2-3 sentences of news prose).
    partial_min_words: int = 40
    #: a short text this much inside a longer one is an excerpt of it, even below partial_min_words.
    excerpt_min_coverage: float = 0.5
    #: shared quotation of at least this many words marks two reports of the same event (DESIGN: same_story).
    same_story_min_quoted_words: int = 8
    #: sentences matched on skeleton, content or meaning that make two texts related when they fall short of a copy.
    same_story_min_sentences: int = 2
    #: a passage this much inside quotes on either side is quoted material, not reuse of the other's prose.
    quoted_passage_share: float = 0.8
    #: a side at least this much inside the other, while the other is at most container_max_coverage inside it,
    #: was cut out of the other: the containing text is the likely original.
    contained_min_coverage: float = 0.8
    container_max_coverage: float = 0.6
    #: a sentence alignment names a disguised copy with at least this many matched sentences (fewer when the shorter
    #: text has fewer) covering at least min_sentence_coverage of one side: a copy is most of at least one text
    #: (tune split: spun, paraphrased and translated copies cover 0.66-1.0 of the shorter side; reports of one event
    #: that share a few reworded facts, 0.24-0.5).
    min_aligned_sentences: int = 3
    min_sentence_coverage: float = 0.5
    #: an alignment made mostly (this share of its matches) on meaning is a copy found on meaning ...
    meaning_majority: float = 0.5
    #: ... and must match this share of the shorter side's sentences: a translated excerpt matches nearly all of its
    #: sentences (tune split: 0.71-1.0), two reports of one event a few (0.0-0.24).
    meaning_min_shorter_share: float = 0.6
    #: the rewritten side's own words are rarer by at least this (mean log-probability per word, nats) to name it.
    rewrite_min_rarity_gap: float = 0.3
    #: a disguised verdict replaces a verbatim one only when it covers this much more of a side than the verbatim
    #: passages do.
    disguise_margin: float = 0.05
    #: a spun copy: most matches on the function-word skeleton, in the source's order (tune split: spun copies 1.0,
    #: rule paraphrases 0.76-0.95 with local reordering).
    spun_min_skeleton_share: float = 0.6
    spun_min_in_order: float = 0.95
    #: a copy aligned near-verbatim overall is rewritten when at least this share of its aligned sentences has words
    #: swapped inside (tune split: near-duplicates 0.0, 20% spins 0.32-0.50, 35% spins 0.32-0.90) ...
    spun_min_edited_share: float = 0.25
    #: ... with at least this share of their words swapped (a 20% spin of content words swaps ~1 word in 10; the
    #: speed corpus's planted near-duplicates, a few words changed, ~1 in 100).
    spun_min_swapped_words: float = 0.04
    #: ... and spun when sentence for sentence: re-split and merged sentences change the sentence count.
    spun_min_sentence_ratio: float = 0.9
    #: a text translated from one report matches other outlets' reports of the same event too. Where two partners
    #: that are not copies of one another explain the same stretch of a translation (competing_overlap of the
    #: weaker's), the one whose sentences match clearly worse (mean cosine lower by competing_margin) is the same
    #: story, not its source (tune split: the translation of news-1817 matched news-1853 at 0.66 and its source at
    #: 0.73; of news-853, news-850 at 0.77 and its source at 0.85).
    competing_overlap: float = 0.5
    competing_margin: float = 0.03
    #: a disguised passage inside a longer text: matched sentences with at most passage_max_gap sentences between
    #: them on each side form one block (align.sentences.sentence_blocks; a paraphrase drops or splits a sentence
    #: here and there, a translator merges two).
    passage_max_gap: int = 2
    #: A block is a copy of a passage, however small a share of both texts it is, with at least
    #: passage_min_sentences matched on each side, passage_min_density of the usable sentences inside it matched,
    #: passage_min_in_order of its matches in order and a mean match score of passage_min_score. Tune split:
    #: passages spun, reworded or translated into another outlet's article match 3-8 sentences at density 0.67-1.0,
    #: in order 0.75-1.0, mean score 0.65-1.0 (across languages) and 0.74-1.0 (within one); reports of one event
    #: that share reworded facts here and there match at most 3 close together, at density 0.6 and score 0.55-0.56.
    passage_min_sentences: int = 3
    passage_min_density: float = 0.7
    passage_min_in_order: float = 0.6
    passage_min_score: float = 0.6
    #: ... and a reworded (paraphrase) passage passage_min_sentences of them at least this many tokens long: an
    #: author's bio line, "Tips?" and an email address printed under two articles are furniture, not a passage
    #: (tune half of bench/data/news_paraphrase.tsv: such blocks' third-longest sentence 5 tokens; a news sentence has
    #: 15-30). Spun and translated passages keep their rules.
    passage_min_sentence_words: int = 8
    #: a block that is a copy goes on over neighbouring sentences, one on each side, where either is mostly
    #: (passage_quoted_share of its words) a quotation and their words, quoted ones included, meet
    #: passage_quote_min_dice; and over a sentence of one side whose content words lie mostly
    #: (passage_merged_min_containment) in the block's end sentence on the other (SentenceBlock.widened). Tune split,
    #: read on the partial_spun passages reported short: quotations carried on 0.59-0.73, neighbours of the other
    #: text's own 0.04-0.21; a sentence merged by the spinner 0.64 contained, other neighbours 0-0.31.
    passage_quoted_share: float = 0.5
    passage_quote_min_dice: float = 0.5
    passage_merged_min_containment: float = 0.5
    #: a whole-text copy matches the shorter text's lead, its first sentence of at least this many tokens with story
    #: text of its own that ends with a stop (classify.keeps_lead; a dateline is shorter, a headline has no stop).
    lead_min_words: int = 8
    #: names and numbers of the longer text's lead that the shorter may lack, its lead matched (none when unmatched):
    #: one, a figure reported otherwise (tune half of bench/data/news_paraphrase.tsv: rewrites of one report 0-1,
    #: later stories and stories sharing background 2-8).
    lead_max_new_anchors: int = 1


@dataclass(frozen=True)
class EngineConfig:
    """Sizes of batches, tasks and caches: they move speed and memory, never an answer."""

    #: documents per fingerprint batch: big enough that numpy's per-call cost vanishes, small enough for bounded
    #: memory.
    batch_size: int = 1000
    #: documents whose short lines are keyed at once while reading.
    read_batch: int = 2000
    #: candidate pairs per align task.
    align_chunk: int = 500
    #: below this many documents a process pool costs more than it saves.
    pool_min_docs: int = 3000
    #: tasks in flight per worker: enough to keep every worker busy, few enough that memory stays bounded by batches.
    tasks_per_worker: int = 2
    #: prepared documents (tokens, sentences, quotes) an align worker keeps across tasks; ~50 KB each.
    view_cache_size: int = 1024
    #: pairs whose documents are prepared together in one batch (well under view_cache_size / 2).
    prefetch_pairs: int = 128
    #: documents whose sentence embeddings a process keeps (~50 KB each): a document met again in a later pair is
    #: not embedded twice, and only the sentences not embedded before are.
    embedding_cache_documents: int = 4096
    #: an index merges segments when an add leaves more than this many (each segment is a lookup per key and a set
    #: of files to open): the newest ones, by tiers (index.merge_start).
    max_segments: int = 16
    #: ... and whenever its newest small_segments segments are each under small_segment_documents documents: a
    #: service adding a few documents at a time would otherwise keep up to max_segments tiny segments, each one
    #: more lookup for every query, while merging them costs little.
    small_segments: int = 4
    small_segment_documents: int = 2000
    #: the pages of an index's segment files a process keeps mapped, in MB (0: no limit). A reader's binary searches
    #: touch pages all over the key arrays, and the kernel maps 64 KB around each page it reads in: a process that
    #: answers queries for hours would come to map most of the index, its resident memory growing with the index's
    #: size (the pages are the page cache's, shared by every process that maps the file: several readers of one
    #: index hold one copy). Past this, the process lets go of the mapped pages (Segment.release_pages); the page
    #: cache keeps them, and the next reads map them again, at the cost of the page faults (bench/index_query.py
    #: --mapped-mb: at 200k documents, a budget at 85% of what 400 queries map cost 5% more CPU a query, one at 55%
    #: cost 88% more).
    index_mapped_mb: int = 0
    #: deep semantic mode (candidates.deep): documents whose sentences one task embeds, and the blocks of the
    #: nearest-sentence search (query rows x corpus rows at once: 64 MB of float32 cosines on the CPU, 2 GB of
    #: float16 on a GPU).
    deep_batch_documents: int = 200
    deep_block_rows: int = 1024
    deep_block_cols: int = 16384
    deep_gpu_block_rows: int = 8192
    deep_gpu_block_cols: int = 131072


@dataclass(frozen=True)
class Thresholds:
    """Every stage's numbers: what a worker needs to run any stage as the scan was configured."""

    read: ReadConfig = field(default_factory=ReadConfig)
    clean: CleanConfig = field(default_factory=CleanConfig)
    text: TextConfig = field(default_factory=TextConfig)
    fingerprint: FingerprintConfig = field(default_factory=FingerprintConfig)
    candidates: CandidateConfig = field(default_factory=CandidateConfig)
    align: AlignConfig = field(default_factory=AlignConfig)
    classify: ClassifyConfig = field(default_factory=ClassifyConfig)

    def with_values(self, values: dict[str, dict[str, Any]]) -> Thresholds:
        """These thresholds with some replaced: {"stage": {"field": value}}, e.g. {"classify":
        {"min_sentence_coverage": 0.4}}. An unknown stage or field, or a value of the wrong type, is a ValueError
        naming it."""
        stages = {f.name: getattr(self, f.name) for f in fields(self)}
        changed = {}
        for stage, given in values.items():
            if stage not in stages:
                raise ValueError(f"unknown stage {stage!r} in thresholds; stages: {', '.join(stages)}")
            if not isinstance(given, dict):
                raise ValueError(f"thresholds[{stage!r}] must be an object of field: value")
            known = {f.name: f.type for f in fields(stages[stage])}
            for name, value in given.items():
                if name not in known:
                    raise ValueError(f"unknown threshold {stage}.{name}; {stage} has: {', '.join(known)}")
                wanted = float if known[name] == "float" else int
                if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                        wanted is int and not float(value).is_integer()):
                    raise ValueError(f"threshold {stage}.{name} must be a{'n integer' if wanted is int else ' number'}, "
                                     f"not {value!r}")
                given = {**given, name: wanted(value)}
            changed[stage] = replace(stages[stage], **given)
        return replace(self, **changed)

    @classmethod
    def from_json(cls, path: str | Path) -> Thresholds:
        """The defaults with the values of a JSON file ({"stage": {"field": value}}) put in (with_values)."""
        try:
            values = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise ValueError(f"cannot read thresholds from {path}: {e}") from None
        if not isinstance(values, dict):
            raise ValueError(f"{path}: thresholds must be a JSON object of stage: {{field: value}}")
        return DEFAULTS.with_values(values)

    def to_json(self) -> dict[str, dict[str, Any]]:
        return {f.name: {g.name: getattr(getattr(self, f.name), g.name) for g in fields(getattr(self, f.name))}
                for f in fields(self)}


DEFAULTS = Thresholds()


@dataclass
class ScanConfig:
    layers: tuple[str, ...] = LAYERS
    fields: RecordFields = field(default_factory=RecordFields)
    workers: int = 0  # 0: one per core
    engine: str = "local"  # "local" (this machine's cores) or "dask"
    scheduler: str | None = None  # a Dask scheduler's address; None starts a local Dask cluster
    #: a folder that keeps a long scan's finished work (engine.workdir): a run started again with it resumes
    work_dir: str | None = None
    progress: bool = False
    temp_dir: str | None = None
    thresholds: Thresholds = DEFAULTS
    sizes: EngineConfig = field(default_factory=EngineConfig)
    #: where sentence embeddings are computed (DEVICES): auto is cuda where PyTorch sees one, else cpu (the numpy
    #: path, the reference)
    device: str = "auto"
    #: how the semantic layer spends embeddings (SEMANTIC_MODES)
    semantic: str = "auto"

    def __post_init__(self) -> None:
        unknown = set(self.layers) - set(LAYERS)
        if unknown or "lexical" not in self.layers:
            raise ValueError(f"layers must include 'lexical' and be among {LAYERS}, got {self.layers}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {self.device!r}")
        if self.semantic not in SEMANTIC_MODES:
            raise ValueError(f"semantic must be one of {', '.join(SEMANTIC_MODES)}, got {self.semantic!r}")


def unrationed(thresholds: Thresholds) -> Thresholds:
    """The thresholds of deep semantic mode, where every sentence is embedded already: alignment compares every pair
    on meaning (no lexical coverage asked first, align.cascade) and every sentence of a long side across languages
    (not only those near shared anchors and the lead, align.meaning). The kinds' thresholds stay."""
    return replace(thresholds, align=replace(thresholds.align, meaning_min_lexical_coverage=0.0,
                                             lead_sentences=1 << 30, meaning_whole_max_sentences=1 << 30,
                                             probe_sentences=0))


def unanchored(thresholds: Thresholds) -> Thresholds:
    """The thresholds of a pair deep semantic mode alone nominated (engine.local): those of unrationed, with the
    lower cross-language bars of a translation that keeps no name or number of its source (CandidateConfig
    deep_alone_min_cosine, deep_alone_ordered_min_cosine)."""
    deep = unrationed(thresholds)
    return replace(deep, align=replace(deep.align, cross_language_min_cosine=thresholds.candidates.deep_alone_min_cosine,
                                       ordered_min_cosine=thresholds.candidates.deep_alone_ordered_min_cosine))
