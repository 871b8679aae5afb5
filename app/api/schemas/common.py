"""The HTTP shapes (also the shape of ``kotae search --json``). Fields are added, never renamed.

Each response is defined once, here and in the other ``schemas`` modules, and built straight
from the domain objects (``model_validate(obj, from_attributes=True)``): the domain types
carry no JSON shape of their own."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, BaseModel, Field

if TYPE_CHECKING:
    from kotae.retrieval import SearchResult

# Scores to 6 decimals, confidences to 4: what a response shows, whatever the float.
Score = Annotated[float, AfterValidator(lambda v: round(v, 6))]
Confidence = Annotated[float, AfterValidator(lambda v: round(v, 4))]


def printable(value: str) -> str:
    """A name or label a person typed: surrounding spaces dropped, then at least one visible
    character and no control or format characters (``\\x00``, ``\\u0085``, ``\\u200b``...).

    >>> printable("  Sato (support)  ")
    'Sato (support)'
    """
    value = value.strip()
    if not value:
        raise ValueError("must contain visible characters")
    bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Zl",
                                                               "Zp")), None)
    if bad is not None:
        raise ValueError(f"must not contain the control character U+{ord(bad):04X}")
    return value


def Label(max_length: int, description: str) -> type[str]:  # noqa: N802 (a type)
    """A printable text field of 1 to ``max_length`` characters (see ``printable``)."""
    return Annotated[str, Field(min_length=1, max_length=max_length, description=description),
                     AfterValidator(printable)]  # type: ignore[return-value]


class ArmScores(BaseModel):
    bm25: Score | None = Field(None, description="BM25 score (None if the lexical arm missed it).")
    dense: Score | None = Field(None, description="Cosine similarity from the dense arm.")
    rerank: Score | None = Field(None, description="The second ranking stage's raw score (None "
                                 "when the stage is off or this hit was not among its "
                                 "candidates).")


class HitOut(BaseModel):
    doc_id: str = Field(description="Stable id of the document (article, FAQ entry or ticket).")
    chunk_id: str = Field(description="Id of the best matching chunk of that document.")
    title: str
    snippet: str = Field(description="Text around the matched words, as plain text (a table's "
                         "cells as words; no emphasis, bullet or heading marks).")
    url: str
    kind: str = Field(description="manual, faq or ticket.")
    visibility: str = Field(description="public or internal.")
    language: str
    product: str = ""
    score: Score = Field(description="The fused score; with the second ranking stage the hits "
                         "keep the first stage's scores in the new order (the best to the top).")
    scores: ArmScores
    highlights: list[list[int]] = Field(
        default_factory=list, description="[start, end) character offsets of matches in snippet.")
    heading: str = Field("", description="Heading path of the chunk (title > section).")


class SearchOut(BaseModel):
    query: str
    hits: list[HitOut]
    confidence: Confidence = Field(description="Confidence (0–1) that the top hit answers: "
                                   "from the KB's calibrated curve or trees (`kotae eval "
                                   "deflection`), else from the curve shipped with the second "
                                   "stage.")
    snapshot: str = Field("", description="The index snapshot that served the query.")
    searched_as: str = Field("", description="The query as it was searched when kotae wrote "
                             "it the way the knowledge base does (hiragana in the KB's kanji or "
                             "katakana, a kana or kanji slip corrected); empty when what was "
                             "typed was searched.")

    @classmethod
    def of(cls, result: SearchResult) -> SearchOut:
        return cls.model_validate(result, from_attributes=True)


class HealthOut(BaseModel):
    status: str = Field(description="ok, or no-index when nothing has been ingested yet.")
    snapshot: str | None = None
    documents: int = 0
    chunks: int = 0
    embedder: str | None = None


class ErrorOut(BaseModel):
    detail: str
