"""The one composer of what a person reads, for the deflection answer, the help center's answer
box and the agent draft: sentences of the sources as candidates with their words and meaning
(``pool``, ``meaning``), scored for each question (``score``), taken as whole thoughts
(``units``) without repeats (``composer``), laid out as lines (``lines``); the short answer of
a deflection (``answer``); splitting a ticket into its questions (``questions``) and the
sentences of a past reply that carry its customer's own context (``foreign``)."""

from kotae.suggest.compose.answer import ComposedAnswer, compose_answer
from kotae.suggest.compose.composer import (
    ANSWER_BOX,
    DRAFT,
    Composer,
    Composition,
    Paragraph,
    Picked,
    Policy,
)
from kotae.suggest.compose.lines import Line, answer_text, paragraph_lines
from kotae.suggest.compose.meaning import MemoryCache, SentenceVectors, precompute
from kotae.suggest.compose.pool import Source
from kotae.suggest.compose.score import Question

__all__ = ["ANSWER_BOX", "DRAFT", "ComposedAnswer", "Composer", "Composition", "Line",
           "MemoryCache", "Paragraph", "Picked", "Policy", "Question", "SentenceVectors",
           "Source", "answer_text", "compose_answer", "paragraph_lines", "precompute"]
