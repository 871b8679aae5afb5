"""Ingestion: loaders per format, normalisation, language detection, PII redaction, quality
checks, chunking, incremental sync, the quarantine, the pipeline."""

from ingest.chunking import TextPiece, chunk_text, split_sentences
from ingest.errors import IngestError, LoadError, Problem
from ingest.language import detect_language
from ingest.loaders import LOADERS, Defaults
from ingest.pipeline import IngestReport, chunk_document, discover, ingest_paths
from ingest.quality import text_problem
from ingest.quarantine import Quarantine, QuarantineEntry
from kb.redact import redact_text

__all__ = [
    "LOADERS", "Defaults", "IngestError", "IngestReport", "LoadError", "Problem", "Quarantine",
    "QuarantineEntry", "TextPiece", "chunk_document", "chunk_text", "detect_language", "discover",
    "ingest_paths", "redact_text", "split_sentences", "text_problem",
]
