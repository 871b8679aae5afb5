"""Ingestion: loaders per format, normalisation, language detection, chunking, the pipeline."""

from ingest.chunking import TextPiece, chunk_text, split_sentences
from ingest.errors import IngestError, LoadError, Problem
from ingest.language import detect_language
from ingest.loaders import LOADERS, Defaults
from ingest.pipeline import IngestReport, chunk_document, discover, ingest_paths

__all__ = [
    "LOADERS", "Defaults", "IngestError", "IngestReport", "LoadError", "Problem", "TextPiece",
    "chunk_document", "chunk_text", "detect_language", "discover", "ingest_paths",
    "split_sentences",
]
