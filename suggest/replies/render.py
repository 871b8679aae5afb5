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
    """Plain text of a draft, in paragraphs (one or more per question of the ticket)."""
    join = "" if language == "ja" else " "
    bullet = "・" if language == "ja" else "- "
    opening = [s.text for s in sentences if s.part is Part.OPENING]
    salutation = opening[:1] if opening and frame.is_salutation(opening[0]) else []
    opening = opening[len(salutation):]
    closing = [s.text for s in sentences if s.part is Part.CLOSING]
    answer = [s for s in sentences if s.part is Part.ANSWER]
    blocks = salutation + (["\n".join(opening)] if opening else [])
    lines: list[str] = []
    paragraph: list[str] = []
    number = 0  # the number shown for the current step
    last_step: int | None = None
    previous_cite: list[str] | None = None
    previous_question: int | None = None

    def flush() -> None:
        if paragraph:
            lines.append(join.join(paragraph))
            paragraph.clear()

    for i, s in enumerate(answer):
        if previous_question is not None and s.question != previous_question:
            flush()  # a new question: a new paragraph
            lines.append("")
            last_step, previous_cite = None, None
        previous_question = s.question
        if s.table:
            flush()
            lines.append(s.text)
            previous_cite = s.citations
            continue  # a table inside a list of steps keeps the steps' count
        if s.joined and s.bullet and lines and not paragraph:
            lines[-1] += join + s.text  # a later sentence of the same bulleted item
        elif (mode is DraftMode.CLARIFY and i > 0) or (s.bullet and s.step is None):
            flush()
            lines.append(f"{bullet}{s.text}")
        elif s.step is not None:
            flush()
            if s.step == last_step and lines:
                lines[-1] += join + s.text  # a later sentence of the same step
            else:
                if last_step is None or s.step <= last_step:  # a new list starts
                    if last_step is not None:
                        lines.append("")
                    number = 0
                number += 1
                lines.append(f"{number}. {s.text}")
        else:
            new_source = previous_cite is not None and s.citations != previous_cite
            if paragraph and new_source:
                flush()
                lines.append("")
            elif last_step is not None and lines:
                lines.append("")
            paragraph.append(s.text)
        last_step = s.step
        previous_cite = s.citations
    flush()
    if lines:
        blocks.append("\n".join(lines).strip("\n"))
    if closing:
        blocks.append("\n".join(closing))
    return "\n\n".join(blocks)
