"""Retrieval: FAISS dense index, BM25 over Japanese-aware tokens, filters, fusion, confidence."""

from retrieval.builder import BuildResult, build_snapshot
from retrieval.confidence import ConfidenceModel
from retrieval.config import RetrievalConfig
from retrieval.dense import INDEX_TYPES, DenseIndex
from retrieval.errors import EmbedderMismatch, IndexCorrupt, RetrievalError, TokenizerMismatch
from retrieval.filters import Audience, SearchFilter
from retrieval.fusion import FUSIONS, convex_fusion, reciprocal_rank_fusion
from retrieval.lexical import BM25Index
from retrieval.manifest import Manifest
from retrieval.protocols import Embedder, Tokenizer
from retrieval.searcher import MAX_K, MODES, Searcher, SearchResult

__all__ = [
    "FUSIONS", "INDEX_TYPES", "MAX_K", "MODES", "Audience", "BM25Index", "BuildResult",
    "ConfidenceModel", "DenseIndex", "Embedder", "EmbedderMismatch", "IndexCorrupt", "Manifest",
    "RetrievalConfig",
    "RetrievalError", "SearchFilter", "SearchResult", "Searcher", "Tokenizer", "TokenizerMismatch",
    "build_snapshot",
    "convex_fusion", "reciprocal_rank_fusion",
]
