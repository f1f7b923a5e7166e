"""Duplicate innovation results: the exact rules and the similarity of Chinese titles.

Two rules refuse a result as a duplicate (domain.md, "Innovation studios"):

- the same patent number: :func:`validate_patent_number` checks the number a patent result
  carries and gives its one stored form, so that ``ZL 2023 1 0123456.7``, ``CN202310123456.7``
  and ``202310123456.7`` are the same patent;
- the same studio, year and normalised title: :func:`title_key`.

A near duplicate is a title similar enough to another result's to be shown to the submitter and
the reviewer, who decide. MongoDB's text search has no Chinese tokeniser, so similarity is
computed here: the Dice coefficient of the titles' bigram multisets (:func:`similarity`).

Normalisation for the exact key (:func:`normalise_title`) only removes what never tells two
results apart: the width of characters, letter case, punctuation, symbols and spaces. It keeps
what may: every letter, digit and Chinese character, and the punctuation of numbers (``1.5``
is not ``15``, ``5-10`` is not ``510``, ``-40`` is not ``40``). Generic words (一种, 研究,
技术, 方法, 装置, ...) stay in the key: a utility-model ``主轴温升补偿装置`` and an invention
``主轴温升补偿方法`` are two results a studio may well file in the same year. A key that misses
a real duplicate is caught by the near-duplicate check; a key that merged two results would
refuse a genuine one, so the key errs on the side of keeping titles apart.

Similarity looks at the title's wording only (:func:`similarity_form`): it also drops the
particle 的 and the boilerplate at either end of a title (一种 and 关于 before, 研究 / 研究与应用
/ 探讨 / 建议 and the like after), which say what kind of write-up a result is, not what it is
about. Kept, those words give every "...的研究" a few shared bigrams with every other.
"""
import heapq
import itertools
import math
import re
import unicodedata
from collections import Counter

from common.errors import BadRequest
from services.studios.domain.kinds import DESIGN_PATENT, INVENTION_PATENT, UTILITY_PATENT

KEY_SEPARATOR = "|"
DEFAULT_THRESHOLD = 0.6

# Signs that make a number what it is when they stand right before its digits.
_SIGNS = frozenset("+-±−∓~～")
_PARTICLE = "的"
_GENERIC_PREFIXES = ("一种", "关于")
# Longest first: the first that matches is removed.
_GENERIC_SUFFIXES = ("研究与应用", "研究与实践", "探索与实践", "应用研究", "研究", "探讨", "建议")


def _is_kept(char):
    # Letters, digits and combining marks (L*, N*, M*); punctuation, symbols, spaces and control
    # characters (P*, S*, Z*, C*) are not.
    return unicodedata.category(char)[0] in "LNM"


def normalise_title(title):
    """The title as the exact-duplicate rule compares it: NFKC (full-width letters, digits and
    spaces become half-width, 'Ⅱ' becomes 'II', '℃' becomes '°C'), case-folded, without
    punctuation, symbols or spaces, except between two digits (kept, without spaces; a space alone
    stays one space) and a sign right before a digit. Idempotent."""
    text = unicodedata.normalize("NFKC", str(title)).casefold()
    out = []
    position, length = 0, len(text)
    while position < length:
        char = text[position]
        if _is_kept(char):
            out.append(char)
            position += 1
            continue
        end = position
        while end < length and not _is_kept(text[end]):
            end += 1
        run = text[position:end]
        before = out[-1][-1:] if out else ""
        after = text[end] if end < length else ""
        if before.isdigit() and after.isdigit():
            # Punctuation and symbols (P*, S*) stay; spaces and invisible characters do not.
            kept = "".join(c for c in run if unicodedata.category(c)[0] in "PS")
            out.append(kept or " ")
        elif after.isdigit() and run[-1] in _SIGNS:
            out.append(run[-1])
        position = end
    # NFKC may compose what the loop joined (a combining mark after a removed character).
    return unicodedata.normalize("NFKC", "".join(out))


def title_key(studio_id, year, title):
    """The exact-duplicate key of a result: the same studio, the same year and the same
    normalised title is the same result. BadRequest (``title``) for a title with no letter,
    digit or character in it."""
    normalised = normalise_title(title)
    if not normalised.strip():
        raise BadRequest("the title has no words in it", {"title": ["has no letter, digit or character"]})
    return f"{studio_id}{KEY_SEPARATOR}{int(year)}{KEY_SEPARATOR}{normalised}"


def similarity_form(title):
    """The wording of a title that similarity compares: its normalised form without the particle
    的 and without one generic prefix and one generic suffix, where something is left after them."""
    text = normalise_title(title)
    wording = text.replace(_PARTICLE, "") or text
    for prefix in _GENERIC_PREFIXES:
        if wording.startswith(prefix) and len(wording) > len(prefix) + 1:
            wording = wording[len(prefix):]
            break
    for suffix in _GENERIC_SUFFIXES:
        if wording.endswith(suffix) and len(wording) > len(suffix) + 1:
            wording = wording[:-len(suffix)]
            break
    return wording


def _is_wide(char):
    # Chinese characters (and kana, hangul): each character is a word or part of one.
    return unicodedata.east_asian_width(char) in "WF"


def bigrams(text):
    """The tokens of a normalised text, in order (a multiset: a repeated bigram counts twice):
    the bigrams of every run of Chinese characters (a run of one character is that character),
    and every run of Latin letters and digits whole (``ca6140``, ``plc``, ``1.5mm``)."""
    tokens = []
    for wide, run in itertools.groupby(text, key=_is_wide):
        run = "".join(run)
        if not wide:
            tokens.extend(run.split())
        elif len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
    return tokens


def title_keys(title):
    """A title's bigram multiset as a set of keys, sorted: a bigram's first occurrence is the bigram
    itself, its n-th ``"<bigram> <n>"`` (a token holds no space). Stored in a result's document
    (a multikey index finds results by them), and enough to compare titles: the Dice coefficient
    of two multisets is that of their key sets."""
    seen = Counter()
    keys = []
    for token in bigrams(similarity_form(title)):
        seen[token] += 1
        keys.append(token if seen[token] == 1 else f"{token} {seen[token]}")
    return sorted(keys)


def dice(a, b):
    """The Dice coefficient of a set ``a`` and a collection ``b`` of distinct keys: twice what they
    share over their sizes; 1.0 for two empty ones."""
    size = len(a) + len(b)
    if not size:
        return 1.0
    return 2 * len(a.intersection(b)) / size


def similarity(a, b):
    """How alike two titles are, from 0 (no bigram in common) to 1 (the same wording): the Dice
    coefficient of their bigram multisets. Symmetric; 1 for titles that normalise alike."""
    return dice(set(title_keys(a)), set(title_keys(b)))


def min_overlap(size, threshold):
    """The fewest keys a title of ``size`` keys shares with any title whose similarity to it reaches
    ``threshold``: 2o / (size + other) >= t with other >= o gives o >= t * size / (2 - t)."""
    if threshold <= 0 or not size:
        return 0
    return max(1, math.ceil(threshold * size / (2 - threshold) - 1e-9))


def near_duplicates(keys, candidates, threshold=DEFAULT_THRESHOLD, limit=5):
    """The ``limit`` candidates most similar to a title of ``keys`` (its :func:`title_keys`) with a
    similarity of at least ``threshold``, most similar first (ties in the order given), as
    ``(candidate, similarity rounded to 3 places)``. ``candidates``: ``(candidate, its title's
    keys)`` pairs."""
    wanted = frozenset(keys)
    size, shared = len(wanted), wanted.intersection
    scored = []
    for order, (candidate, held) in enumerate(candidates):
        # dice(wanted, held) written out: this runs for every candidate of every check.
        total = size + len(held)
        score = 2 * len(shared(held)) / total if total else 1.0
        if score >= threshold:
            scored.append((score, -order, candidate))
    best = heapq.nlargest(limit, scored, key=lambda item: item[:2])
    return [(candidate, round(score, 3)) for score, _, candidate in best]


# Patent numbers (专利申请号, ZC 0006-2003): since 1 October 2003 twelve digits, the year (4), the
# kind (1) and a serial (7); before that eight, the year (2), the kind (1) and a serial (5). Then a
# check digit after a '.': the digits weighted 2, 3, ..., 9, 2, 3, ... from the left, summed,
# modulo 11, with 10 written X. ZL (a granted patent) or CN (China) may stand before it, and a
# space between the year, the kind and the serial.
PATENT_FIELD = "patent_number"
_PATENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_PATENT_FORM = re.compile(r"(?:ZL|CN)?(\d{12}|\d{8})(?:\.?([0-9X]))?")
_PATENT_DOTS = str.maketrans({"·": ".", "・": ".", "•": ".", "‧": ".", "。": "."})
# The kind digit: 1 invention, 2 utility model, 3 design, 8 and 9 an international (PCT)
# application for an invention or a utility model entering China.
PATENT_TYPE_DIGITS = {INVENTION_PATENT: ("1", "8"), UTILITY_PATENT: ("2", "9"), DESIGN_PATENT: ("3",)}
_TYPE_NAMES = {"1": "an invention", "2": "a utility model", "3": "a design",
               "8": "an invention (PCT)", "9": "a utility model (PCT)"}
FIRST_TWELVE_DIGIT_YEAR = 2003
FIRST_EIGHT_DIGIT_YEAR = 1985  # the Patent Law took effect on 1 April 1985


def patent_check_digit(digits):
    """The check digit of a patent application number's 12 (or, before 2003, 8) digits."""
    remainder = sum(weight * int(digit) for weight, digit in zip(_PATENT_WEIGHTS, digits)) % 11
    return "X" if remainder == 10 else str(remainder)


def _refuse(message):
    raise BadRequest(f"the patent number {message}", {PATENT_FIELD: [message]})


def _patent_parts(number):
    """(digits, check digit, year, kind digit) of a patent number, or BadRequest."""
    text = unicodedata.normalize("NFKC", str(number)).upper().translate(_PATENT_DOTS)
    text = "".join(text.split())
    form = _PATENT_FORM.fullmatch(text)
    if form is None:
        _refuse("is not one: expected 12 digits (8 before 2003), a '.' and a check digit, "
                "e.g. ZL 2023 1 0123456.7")
    digits, check = form.groups()
    if check is None:
        _refuse("needs its check digit, the digit or X after the '.'")
    if len(digits) == 12:
        year, kind = int(digits[:4]), digits[4]
        if year < FIRST_TWELVE_DIGIT_YEAR:
            _refuse(f"has 12 digits but the year {year}: numbers of 12 digits began in 2003")
    else:
        short_year = int(digits[:2])
        year, kind = (1900 + short_year if short_year >= 50 else 2000 + short_year), digits[2]
        if not FIRST_EIGHT_DIGIT_YEAR <= year <= FIRST_TWELVE_DIGIT_YEAR:
            _refuse(f"has 8 digits but the year {year}: numbers of 8 digits are from 1985 to 2003")
    if kind not in _TYPE_NAMES:
        _refuse(f"has the kind digit {kind}, which is none of 1, 2, 3, 8 or 9")
    expected = patent_check_digit(digits)
    if check != expected:
        _refuse(f"does not add up: its check digit is {check}, its digits give {expected}; "
                "a digit may be mistyped")
    return digits, check, year, kind


def normalise_patent_number(number):
    """The one stored form of a Chinese patent (application) number, its digits, '.' and check
    digit (``202310123456.7``), from any way it is written (``ZL 2023 1 0123456.7``,
    ``CN202310123456.7``, full-width digits, no '.'). BadRequest (``patent_number``) when it is
    no such number or its check digit does not add up."""
    digits, check, _, _ = _patent_parts(number)
    return f"{digits}.{check}"


def validate_patent_number(number, kind, now=None):
    """:func:`normalise_patent_number`, and the number's kind digit must be the result's patent
    kind (an invention patent's number has 1 or 8, a utility model's 2 or 9, a design's 3); with
    ``now``, its year may not be later than now's."""
    digits, check, year, digit = _patent_parts(number)
    allowed = PATENT_TYPE_DIGITS.get(kind)
    if allowed is None:
        raise BadRequest(f"a result of kind {kind} has no patent number",
                         {PATENT_FIELD: [f"only patent kinds have one, not {kind}"]})
    if digit not in allowed:
        _refuse(f"is {_TYPE_NAMES[digit]} patent's (kind digit {digit}), not the result's kind "
                f"{kind} ({' or '.join(allowed)})")
    if now is not None and year > now.year:
        _refuse(f"has the year {year}, which has not come yet")
    return f"{digits}.{check}"
