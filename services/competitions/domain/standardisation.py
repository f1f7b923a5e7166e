"""WorldSkills-style standardisation: an event's raw totals set on a common scale, beside them.

Events marked by different schemes and juries are hard to compare on raw totals. Standardised,
each field's median sits at ``median`` (700 by default, the WorldSkills scale) and one standard
deviation of the field is ``spread`` points (20 by default); a finalist at or above
``excellence`` (700 by default) reaches the excellence threshold (the Medallion for Excellence).
It changes no rank, prize or certificate: those follow the raw totals.

    "ranking": {"standardisation": {"median": 700, "spread": 20, "excellence": 700}}
"""
import statistics
from typing import NamedTuple

DEFAULT = {"median": 700, "spread": 20, "excellence": 700}


class Standardised(NamedTuple):
    score: float  # on the scale, to one decimal
    excellent: bool  # at or above the excellence threshold


def standardised(totals, rules):
    """Each of ``totals`` (a field's raw totals) on the scale ``rules`` names (``DEFAULT`` for what
    they leave out); a field without spread (one finalist, or every total equal) sits at the
    median."""
    rules = {**DEFAULT, **(rules or {})}
    if not totals:
        return []
    middle, deviation = statistics.median(totals), statistics.pstdev(totals)
    scores = [float(rules["median"]) if deviation == 0 else
              round(rules["median"] + rules["spread"] * (total - middle) / deviation, 1) for total in totals]
    return [Standardised(score, score >= rules["excellence"]) for score in scores]
