"""kotae's search as a LangChain retriever, for teams that build chains on it.

Each hit becomes a LangChain ``Document`` whose ``page_content`` is the matched passage and
whose metadata holds the hit's public fields (doc_id, title, url, kind, scores…) and the
search's confidence. Needs ``kotae[llm]`` (langchain-core).

Example:
    >>> retriever = KotaeRetriever(searcher=searcher, k=3)
    >>> docs = retriever.invoke("パスワードを忘れた")
    >>> docs[0].metadata["title"], docs[0].metadata["url"]
"""

from __future__ import annotations

from dataclasses import asdict
from enum import Enum
from typing import Any

from kotae.retrieval import MAX_K, Audience, Searcher, SearchFilter
from kotae.suggest.errors import MissingLLMExtra

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
    from pydantic import ConfigDict, field_validator
except ImportError:  # pragma: no cover - exercised only without the extra
    raise MissingLLMExtra("kotae.suggest.langchain_retriever") from None


class KotaeRetriever(BaseRetriever):
    """Hybrid kotae search behind LangChain's retriever interface.

    ``audience`` bounds what is returned exactly as in the API: PUBLIC (the default) sees public
    articles and FAQ only; AGENT also internal articles and past tickets.

    Example:
        >>> KotaeRetriever(searcher=searcher, audience=Audience.AGENT, k=5).invoke("請求書")
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: Searcher
    audience: Audience = Audience.PUBLIC
    k: int = 5
    filters: SearchFilter | None = None

    @field_validator("k")
    @classmethod
    def _check_k(cls, value: int) -> int:
        if not 1 <= value <= MAX_K:
            raise ValueError(f"k must be between 1 and {MAX_K}, got {value}")
        return value

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.searcher.search(query, audience=self.audience, k=self.k,
                                      filters=self.filters)
        docs = []
        for hit in result.hits:
            # LangChain's metadata: the hit's fields as plain values (not its whole text, which
            # is the page content), and the search's confidence and snapshot.
            meta: dict[str, Any] = {k: v.value if isinstance(v, Enum) else v
                                    for k, v in asdict(hit).items() if k != "text"}
            meta["confidence"] = result.confidence
            meta["snapshot"] = result.snapshot
            docs.append(Document(page_content=hit.text or hit.snippet, metadata=meta,
                                 id=hit.chunk_id))
        return docs
