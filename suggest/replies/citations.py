"""Citations of a draft: labels S1, S2… in order of first use, snippets with highlights.

A citation's snippet is the cited sentences of the source with one sentence of context either
side, and ``highlights`` mark the cited sentences in it, so the agent sees where each part of
the draft came from.

Example:
    >>> cites = CitationSet(sources)
    >>> cites.cite(0, sentence)
    'S1'
    >>> [c.label for c in cites.citations()]
    ['S1']
"""

from __future__ import annotations

from collections.abc import Sequence

from kotae.suggest.compose import Source
from kotae.suggest.replies.types import Citation
from kotae.suggest.text import SourceSentence, source_sentences

SNIPPET_CHARS = 600


class CitationSet:
    """The sources a draft cites, and which of their sentences.

    Example:
        >>> cites = CitationSet(sources)
        >>> cites.cite(2, sentence), cites.cite(0), cites.cite(2)
        ('S1', 'S2', 'S1')
    """

    def __init__(self, sources: Sequence[Source]) -> None:
        self.sources = list(sources)
        self._labels: dict[int, str] = {}
        self._cited: dict[int, set[int]] = {}  # source → start offsets of cited sentences

    def cite(self, source: int, sentence: SourceSentence | None = None) -> str:
        """The label of source number ``source``; marks ``sentence`` as cited in it."""
        if not 0 <= source < len(self.sources):
            raise ValueError(f"source {source} out of range (0–{len(self.sources) - 1})")
        label = self._labels.setdefault(source, f"S{len(self._labels) + 1}")
        cited = self._cited.setdefault(source, set())
        if sentence is not None:
            cited.add(sentence.start)
        return label

    def label_of(self, source: int) -> str | None:
        return self._labels.get(source)

    def citations(self) -> list[Citation]:
        out = []
        for source, label in sorted(self._labels.items(), key=lambda kv: int(kv[1][1:])):
            src = self.sources[source]
            snippet, highlights = _snippet(src, self._cited.get(source, set()))
            out.append(Citation(label=label, doc_id=src.doc_id, kind=src.kind, title=src.title,
                                url=src.url, snippet=snippet, highlights=highlights,
                                visibility=src.visibility))
        return out


def _snippet(src: Source, cited: set[int]) -> tuple[str, list[tuple[int, int]]]:
    sentences = source_sentences(src.text)
    marked = [i for i, s in enumerate(sentences) if s.start in cited]
    if not marked:  # cited as a whole (a pointer or an option): its first sentences
        text = "".join(s.text + _gap(src.language) for s in sentences[:3]).strip()
        return text[:SNIPPET_CHARS], []
    shown = sorted({j for i in marked for j in (i - 1, i, i + 1) if 0 <= j < len(sentences)})
    parts: list[str] = []
    highlights: list[tuple[int, int]] = []
    length, previous = 0, None
    for j in shown:
        if previous is not None and j != previous + 1:
            parts.append("… ")
            length += 2
        text = sentences[j].text
        if j in marked:
            highlights.append((length, length + len(text)))
        gap = _gap(src.language)
        parts.append(text + gap)
        length += len(text) + len(gap)
        previous = j
    return "".join(parts).rstrip(), highlights


def _gap(language: str) -> str:
    return "" if language == "ja" else " "
