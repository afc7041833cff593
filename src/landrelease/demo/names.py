"""Made-up names for the synthetic region: settlements, districts, people.

Names are built from invented syllables that do not follow the spelling of the region's language,
so they read as obviously fictional; a block list of real place names of the area (and the large
towns around it) guards against an accidental match. Hazard locations are sensitive: a synthetic
record must never be mistaken for a real place.
"""

from __future__ import annotations

import numpy as np

_ONSETS = (
    "b",
    "br",
    "d",
    "dr",
    "f",
    "g",
    "gl",
    "k",
    "kl",
    "l",
    "m",
    "n",
    "p",
    "pr",
    "qu",
    "r",
    "s",
    "sk",
    "t",
    "th",
    "tr",
    "v",
    "vr",
    "x",
    "z",
    "zh",
)
_VOWELS = ("a", "e", "i", "o", "u", "ae", "ea", "io", "y", "ou")
_CODAS = ("", "", "", "n", "r", "l", "s", "th", "x", "m", "nd", "rk", "sk")
_SUFFIXES = ("", "", "", "mere", "vale", "dor", "holm", "quay", "ith", "gard", "wyn", "ax")
_GIVEN = (
    "Aren",
    "Belka",
    "Corvin",
    "Dalia",
    "Edrin",
    "Fenna",
    "Galen",
    "Hesta",
    "Ivor",
    "Jorna",
    "Kestrel",
    "Lumi",
    "Marek",
    "Nessa",
    "Orin",
    "Pell",
    "Quilla",
    "Rurik",
    "Sela",
    "Tavin",
    "Ulla",
    "Varro",
    "Wenna",
    "Xander",
    "Yara",
    "Zorin",
    "Ilsa",
    "Bram",
    "Tilda",
    "Oska",
)
_FEMALE = frozenset(
    {
        "Belka",
        "Dalia",
        "Fenna",
        "Hesta",
        "Jorna",
        "Lumi",
        "Nessa",
        "Quilla",
        "Sela",
        "Ulla",
        "Wenna",
        "Yara",
        "Ilsa",
        "Tilda",
    }
)

# Real settlements of the area and the wider region (lower case): never generate these.
REAL_PLACES = frozenset(
    """sumy okhtyrka lebedyn trostianets bilopillia krasnopillia boromlia velyka pysarivka
    kharkiv bohodukhiv zolochiv derhachi kupiansk izium chuhuiv vovchansk balakliia lozova
    sudzha belgorod graivoron grayvoron kursk rylsk lgov oboyan borisovka krasnaya yaruga
    konotop romny shostka hlukhiv putyvl nedryhailiv myropillia yunakivka khotin khotin'
    vorozhba seredyna-buda buryn kyiv poltava hadiach kotelva zinkiv krasnokutsk kolomak
    valky lyman kramatorsk sloviansk bakhmut donetsk luhansk mariupol kherson zaporizhzhia
    dnipro odesa lviv chernihiv snovsk nizhyn pryluky shebekino valuyki alekseyevka
    stroitel tomarovka rakitnoye ivnya prokhorovka yakovlevo gubkin stary oskol novy oskol
    sumy-oblast sula psel vorskla seym desna""".split()
)


def _syllable(rng: np.random.Generator) -> str:
    return _ONSETS[rng.integers(len(_ONSETS))] + _VOWELS[rng.integers(len(_VOWELS))] + _CODAS[rng.integers(len(_CODAS))]


def _word(rng: np.random.Generator, syllables: int) -> str:
    return "".join(_syllable(rng) for _ in range(syllables)).capitalize()


class NameMaker:
    """Unique fictional place names, deterministic for a given generator."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def place(self) -> str:
        for _ in range(1000):
            base = _word(self.rng, 2 if self.rng.uniform() < 0.8 else 3)
            name = base + _SUFFIXES[self.rng.integers(len(_SUFFIXES))]
            key = name.lower()
            if 4 <= len(name) <= 12 and key not in self.used and not is_real_place(key):
                self.used.add(key)
                return name
        raise RuntimeError("ran out of fictional names")  # pragma: no cover

    def places(self, n: int) -> list[str]:
        return [self.place() for _ in range(n)]


def is_real_place(name: str) -> bool:
    key = name.strip().lower()
    return key in REAL_PLACES or any(part in REAL_PLACES for part in key.replace("-", " ").split())


def people(rng: np.random.Generator, genders: np.ndarray) -> list[str]:
    """Fictional full names; genders is an array of "female"/"male"/"unknown"."""
    given = np.array(_GIVEN)
    fem = np.array([g in _FEMALE for g in _GIVEN])
    female_pool, male_pool = given[fem], given[~fem]
    out = []
    for g in genders:
        pool = female_pool if g == "female" else male_pool if g == "male" else given
        first = pool[rng.integers(len(pool))]
        out.append(f"{first} {_word(rng, int(rng.integers(2, 4)))}")
    return out
