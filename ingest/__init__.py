"""Ingestion: loaders per format, normalisation, language detection, PII redaction, quality
checks, chunking, incremental sync, the quarantine, the pipeline."""

from kotae.ingest.chunking import TextPiece, chunk_text
from kotae.ingest.errors import IngestError, LoadError, Problem
from kotae.ingest.loaders import LOADERS, Defaults
from kotae.ingest.pipeline import IngestReport, chunk_document, discover, ingest_paths
from kotae.ingest.quality import text_problem
from kotae.ingest.quarantine import Quarantine, QuarantineEntry
from kotae.kb.redact import redact_text
from kotae.kb.text import detect_language, split_sentences

__all__ = [
    "LOADERS", "Defaults", "IngestError", "IngestReport", "LoadError", "Problem", "Quarantine",
    "QuarantineEntry", "TextPiece", "chunk_document", "chunk_text", "detect_language", "discover",
    "ingest_paths", "redact_text", "split_sentences", "text_problem",
]
