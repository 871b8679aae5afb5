"""Retrieval: FAISS dense index, BM25 over Japanese-aware tokens, filters, fusion, confidence."""

from kotae.retrieval.builder import BuildResult, build_snapshot
from kotae.retrieval.confidence import ConfidenceModel
from kotae.retrieval.config import RetrievalConfig
from kotae.retrieval.dense import INDEX_TYPES, DenseIndex
from kotae.retrieval.errors import EmbedderMismatch, IndexCorrupt, RetrievalError, TokenizerMismatch
from kotae.retrieval.filters import Audience, SearchFilter
from kotae.retrieval.fusion import FUSIONS, convex_fusion, reciprocal_rank_fusion
from kotae.retrieval.lexical import BM25Index
from kotae.retrieval.manifest import Manifest
from kotae.retrieval.protocols import Embedder, Tokenizer
from kotae.retrieval.searcher import MAX_K, MODES, Searcher, SearchResult

__all__ = [
    "FUSIONS", "INDEX_TYPES", "MAX_K", "MODES", "Audience", "BM25Index", "BuildResult",
    "ConfidenceModel", "DenseIndex", "Embedder", "EmbedderMismatch", "IndexCorrupt", "Manifest",
    "RetrievalConfig",
    "RetrievalError", "SearchFilter", "SearchResult", "Searcher", "Tokenizer", "TokenizerMismatch",
    "build_snapshot",
    "convex_fusion", "reciprocal_rank_fusion",
]
