"""Putting a draft together: the frame around the answer sentences, rendered as plain text.

Japanese replies put each sentence of the frame on its own line and run an answer paragraph's
sentences together; numbered steps and clarifying options get a line each.

Example:
    >>> draft = assemble("請求書", "ja", "neutral", DraftMode.ANSWER, answer, citations, "grounded")
    >>> draft.text.splitlines()[0]
    'お問い合わせいただき、ありがとうございます。'
"""

from __future__ import annotations

from collections.abc import Sequence

from kotae.suggest.replies import frame
from kotae.suggest.replies.types import Citation, Draft, DraftMode, DraftSentence, Part
from kotae.suggest.text import Listing


def assemble(subject: str, language: str, sentiment: str, mode: DraftMode,
             answer: Sequence[DraftSentence], citations: list[Citation], drafter: str, *,
             name: str = "", questions: Sequence[str] = ()) -> Draft:
    """A draft: opening (addressing the customer by ``name`` when the ticket gives one),
    ``answer``, closing, with the rendered text."""
    sentences = [DraftSentence(s, Part.OPENING) for s in
                 frame.opening(language, subject, sentiment, mode, name)]
    sentences += list(answer)
    sentences += [DraftSentence(s, Part.CLOSING) for s in frame.closing(language)]
    text = render(sentences, language, mode)
    return Draft(text=text, language=language, mode=mode, sentences=sentences,
                 citations=citations, drafter=drafter, questions=list(questions))


def render(sentences: Sequence[DraftSentence], language: str, mode: DraftMode) -> str:
    """Plain text of a draft, in paragraphs (one or more per question of the ticket); steps,
    items and tables as every answer shows them (``Listing``), a list set apart from the
    prose around it and from the list before it."""
    listing = Listing(language)
    opening = [s.text for s in sentences if s.part is Part.OPENING]
    salutation = opening[:1] if opening and frame.is_salutation(opening[0]) else []
    opening = opening[len(salutation):]
    closing = [s.text for s in sentences if s.part is Part.CLOSING]
    answer = [s for s in sentences if s.part is Part.ANSWER]
    blocks = salutation + (["\n".join(opening)] if opening else [])
    lines: list[str] = []
    paragraph: list[str] = []
    previous_cite: list[str] | None = None
    previous_question: int | None = None

    def flush() -> None:
        if paragraph:
            lines.append(listing.join.join(paragraph))
            paragraph.clear()

    for i, s in enumerate(answer):
        if previous_question is not None and s.question != previous_question:
            flush()  # a new question: a new paragraph
            lines.append("")
            listing.prose()
            previous_cite = None
        previous_question = s.question
        option = mode is DraftMode.CLARIFY and i > 0 and not s.table  # options are items
        if s.table or s.bullet or s.step is not None or option:
            flush()
            step = None if option else s.step
            if listing.starts_list(step) and not s.table:
                lines.append("")
            listing.add(lines, s.text, step=step, bullet=s.bullet or option,
                        joined=s.joined and not option, table=s.table)
        else:
            new_source = previous_cite is not None and s.citations != previous_cite
            if paragraph and new_source:
                flush()
                lines.append("")
            elif listing.last_step is not None and lines:
                lines.append("")
            paragraph.append(s.text)
            listing.prose()
        previous_cite = s.citations
    flush()
    if lines:
        blocks.append("\n".join(lines).strip("\n"))
    if closing:
        blocks.append("\n".join(closing))
    return "\n\n".join(blocks)
