/* copytrace's compiled core: the per-byte and per-seed loops that numpy can only express as many passes.
 *
 * tokenize  one pass over a batch of texts: token hashes, character spans, flags.
 * line_table, line_keys  a text's lines, and keys of the short ones (what furniture lines are told by).
 * shingles  k-token shingle hashes of every document of a batch.
 * minhash   MinHash signatures (one permutation, densified).
 * member    set membership of hashes.
 * argsort_u64  stable order of 64-bit keys.
 * quote_bounds  character spans of a text's quotations.
 * align     verbatim passages of a pair from its seed shingles: seed, chain on diagonals, merge, cover.
 *
 * Every function takes and returns plain bytes buffers (little-endian machine arrays); the Python side views them
 * with numpy.frombuffer, so the extension needs nothing but Python.h. The Python wrappers and the meaning of
 * every output live in copytrace.fingerprint.tokens, copytrace.clean.boilerplate and copytrace.align.lexical.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

static const uint64_t SHINGLE_MULT[10] = {
    0x9E3779B97F4A7C15ULL, 0xC2B2AE3D27D4EB4FULL, 0x165667B19E3779F9ULL, 0xD6E8FEB86659FD93ULL,
    0xFF51AFD7ED558CCDULL, 0xC4CEB9FE1A85EC53ULL, 0x94D049BB133111EBULL, 0xBF58476D1CE4E5B9ULL,
    0x85EBCA77C2B2AE63ULL, 0x27D4EB2F165667C5ULL,
};

/* A growable output buffer backed by a bytes object. */
typedef struct {
    PyObject *bytes;
    Py_ssize_t used, cap;
} Out;

static int out_init(Out *o, Py_ssize_t cap) {
    if (cap < 64) cap = 64;
    o->bytes = PyBytes_FromStringAndSize(NULL, cap);
    o->used = 0;
    o->cap = cap;
    return o->bytes ? 0 : -1;
}

static int out_reserve(Out *o, Py_ssize_t extra) {
    if (o->used + extra <= o->cap) return 0;
    Py_ssize_t cap = o->cap * 2;
    while (cap < o->used + extra) cap *= 2;
    if (_PyBytes_Resize(&o->bytes, cap) < 0) return -1;
    o->cap = cap;
    return 0;
}

static inline char *out_ptr(Out *o) { return PyBytes_AS_STRING(o->bytes) + o->used; }

static PyObject *out_finish(Out *o) {
    if (_PyBytes_Resize(&o->bytes, o->used) < 0) return NULL;
    return o->bytes;
}

#define OUT_PUT(o, type, value) do { \
    if (out_reserve((o), sizeof(type)) < 0) goto fail; \
    *(type *)out_ptr(o) = (value); (o)->used += sizeof(type); } while (0)

/* A word character: an ASCII letter or digit, or any non-ASCII character outside Latin-1's punctuation block
 * (U+0080-U+00BF), General Punctuation (U+2000-U+206F: curly quotes, dashes, ellipsis), CJK Symbols and
 * Punctuation (U+3000-U+303F: 、。「」), the fullwidth forms' punctuation (（），：！？), the Arabic comma, semicolon,
 * question mark and full stop, the Devanagari dandas and the katakana middle dot (・). */
static inline int is_word(Py_UCS4 cp) {
    if (cp < 0x80) return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
    if (cp <= 0xBF || (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x3000 && cp <= 0x303F)) return 0;
    if (cp >= 0xFF00 && cp <= 0xFF65)  /* fullwidth: letters and digits are words, the rest punctuation */
        return (cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A);
    return !(cp == 0x060C || cp == 0x061B || cp == 0x061F || cp == 0x06D4 || cp == 0x0964 || cp == 0x0965 ||
             cp == 0x30FB);
}

/* The value of a decimal digit of the scripts news is written in (ASCII, Arabic-Indic, Persian, Devanagari,
 * fullwidth), else -1: "٢٠١٧" is the token 2017. */
static inline int digit_value(Py_UCS4 cp) {
    if (cp < 0x80) return cp >= '0' && cp <= '9' ? (int)(cp - '0') : -1;
    if (cp >= 0x0660 && cp <= 0x0669) return (int)(cp - 0x0660);
    if (cp >= 0x06F0 && cp <= 0x06F9) return (int)(cp - 0x06F0);
    if (cp >= 0x0966 && cp <= 0x096F) return (int)(cp - 0x0966);
    if (cp >= 0xFF10 && cp <= 0xFF19) return (int)(cp - 0xFF10);
    return -1;
}

/* Han ideographs and Japanese kana: written without spaces between words, so each is a token of its own (as
 * search engines index them), and numbers and Latin words amid them are tokens too ("3月15日": 3, 月, 15, 日). */
static inline int is_ideograph(Py_UCS4 cp) {
    return cp >= 0x3040 && (cp <= 0x30FF || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
                            (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FFFF));
}

/* The line of text starting at i (lines end at '\n'): its bounds without surrounding whitespace in *s, *e (equal
 * when blank), and in *key 0, or, for a line of at most max_chars characters and max_words words (runs of
 * non-whitespace, as str.split counts them), a non-zero hash of its lower-cased characters with every run of
 * whitespace inside it as one space: the same line typed in another case or spacing has the same key.
 * Returns where the next line starts. */
static Py_ssize_t next_line(int kind, const void *data, Py_ssize_t n, Py_ssize_t i, Py_ssize_t max_chars,
                            Py_ssize_t max_words, Py_ssize_t *s, Py_ssize_t *e, uint64_t *key) {
    Py_ssize_t end = i;
    if (kind == PyUnicode_1BYTE_KIND) {
        const char *nl = i < n ? memchr((const char *)data + i, '\n', n - i) : NULL;
        end = nl ? nl - (const char *)data : n;
    } else if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *p = data;
        while (end < n && p[end] != '\n') end++;
    } else {
        const Py_UCS4 *p = data;
        while (end < n && p[end] != '\n') end++;
    }
    Py_ssize_t a = i, b = end;
    while (a < b && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, a))) a++;
    while (b > a && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, b - 1))) b--;
    *s = a;
    *e = b;
    *key = 0;
    if (b > a && b - a <= max_chars) {
        Py_ssize_t words = 0;
        int in_space = 1;
        uint64_t h = 0xCBF29CE484222325ULL;
        for (Py_ssize_t k = a; k < b; k++) {
            Py_UCS4 cp = PyUnicode_READ(kind, data, k);
            if (Py_UNICODE_ISSPACE(cp)) { in_space = 1; continue; }
            if (in_space) {
                if (++words > max_words) break;
                if (words > 1) h = (h ^ ' ') * 0x100000001B3ULL;
                in_space = 0;
            }
            h = (h ^ (cp < 0x80 ? (cp >= 'A' && cp <= 'Z' ? cp | 0x20 : cp) : Py_UNICODE_TOLOWER(cp))) * 0x100000001B3ULL;
        }
        if (words <= max_words) *key = mix64(h) | 1;
    }
    return end + 1;
}

/* line_table(text, max_chars, max_words) -> (((start, end), ...) of every non-blank line, [(line number, key), ...]
 * of the short ones, the characters of all lines): see next_line. */
static PyObject *line_table(PyObject *self, PyObject *args) {
    PyObject *t;
    Py_ssize_t max_chars, max_words;
    if (!PyArg_ParseTuple(args, "Unn", &t, &max_chars, &max_words)) return NULL;
    int kind = PyUnicode_KIND(t);
    const void *data = PyUnicode_DATA(t);
    Py_ssize_t n = PyUnicode_GET_LENGTH(t), i = 0, s, e, chars = 0;
    uint64_t key;
    PyObject *spans = PyList_New(0), *shorts = PyList_New(0), *result = NULL;
    if (!spans || !shorts) goto done;
    while (i <= n) {
        i = next_line(kind, data, n, i, max_chars, max_words, &s, &e, &key);
        if (s == e) continue;
        chars += e - s;
        PyObject *span = Py_BuildValue("(nn)", s, e);
        if (!span || PyList_Append(spans, span) < 0) { Py_XDECREF(span); goto done; }
        Py_DECREF(span);
        if (key) {
            PyObject *row = Py_BuildValue("(nK)", PyList_GET_SIZE(spans) - 1, (unsigned long long)key);
            if (!row || PyList_Append(shorts, row) < 0) { Py_XDECREF(row); goto done; }
            Py_DECREF(row);
        }
    }
    result = Py_BuildValue("(NOn)", PyList_AsTuple(spans), shorts, chars);
done:
    Py_XDECREF(spans);
    Py_XDECREF(shorts);
    return result;
}

static int cmp_u64(const void *x, const void *y) {
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* line_keys(texts: list[str], max_chars, max_words) -> u64: the keys of every text's short lines, each text's
 * distinct keys once (so counting a key counts the texts that hold the line). */
static PyObject *line_keys(PyObject *self, PyObject *args) {
    PyObject *texts;
    Py_ssize_t max_chars, max_words;
    if (!PyArg_ParseTuple(args, "O!nn", &PyList_Type, &texts, &max_chars, &max_words)) return NULL;
    Out o;
    if (out_init(&o, 1024) < 0) return NULL;
    for (Py_ssize_t d = 0; d < PyList_GET_SIZE(texts); d++) {
        PyObject *t = PyList_GET_ITEM(texts, d);
        if (!PyUnicode_Check(t)) {
            PyErr_Format(PyExc_TypeError, "text %zd is not a str", d);
            goto fail;
        }
        int kind = PyUnicode_KIND(t);
        const void *data = PyUnicode_DATA(t);
        Py_ssize_t n = PyUnicode_GET_LENGTH(t), i = 0, s, e, first = o.used / 8;
        uint64_t key;
        while (i <= n) {
            i = next_line(kind, data, n, i, max_chars, max_words, &s, &e, &key);
            if (key) OUT_PUT(&o, uint64_t, key);
        }
        uint64_t *keys = (uint64_t *)PyBytes_AS_STRING(o.bytes) + first;
        Py_ssize_t m = o.used / 8 - first, kept = 0;
        if (m > 1) {
            qsort(keys, m, 8, cmp_u64);
            for (Py_ssize_t k = 0; k < m; k++)
                if (k == 0 || keys[k] != keys[k - 1]) keys[kept++] = keys[k];
            o.used = (first + kept) * 8;
        }
    }
    return out_finish(&o);
fail:
    Py_DECREF(o.bytes);
    return NULL;
}

/* Word class and lower case (Unicode's simple case mapping) of the characters below U+0100, filled at import. */
static uint8_t WORD1[256];
static Py_UCS4 LOWER1[256];

static void init_char_tables(void) {
    for (Py_UCS4 c = 0; c < 256; c++) {
        WORD1[c] = (uint8_t)is_word(c);
        LOWER1[c] = Py_UNICODE_TOLOWER(c);
    }
}

/* The four token arrays of tokenize: bytes objects filled in place, resized as they grow and once at the end. */
typedef struct {
    PyObject *hashes, *starts, *ends, *flags;
} TokenArrays;

static int token_arrays_resize(TokenArrays *t, Py_ssize_t cap) {
    if (_PyBytes_Resize(&t->hashes, cap * 8) < 0 || _PyBytes_Resize(&t->starts, cap * 8) < 0 ||
        _PyBytes_Resize(&t->ends, cap * 8) < 0 || _PyBytes_Resize(&t->flags, cap) < 0)
        return -1;
    return 0;
}

/* tokenize(texts: list[str]) -> (hashes u64, starts i64, ends i64, flags u8, doc_offsets i64, exact u64)
 *
 * A token is a maximal run of word characters. Its hash is FNV-1a over its lower-cased code points (Unicode's
 * simple case mapping), mixed; starts/ends are character offsets in its own text; flags: 1 when it begins with an
 * ASCII capital, 2 when it is all digits (of any script digit_value reads, hashed as ASCII digits). exact: one hash per text of its token sequence (each token hash
 * weighted by its position, so order matters). The texts are read in place (no encoding, no joining). */
static PyObject *tokenize(PyObject *self, PyObject *args) {
    PyObject *texts;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &texts)) return NULL;
    Py_ssize_t n_docs = PyList_GET_SIZE(texts), total = 0;
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        PyObject *t = PyList_GET_ITEM(texts, d);
        if (!PyUnicode_Check(t)) {
            PyErr_Format(PyExc_TypeError, "text %zd is not a str", d);
            return NULL;
        }
        total += PyUnicode_GET_LENGTH(t);
    }
    Py_ssize_t cap = total / 5 + 16;
    TokenArrays out = {PyBytes_FromStringAndSize(NULL, cap * 8), PyBytes_FromStringAndSize(NULL, cap * 8),
                       PyBytes_FromStringAndSize(NULL, cap * 8), PyBytes_FromStringAndSize(NULL, cap)};
    PyObject *docs = PyBytes_FromStringAndSize(NULL, (n_docs + 1) * 8);
    PyObject *exact = PyBytes_FromStringAndSize(NULL, n_docs * 8);
    PyObject *result = NULL;
    if (!out.hashes || !out.starts || !out.ends || !out.flags || !docs || !exact) goto done;
    uint64_t *h_out = (uint64_t *)PyBytes_AS_STRING(out.hashes);
    int64_t *s_out = (int64_t *)PyBytes_AS_STRING(out.starts), *e_out = (int64_t *)PyBytes_AS_STRING(out.ends);
    uint8_t *f_out = (uint8_t *)PyBytes_AS_STRING(out.flags);
    int64_t *d_out = (int64_t *)PyBytes_AS_STRING(docs);
    uint64_t *x_out = (uint64_t *)PyBytes_AS_STRING(exact);
    Py_ssize_t n_tokens = 0;
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        PyObject *t = PyList_GET_ITEM(texts, d);
        const void *data = PyUnicode_DATA(t);
        Py_ssize_t n = PyUnicode_GET_LENGTH(t), i = 0;
        d_out[d] = n_tokens;
        /* one loop per storage width: a character of the text is then a plain array read, and (below U+0100) its
         * class and lower case come from a table */
#define TOKENIZE_TEXT(TYPE, WIDE)                                                                               \
        do {                                                                                                    \
            const TYPE *p = (const TYPE *)data;                                                                 \
            while (i < n) {                                                                                     \
                Py_UCS4 cp = p[i];                                                                              \
                if (!(cp < 0x100 ? WORD1[cp] : is_word(cp))) { i++; continue; }                                 \
                if (n_tokens == cap) {                                                                          \
                    cap *= 2;                                                                                   \
                    if (token_arrays_resize(&out, cap) < 0) goto done;                                          \
                    h_out = (uint64_t *)PyBytes_AS_STRING(out.hashes);                                          \
                    s_out = (int64_t *)PyBytes_AS_STRING(out.starts);                                           \
                    e_out = (int64_t *)PyBytes_AS_STRING(out.ends);                                             \
                    f_out = (uint8_t *)PyBytes_AS_STRING(out.flags);                                            \
                }                                                                                               \
                Py_ssize_t start = i;                                                                           \
                uint8_t capital = cp >= 'A' && cp <= 'Z';                                                       \
                int digits = 1, single = WIDE && cp >= 0x100 && is_ideograph(cp), digit, was_wide;              \
                uint64_t h = 0xCBF29CE484222325ULL;                                                             \
                do {                                                                                            \
                    digit = WIDE ? digit_value(cp) : (cp <= '9' ? (int)(cp - '0') : -1);                        \
                    digits &= digit >= 0;                                                                       \
                    Py_UCS4 c = WIDE && digit >= 0 ? (Py_UCS4)('0' + digit) : cp;                               \
                    h = (h ^ (c < 0x100 ? LOWER1[c] : Py_UNICODE_TOLOWER(c))) * 0x100000001B3ULL;               \
                    if (++i >= n || single) break;                                                              \
                    was_wide = cp >= 0x100;                                                                     \
                    cp = p[i];                                                                                  \
                    /* a number and a word of a script beyond Latin-1 written together are two tokens ("2017년", \
                     * "50€"); text of Latin-1 characters alone (stored one byte a character) has no such seam */  \
                    if (WIDE && (was_wide || cp >= 0x100) && (digit >= 0) != (digit_value(cp) >= 0)) break;     \
                } while (cp < 0x100 ? WORD1[cp] : is_word(cp) && !is_ideograph(cp));                            \
                h_out[n_tokens] = mix64(h);                                                                     \
                s_out[n_tokens] = start;                                                                        \
                e_out[n_tokens] = i;                                                                            \
                f_out[n_tokens] = (uint8_t)(capital | (digits << 1));                                           \
                n_tokens++;                                                                                     \
            }                                                                                                   \
        } while (0)
        switch (PyUnicode_KIND(t)) {
            case PyUnicode_1BYTE_KIND: TOKENIZE_TEXT(Py_UCS1, 0); break;
            case PyUnicode_2BYTE_KIND: TOKENIZE_TEXT(Py_UCS2, 1); break;
            default: TOKENIZE_TEXT(Py_UCS4, 1); break;
        }
#undef TOKENIZE_TEXT
        /* the exact hash: every token hash weighted by its position, summed (mod 2^64), mixed */
        uint64_t acc = 0;
        for (Py_ssize_t k = d_out[d]; k < n_tokens; k++)
            acc += mix64(h_out[k] ^ ((uint64_t)(k - d_out[d]) * 0x9E3779B97F4A7C15ULL));
        x_out[d] = mix64(acc);
    }
    d_out[n_docs] = n_tokens;
    if (token_arrays_resize(&out, n_tokens) < 0) goto done;
    result = Py_BuildValue("(NNNNNN)", out.hashes, out.starts, out.ends, out.flags, docs, exact);
    return result;
done:
    Py_XDECREF(out.hashes); Py_XDECREF(out.starts); Py_XDECREF(out.ends); Py_XDECREF(out.flags);
    Py_XDECREF(docs);
    Py_XDECREF(exact);
    return result;
}

/* Offsets of documents into an array of n_items: at least one entry, non-decreasing, within [0, n_items]. Anything
 * else would have the loops over a document read outside the array (or, with no entry at all, write before the
 * offsets they return). */
static int check_offsets(const Py_buffer *ob, Py_ssize_t n_items) {
    const int64_t *off = ob->buf;
    Py_ssize_t m = ob->len / 8;
    int ok = m >= 1 && off[0] >= 0 && off[m - 1] <= n_items;
    for (Py_ssize_t k = 1; ok && k < m; k++) ok = off[k] >= off[k - 1];
    if (!ok) PyErr_SetString(PyExc_ValueError, "offsets must be n_docs + 1 non-decreasing positions in the array");
    return ok ? 0 : -1;
}

/* shingles(hashes u64, doc_offsets i64, k) -> (shingle hashes u64, offsets i64)
 * A shingle's hash combines its k token hashes with distinct odd multipliers, mixed; never across documents. */
static PyObject *shingles(PyObject *self, PyObject *args) {
    Py_buffer hb, ob;
    int k;
    if (!PyArg_ParseTuple(args, "y*y*i", &hb, &ob, &k)) return NULL;
    PyObject *result = NULL;
    if (k < 1 || k > 10) {
        PyErr_SetString(PyExc_ValueError, "shingle size must be 1 to 10");
        goto done;
    }
    if (check_offsets(&ob, hb.len / 8) < 0) goto done;
    const uint64_t *h = hb.buf;
    const int64_t *off = ob.buf;
    Py_ssize_t n_docs = ob.len / 8 - 1;
    Py_ssize_t total = 0;
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        int64_t len = off[d + 1] - off[d];
        if (len >= k) total += len - k + 1;
    }
    PyObject *sh = PyBytes_FromStringAndSize(NULL, total * 8);
    PyObject *so = PyBytes_FromStringAndSize(NULL, (n_docs + 1) * 8);
    if (!sh || !so) { Py_XDECREF(sh); Py_XDECREF(so); goto done; }
    uint64_t *out = (uint64_t *)PyBytes_AS_STRING(sh);
    int64_t *out_off = (int64_t *)PyBytes_AS_STRING(so);
    Py_ssize_t m = 0;
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        out_off[d] = m;
        for (int64_t t = off[d]; t + k <= off[d + 1]; t++) {
            uint64_t acc = 0;
            for (int j = 0; j < k; j++) acc += h[t + j] * SHINGLE_MULT[j];
            out[m++] = mix64(acc);
        }
    }
    out_off[n_docs] = m;
    result = Py_BuildValue("(NN)", sh, so);
done:
    PyBuffer_Release(&hb);
    PyBuffer_Release(&ob);
    return result;
}

/* minhash(shingles u64, offsets i64, num_perm, seed) -> u32 (n_docs, num_perm)
 * One-permutation MinHash with optimal densification (Li, Owen & Zhang 2012; Shrivastava 2017): each shingle's
 * mixed hash picks one of num_perm bins by its high bits and offers its low 32 bits to that bin's minimum; an empty
 * bin borrows the value of the first non-empty bin a hash of (bin, attempt) lands on. Two documents agree on a bin
 * with probability their Jaccard similarity, as with num_perm independent permutations, at one hash per shingle
 * instead of num_perm. A document without shingles gets a row of zeros (meaningless, as its Jaccard is). */
static PyObject *minhash(PyObject *self, PyObject *args) {
    Py_buffer sb, ob;
    int num_perm;
    unsigned long long seed;
    if (!PyArg_ParseTuple(args, "y*y*iK", &sb, &ob, &num_perm, &seed)) return NULL;
    PyObject *result = NULL;
    if (num_perm < 1 || (num_perm & (num_perm - 1)) != 0 || num_perm > 65536) {
        PyErr_SetString(PyExc_ValueError, "num_perm must be a power of two up to 65536");
        goto done;
    }
    if (check_offsets(&ob, sb.len / 8) < 0) goto done;
    const uint64_t *sh = sb.buf;
    const int64_t *off = ob.buf;
    Py_ssize_t n_docs = ob.len / 8 - 1;
    int bits = 0;
    while ((1 << bits) < num_perm) bits++;
    result = PyBytes_FromStringAndSize(NULL, (n_docs > 0 ? n_docs : 0) * num_perm * 4);
    if (!result) goto done;
    uint32_t *out = (uint32_t *)PyBytes_AS_STRING(result);
    uint8_t *filled = malloc(num_perm);
    if (!filled) { Py_CLEAR(result); PyErr_NoMemory(); goto done; }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        uint32_t *row = out + d * num_perm;
        memset(filled, 0, num_perm);
        for (int k = 0; k < num_perm; k++) row[k] = UINT32_MAX;
        for (int64_t t = off[d]; t < off[d + 1]; t++) {
            uint64_t h = mix64(sh[t] ^ seed);
            int bin = bits ? (int)(h >> (64 - bits)) : 0;
            uint32_t v = (uint32_t)h;
            if (v < row[bin]) row[bin] = v;
            filled[bin] = 1;
        }
        if (off[d + 1] == off[d]) { memset(row, 0, num_perm * 4); continue; }
        for (int k = 0; k < num_perm; k++) {
            if (filled[k]) continue;
            for (uint64_t attempt = 1;; attempt++) { /* some bin is filled: this ends */
                uint64_t h = mix64(seed ^ ((uint64_t)k << 32) ^ attempt);
                int from = bits ? (int)(h >> (64 - bits)) : 0;
                if (filled[from]) { row[k] = row[from]; break; }
            }
        }
    }
    Py_END_ALLOW_THREADS
    free(filled);
done:
    PyBuffer_Release(&sb);
    PyBuffer_Release(&ob);
    return result;
}

/* member(values u64, keys u64) -> u8 per value: 1 when it is among keys (an open-addressing table of the keys). */
static PyObject *member(PyObject *self, PyObject *args) {
    Py_buffer vb, kb;
    if (!PyArg_ParseTuple(args, "y*y*", &vb, &kb)) return NULL;
    PyObject *result = NULL;
    const uint64_t *values = vb.buf, *keys = kb.buf;
    Py_ssize_t nv = vb.len / 8, nk = kb.len / 8, slots = 16;
    int bits = 4;
    /* a small key set gets a sparse table (it stays in cache, and a miss mostly ends at its first slot) */
    Py_ssize_t want = nk <= 4096 ? 16 * nk : 2 * nk;
    while (slots < want) { slots *= 2; bits++; }
    uint64_t *table = malloc(slots * sizeof(uint64_t));
    uint8_t *used = calloc(slots, 1);
    if (!table || !used) { PyErr_NoMemory(); goto done; }
    /* Fibonacci hashing: the top bits of the product depend on every bit of the key */
#define SLOT(x) ((Py_ssize_t)(((x) * 0x9E3779B97F4A7C15ULL) >> (64 - bits)))
    for (Py_ssize_t k = 0; k < nk; k++) {
        Py_ssize_t at = SLOT(keys[k]);
        while (used[at] && table[at] != keys[k]) at = (at + 1) & (slots - 1);
        used[at] = 1;
        table[at] = keys[k];
    }
    result = PyBytes_FromStringAndSize(NULL, nv);
    if (!result) goto done;
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t v = 0; v < nv; v++) {
        Py_ssize_t at = SLOT(values[v]);
        while (used[at] && table[at] != values[v]) at = (at + 1) & (slots - 1);
        out[v] = used[at];
    }
    Py_END_ALLOW_THREADS
#undef SLOT
done:
    free(table);
    free(used);
    PyBuffer_Release(&vb);
    PyBuffer_Release(&kb);
    return result;
}

/* equal_ranges(haystack u64 sorted, needles u64) -> (lo i64, hi i64): where each needle's run of equal keys lies in
 * the haystack, as numpy's searchsorted "left" and "right" give it. The branchless binary searches of LANES needles
 * advance level by level together: their loads do not wait on one another, so the processor keeps a cache miss of
 * each in flight at once. A key index of a large corpus is far bigger than the cache, and a lone binary search (as
 * numpy's) waits for each of its misses in turn. Each needle's two searches share their path down to the run, so
 * its second costs few misses. */
#define LANES 16
static PyObject *equal_ranges(PyObject *self, PyObject *args) {
    Py_buffer hb, nb;
    if (!PyArg_ParseTuple(args, "y*y*", &hb, &nb)) return NULL;
    const uint64_t *a = hb.buf, *x = nb.buf;
    Py_ssize_t n = hb.len / 8, m = nb.len / 8;
    PyObject *lo_bytes = PyBytes_FromStringAndSize(NULL, m * 8), *hi_bytes = PyBytes_FromStringAndSize(NULL, m * 8);
    PyObject *result = NULL;
    if (!lo_bytes || !hi_bytes) goto done;
    int64_t *lo = (int64_t *)PyBytes_AS_STRING(lo_bytes), *hi = (int64_t *)PyBytes_AS_STRING(hi_bytes);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t s = 0; s < m; s += LANES) {
        int lanes = (int)(m - s < LANES ? m - s : LANES);
        Py_ssize_t bl[LANES], bh[LANES];
        for (int l = 0; l < lanes; l++) bl[l] = bh[l] = 0;
        if (n == 0) {
            for (int l = 0; l < lanes; l++) lo[s + l] = hi[s + l] = 0;
            continue;
        }
        for (Py_ssize_t len = n; len > 1; ) {
            Py_ssize_t half = len / 2;
            for (int l = 0; l < lanes; l++) {
                uint64_t v = x[s + l];
                bl[l] = a[bl[l] + half] < v ? bl[l] + half : bl[l];
                bh[l] = a[bh[l] + half] <= v ? bh[l] + half : bh[l];
            }
            len -= half;
        }
        for (int l = 0; l < lanes; l++) {
            lo[s + l] = bl[l] + (a[bl[l]] < x[s + l]);
            hi[s + l] = bh[l] + (a[bh[l]] <= x[s + l]);
        }
    }
    Py_END_ALLOW_THREADS
    result = PyTuple_Pack(2, lo_bytes, hi_bytes);
done:
    Py_XDECREF(lo_bytes);
    Py_XDECREF(hi_bytes);
    PyBuffer_Release(&hb);
    PyBuffer_Release(&nb);
    return result;
}
#undef LANES

/* argsort_u64(keys u64) -> i64 order: a stable LSD radix sort, 11 bits a pass, passes over constant digits skipped.
 * numpy's argsort of uint64 is a comparison sort, ~10x slower on the tens of millions of keys a corpus index holds. */
#define RADIX_BITS 11
#define RADIX (1 << RADIX_BITS)
static PyObject *argsort_u64(PyObject *self, PyObject *args) {
    Py_buffer kb;
    if (!PyArg_ParseTuple(args, "y*", &kb)) return NULL;
    const uint64_t *keys = kb.buf;
    Py_ssize_t n = kb.len / 8;
    PyObject *result = PyBytes_FromStringAndSize(NULL, n * 8);
    uint64_t *ka = malloc((n ? n : 1) * 8), *kb2 = malloc((n ? n : 1) * 8);
    int64_t *ib = malloc((n ? n : 1) * 8);
    Py_ssize_t *count = malloc(RADIX * sizeof(Py_ssize_t));
    if (!result || !ka || !kb2 || !ib || !count) {
        Py_XDECREF(result);
        result = NULL;
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    int64_t *ia = (int64_t *)PyBytes_AS_STRING(result); /* the order is built in place in the result */
    Py_BEGIN_ALLOW_THREADS /* plain memory work from here on: other threads may run */
    for (Py_ssize_t k = 0; k < n; k++) { ka[k] = keys[k]; ia[k] = k; }
    uint64_t *src_k = ka, *dst_k = kb2;
    int64_t *src_i = ia, *dst_i = ib;
    for (int shift = 0; shift < 64; shift += RADIX_BITS) {
        memset(count, 0, RADIX * sizeof(Py_ssize_t));
        for (Py_ssize_t k = 0; k < n; k++) count[(src_k[k] >> shift) & (RADIX - 1)]++;
        if (n == 0 || count[(src_k[0] >> shift) & (RADIX - 1)] == n) continue; /* one digit everywhere */
        Py_ssize_t total = 0;
        for (int d = 0; d < RADIX; d++) { Py_ssize_t c = count[d]; count[d] = total; total += c; }
        for (Py_ssize_t k = 0; k < n; k++) {
            Py_ssize_t at = count[(src_k[k] >> shift) & (RADIX - 1)]++;
            dst_k[at] = src_k[k];
            dst_i[at] = src_i[k];
        }
        uint64_t *tk = src_k; src_k = dst_k; dst_k = tk;
        int64_t *ti = src_i; src_i = dst_i; dst_i = ti;
    }
    if (src_i != ia) memcpy(ia, src_i, n * 8);
    Py_END_ALLOW_THREADS
done:
    free(ka); free(kb2); free(ib); free(count);
    PyBuffer_Release(&kb);
    return result;
}

/* ---- quotations ------------------------------------------------------------------------------------------------ */

#define LDQ 0x201C /* “ */
#define RDQ 0x201D /* ” */
#define LOW_DQ 0x201E /* „ */
#define LSQ 0x2018 /* ‘ */
#define RSQ 0x2019 /* ’ */
#define LAQ 0x00AB /* « */
#define RAQ 0x00BB /* » */
#define LCB 0x300C /* 「 (Chinese and Japanese corner brackets) */
#define RCB 0x300D /* 」 */
#define LWCB 0x300E /* 『 */
#define RWCB 0x300F /* 』 */

static inline int is_mark(Py_UCS4 c) {
    return c == '"' || c == LDQ || c == RDQ || c == LOW_DQ || c == LAQ || c == RAQ || c == LSQ || c == RSQ ||
           (c >= LCB && c <= RWCB) || c == '\n';
}

static inline int closes_opener(Py_UCS4 opener, Py_UCS4 mark) {
    switch (opener) {
    case LDQ: return mark == RDQ;
    case LOW_DQ: return mark == LDQ || mark == RDQ;
    case LAQ: return mark == RAQ;
    case LSQ: return mark == RSQ;
    case LCB: return mark == RCB;
    case LWCB: return mark == RWCB;
    case '"': return mark == '"';
    default: return 0;
    }
}

/* quote_bounds(text: str, max_chars, min_single_chars) -> i64 (start, end) per quotation, quote marks included.
 * The scanner of copytrace.align.view (its docstring has the rules): a straight double quote or single curly quote
 * opens only after a non-alphanumeric and before a non-space; a straight double quote or right single quote closes
 * only after a non-space and before a non-alphanumeric; no quotation spans a line break or more than max_chars. */
static PyObject *quote_bounds(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t max_chars, min_single;
    if (!PyArg_ParseTuple(args, "Unn", &text, &max_chars, &min_single)) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Out out = {0};
    if (out_init(&out, 256)) return NULL;
    Py_ssize_t start = -1;
    Py_UCS4 opener = 0;
#define AT(k) ((k) >= 0 && (k) < n ? PyUnicode_READ(kind, data, (k)) : (Py_UCS4)' ')
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_UCS4 mark = PyUnicode_READ(kind, data, k);
        if (!is_mark(mark)) continue;
        if (mark == '\n') {
            /* a quotation going on into the next paragraph opens it again and leaves this one unclosed (news
             * style: `"First part.` / `"Second part," he said.`): this paragraph's part is quoted too */
            if (start >= 0 && k - start <= max_chars &&
                (opener == '"' || opener == LDQ || opener == LAQ || opener == LOW_DQ)) {
                Py_ssize_t next = k + 1;
                while (next < n && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, next))) next++;
                Py_UCS4 c = next < n ? PyUnicode_READ(kind, data, next) : 0;
                if (c == opener || (opener == LOW_DQ && c == LOW_DQ)) {
                    Py_ssize_t end = k;
                    while (end > start && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, end - 1))) end--;
                    OUT_PUT(&out, int64_t, (int64_t)start);
                    OUT_PUT(&out, int64_t, (int64_t)end);
                }
            }
            start = -1;
            continue;
        }
        if (start >= 0) {
            if (k - start > max_chars) {
                start = -1; /* too long to be a quotation: the opening mark was a stray one */
            } else if (closes_opener(opener, mark) &&
                       (!(mark == '"' || mark == RSQ) ||
                        (!Py_UNICODE_ISSPACE(AT(k - 1)) && !Py_UNICODE_ISALNUM(AT(k + 1))))) {
                if (opener != LSQ || k - start > min_single) {
                    OUT_PUT(&out, int64_t, (int64_t)start);
                    OUT_PUT(&out, int64_t, (int64_t)(k + 1));
                }
                start = -1;
                continue;
            }
        }
        if (start < 0) {
            int opens;
            if (mark == '"' || mark == LSQ) {
                Py_UCS4 before = AT(k - 1);
                opens = !(Py_UNICODE_ISALNUM(before) || before == '"') && !Py_UNICODE_ISSPACE(AT(k + 1));
            } else {
                opens = mark == LDQ || mark == LOW_DQ || mark == LAQ || mark == LCB || mark == LWCB;
            }
            if (opens) { start = k; opener = mark; }
        }
    }
#undef AT
    return out_finish(&out);
fail:
    Py_XDECREF(out.bytes);
    return NULL;
}

/* ---- align ---------------------------------------------------------------------------------------------------- */

typedef struct { uint64_t hash; int64_t head, count, count_a; } Slot; /* the table side's positions of one seed hash,
                                                                    * and how often it and the other side hold it */
typedef struct { int64_t diag, i; } Seed;
typedef struct { int64_t first, last, diag, seed0, seed1; } Run; /* seeds [seed0, seed1) of the sorted seed array */

static int cmp_seed(const void *x, const void *y) {
    const Seed *a = x, *b = y;
    if (a->diag != b->diag) return a->diag < b->diag ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

static int cmp_run(const void *x, const void *y) {
    const Run *a = x, *b = y;
    if (a->first != b->first) return a->first < b->first ? -1 : 1;
    return (a->diag > b->diag) - (a->diag < b->diag);
}

/* Sorted, distinct token positions covered by the seeds of one group of runs (each seed covers `width` tokens from
 * its start, shifted by its diagonal when `side_b`), through a zeroed mark array that is left zeroed again. */
static Py_ssize_t cover(const Seed *seeds, const Run *runs, const int64_t *run_next, int64_t head, int side_b,
                        int64_t width, uint8_t *mark, int64_t *out) {
    int64_t lo = INT64_MAX, hi = -1;
    for (int64_t r = head; r >= 0; r = run_next[r])
        for (int64_t k = runs[r].seed0; k < runs[r].seed1; k++) {
            int64_t p = seeds[k].i + (side_b ? seeds[k].diag : 0);
            memset(mark + p, 1, width);
            if (p < lo) lo = p;
            if (p + width > hi) hi = p + width;
        }
    Py_ssize_t m = 0;
    for (int64_t p = lo; p < hi; p++)
        if (mark[p]) { out[m++] = p; mark[p] = 0; }
    return m;
}

/* Seeds of position p of the probing side against every position of its hash's chain in the table side (story
 * tokens only), appended to a growing array; -1 when memory runs out. */
static int add_seeds(Seed **seeds, Py_ssize_t *cap, Py_ssize_t *n_seeds, int64_t head, const int64_t *chain,
                     const uint8_t *story_t, int64_t p, int table_is_a) {
    for (int64_t q = head; q >= 0; q = chain[q]) {
        if (!story_t[q]) continue;
        if (*n_seeds == *cap) {
            Seed *grown = realloc(*seeds, 2 * *cap * sizeof(Seed));
            if (!grown) { PyErr_NoMemory(); return -1; }
            *seeds = grown;
            *cap *= 2;
        }
        int64_t i = table_is_a ? q : p, j = table_is_a ? p : q; /* positions in A and in B */
        (*seeds)[*n_seeds].diag = j - i;
        (*seeds)[*n_seeds].i = i;
        (*n_seeds)++;
    }
    return 0;
}

/* align(seeds_a u64, story_a u8, seeds_b u64, story_b u8, seed_words, max_repeats, max_gap, max_drift, min_words,
 *       merge_window)
 *   -> (passages i64 (a0, a1, b0, b1, matched) per passage, covered_a i64, covered_a offsets, covered_b, offsets)
 * seeds_x[p] is the hash of the seed shingle starting at token p; story_x[p] is 0 for furniture tokens.
 * merge_window: how many of the most recent groups a run may join (copytrace.align.lexical.MERGE_WINDOW). */
static PyObject *align(PyObject *self, PyObject *args) {
    Py_buffer sa_b, ta_b, sb_b, tb_b;
    int seed_words, max_repeats, max_gap, max_drift, min_words, merge_window;
    if (!PyArg_ParseTuple(args, "y*y*y*y*iiiiii", &sa_b, &ta_b, &sb_b, &tb_b, &seed_words, &max_repeats, &max_gap,
                          &max_drift, &min_words, &merge_window))
        return NULL;
    PyObject *result = NULL;
    Slot *table = NULL;
    int64_t *chain = NULL;
    Seed *seeds = NULL;
    Run *runs = NULL;
    int64_t *deferred = NULL, *run_next = NULL, *cov = NULL, *group_head = NULL, *group_last = NULL;
    uint8_t *mark = NULL;
    Out passages = {0}, cov_a = {0}, cov_a_off = {0}, cov_b = {0}, cov_b_off = {0};
    const uint64_t *sa = sa_b.buf, *sb = sb_b.buf;
    const uint8_t *story_a = ta_b.buf, *story_b = tb_b.buf;
    Py_ssize_t na = sa_b.len / 8, nb = sb_b.len / 8;
    if (ta_b.len < na || tb_b.len < nb) { /* a seed without its story flag would be read from beyond the flags */
        PyErr_SetString(PyExc_ValueError, "story flags must cover every seed");
        goto fail;
    }
    if (out_init(&passages, 5 * 8 * 8) || out_init(&cov_a, 1024) || out_init(&cov_a_off, 64) ||
        out_init(&cov_b, 1024) || out_init(&cov_b_off, 64))
        goto fail;
    OUT_PUT(&cov_a_off, int64_t, 0);
    OUT_PUT(&cov_b_off, int64_t, 0);
    Py_ssize_t n_seeds = 0;
    if (na > 0 && nb > 0) {
        /* 1. seed: the smaller side's seed positions chained per hash in an open-addressing table (2 slots a
         *    position: on a document of millions of tokens against a short one, a table over the long side would
         *    take 64 bytes a token); each seed of the other side looks its hash up. The seeds found are the same
         *    whichever side the table holds, and step 2 sorts them, so the passages are too. */
        int table_is_a = na < nb;
        const uint64_t *st = table_is_a ? sa : sb, *sp = table_is_a ? sb : sa;
        const uint8_t *story_t = table_is_a ? story_a : story_b, *story_p = table_is_a ? story_b : story_a;
        Py_ssize_t nt = table_is_a ? na : nb, np_ = table_is_a ? nb : na;
        Py_ssize_t slots = 16;
        while (slots < 2 * nt) slots *= 2;
        table = malloc(slots * sizeof(Slot));
        chain = malloc(nt * sizeof(int64_t));
        if (!table || !chain) { PyErr_NoMemory(); goto fail; }
        for (Py_ssize_t k = 0; k < slots; k++) table[k].head = -1;
        for (Py_ssize_t p = nt - 1; p >= 0; p--) { /* backwards, so each chain runs in the table side's order */
            Py_ssize_t k = (Py_ssize_t)(st[p] & (slots - 1));
            while (table[k].head >= 0 && table[k].hash != st[p]) k = (k + 1) & (slots - 1);
            if (table[k].head < 0) { table[k].hash = st[p]; table[k].count = 0; table[k].count_a = 0; chain[p] = -1; }
            else chain[p] = table[k].head;
            table[k].head = p;
            table[k].count++;
        }
        Py_ssize_t cap = 256;
        seeds = malloc(cap * sizeof(Seed));
        deferred = malloc((np_ ? np_ : 1) * sizeof(int64_t));
        if (!seeds || !deferred) { PyErr_NoMemory(); goto fail; }
        Py_ssize_t n_deferred = 0;
        /* one pass over the other side: count each hash there, and seed at once unless the table side repeats it */
        for (Py_ssize_t p = 0; p < np_; p++) {
            Py_ssize_t k = (Py_ssize_t)(sp[p] & (slots - 1));
            while (table[k].head >= 0 && table[k].hash != sp[p]) k = (k + 1) & (slots - 1);
            if (table[k].head < 0) continue;
            table[k].count_a++;
            if (!story_p[p]) continue; /* furniture seeds nothing */
            if (table[k].count > max_repeats) { deferred[n_deferred++] = p; continue; }
            if (add_seeds(&seeds, &cap, &n_seeds, table[k].head, chain, story_t, p, table_is_a) < 0) goto fail;
        }
        /* a refrain of both texts (a list, a chorus) seeds nothing: its seeds would be quadratic. A passage that one
         * text repeats and the other holds at most max_repeats times seeds every copy */
        for (Py_ssize_t d = 0; d < n_deferred; d++) {
            int64_t p = deferred[d];
            Py_ssize_t k = (Py_ssize_t)(sp[p] & (slots - 1));
            while (table[k].hash != sp[p]) k = (k + 1) & (slots - 1);
            if (table[k].count_a > max_repeats) continue;
            if (add_seeds(&seeds, &cap, &n_seeds, table[k].head, chain, story_t, p, table_is_a) < 0) goto fail;
        }
    }
    if (n_seeds > 0) {
        /* 2. extend: seeds on one diagonal within max_gap of each other chain into a run */
        qsort(seeds, n_seeds, sizeof(Seed), cmp_seed);
        runs = malloc(n_seeds * sizeof(Run));
        if (!runs) { PyErr_NoMemory(); goto fail; }
        Py_ssize_t n_runs = 0;
        for (Py_ssize_t k = 0; k < n_seeds; k++) {
            if (k == 0 || seeds[k].diag != seeds[k - 1].diag || seeds[k].i - seeds[k - 1].i > max_gap) {
                runs[n_runs].first = seeds[k].i;
                runs[n_runs].diag = seeds[k].diag;
                runs[n_runs].seed0 = k;
                n_runs++;
            }
            runs[n_runs - 1].last = seeds[k].i;
            runs[n_runs - 1].seed1 = k + 1;
        }
        qsort(runs, n_runs, sizeof(Run), cmp_run);
        /* 3. merge: a run joins the most recent of the last merge_window groups whose last run it continues in both
         *    texts; a group is a linked list of runs (group_head -> run_next -> ... -> group_last) */
        run_next = malloc(n_runs * sizeof(int64_t));
        group_head = malloc(n_runs * sizeof(int64_t));
        group_last = malloc(n_runs * sizeof(int64_t));
        if (!run_next || !group_head || !group_last) { PyErr_NoMemory(); goto fail; }
        Py_ssize_t n_groups = 0;
        for (Py_ssize_t r = 0; r < n_runs; r++) {
            Py_ssize_t joined = -1;
            for (Py_ssize_t g = n_groups - 1; g >= 0 && g >= n_groups - merge_window; g--) {
                const Run *last = &runs[group_last[g]];
                int64_t gap_a = runs[r].first - last->last;
                int64_t gap_b = (runs[r].first + runs[r].diag) - (last->last + last->diag);
                int64_t drift = llabs(runs[r].diag - last->diag);
                if (-seed_words <= gap_a && gap_a <= max_gap && -seed_words <= gap_b && gap_b <= max_gap &&
                    drift <= max_drift) { joined = g; break; }
            }
            run_next[r] = -1;
            if (joined < 0) { joined = n_groups++; group_head[joined] = r; }
            else run_next[group_last[joined]] = r;
            group_last[joined] = r;
        }
        /* 4. cover and filter, group by group, in order of creation */
        Py_ssize_t span = (na > nb ? na : nb) + seed_words;
        mark = calloc(span, 1);
        cov = malloc(span * sizeof(int64_t));
        if (!mark || !cov) { PyErr_NoMemory(); goto fail; }
        for (Py_ssize_t g = 0; g < n_groups; g++) {
            int64_t in_group = 0;
            for (int64_t r = group_head[g]; r >= 0; r = run_next[r]) in_group += runs[r].seed1 - runs[r].seed0;
            if (in_group * seed_words < min_words) continue; /* cannot cover enough words */
            Py_ssize_t ua = cover(seeds, runs, run_next, group_head[g], 0, seed_words, mark, cov);
            if (out_reserve(&cov_a, ua * 8) < 0) goto fail;
            memcpy(out_ptr(&cov_a), cov, ua * 8); /* kept only if the passage passes the filter */
            int64_t a0 = cov[0], a1 = cov[ua - 1] + 1;
            Py_ssize_t ub = cover(seeds, runs, run_next, group_head[g], 1, seed_words, mark, cov);
            int64_t matched = ua < ub ? ua : ub;
            if (matched < min_words) continue;
            cov_a.used += ua * 8;
            OUT_PUT(&cov_a_off, int64_t, cov_a.used / 8);
            if (out_reserve(&cov_b, ub * 8) < 0) goto fail;
            memcpy(out_ptr(&cov_b), cov, ub * 8);
            cov_b.used += ub * 8;
            OUT_PUT(&cov_b_off, int64_t, cov_b.used / 8);
            OUT_PUT(&passages, int64_t, a0);
            OUT_PUT(&passages, int64_t, a1);
            OUT_PUT(&passages, int64_t, cov[0]);
            OUT_PUT(&passages, int64_t, cov[ub - 1] + 1);
            OUT_PUT(&passages, int64_t, matched);
        }
    }
    {
        PyObject *p = out_finish(&passages), *a = out_finish(&cov_a), *ao = out_finish(&cov_a_off),
                 *b = out_finish(&cov_b), *bo = out_finish(&cov_b_off);
        passages.bytes = cov_a.bytes = cov_a_off.bytes = cov_b.bytes = cov_b_off.bytes = NULL;
        if (p && a && ao && b && bo) result = Py_BuildValue("(NNNNN)", p, a, ao, b, bo);
        else { Py_XDECREF(p); Py_XDECREF(a); Py_XDECREF(ao); Py_XDECREF(b); Py_XDECREF(bo); }
    }
    goto done;
fail:
    Py_XDECREF(passages.bytes); Py_XDECREF(cov_a.bytes); Py_XDECREF(cov_a_off.bytes);
    Py_XDECREF(cov_b.bytes); Py_XDECREF(cov_b_off.bytes);
done:
    free(table); free(chain); free(seeds); free(deferred); free(runs); free(run_next); free(group_head); free(group_last); free(cov); free(mark);
    PyBuffer_Release(&sa_b); PyBuffer_Release(&ta_b); PyBuffer_Release(&sb_b); PyBuffer_Release(&tb_b);
    return result;
}

static PyMethodDef methods[] = {
    {"tokenize", tokenize, METH_VARARGS, "Token hashes, character spans, flags and document offsets of a batch."},
    {"line_table", line_table, METH_VARARGS, "A text's non-blank lines, with keys of the short ones."},
    {"line_keys", line_keys, METH_VARARGS, "Each text's distinct short-line keys, for a batch of texts."},
    {"shingles", shingles, METH_VARARGS, "k-token shingle hashes of every document of a batch."},
    {"argsort_u64", argsort_u64, METH_VARARGS, "Stable order of 64-bit keys (radix sort)."},
    {"minhash", minhash, METH_VARARGS, "One-permutation MinHash signatures of every document of a batch."},
    {"member", member, METH_VARARGS, "Which values are among the keys."},
    {"equal_ranges", equal_ranges, METH_VARARGS, "Where each needle's run of equal keys lies in a sorted haystack."},
    {"quote_bounds", quote_bounds, METH_VARARGS, "Character spans of a text's quotations."},
    {"align", align, METH_VARARGS, "Verbatim passages of a pair from its seed shingles."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", "copytrace's compiled core.", -1, methods};

PyMODINIT_FUNC PyInit__native(void) {
    init_char_tables();
    return PyModule_Create(&module);
}
