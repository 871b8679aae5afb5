"""``kotae eval convert``: public datasets in their original layout → the BEIR layout.

Converters read from wherever the user keeps the data; nothing is copied into the repository
(several of these sets have no redistribution licence).

Example:
    >>> convert("localgovfaq", Path("../shared/data/localgovfaq"), Path("/tmp/localgovfaq-beir"))
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kotae.eval.beir import BeirDataset, read_beir, write_beir
from kotae.eval.convert_faq import convert_localgovfaq, convert_stackfaq
from kotae.eval.convert_intents import DEFAULT_EXAMPLES, convert_banking77, convert_clinc150
from kotae.eval.convert_qa import convert_epqa, convert_jsquad
from kotae.eval.errors import DatasetError, UnknownDataset

Converter = Callable[[Path], BeirDataset]

CONVERTERS: dict[str, Converter] = {
    "localgovfaq": convert_localgovfaq,
    "jsquad": convert_jsquad,
    "stackfaq": convert_stackfaq,
    "epqa": convert_epqa,
    "clinc150": convert_clinc150,
    "banking77": convert_banking77,
}
INTENT_SETS = {"clinc150": convert_clinc150, "banking77": convert_banking77}


def convert(name: str, src: Path, dest: Path, examples: int = DEFAULT_EXAMPLES) -> BeirDataset:
    """Convert dataset ``name`` read from ``src`` into a BEIR folder ``dest``.

    ``examples`` is the number of training utterances per intent (intent sets only). Returns
    the dataset as read back from ``dest`` (so its fingerprint is that of the written files).
    """
    key = name.strip().lower()
    if key not in CONVERTERS:
        raise UnknownDataset(name, sorted(CONVERTERS))
    if not src.exists():
        raise DatasetError(f"{src} does not exist; give the folder (or file) of {key}")
    data = INTENT_SETS[key](src, examples) if key in INTENT_SETS else CONVERTERS[key](src)
    if not data.corpus or not data.queries:
        raise DatasetError(f"{src} gave no documents or no queries; is it the {key} data?")
    write_beir(data, dest)
    return read_beir(dest)
