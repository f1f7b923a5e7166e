"""The marking scheme of a trade event, in the WorldSkills CIS shape: criterion -> sub-criterion -> aspect.

The scheme arrives as plain dicts whose structure marshmallow has already checked; this module
checks what only the whole scheme can tell (unique ids, weights adding up, bands that make sense),
indexes it once for marking and scoring, and turns one judge's raw input into a mark.

Aspects come in four modes:

- judgement: each judge gives a level 0..3 (each level described in ``levels``);
  the aspect is worth ``max_mark * level / 3``.
- measurement, full or zero: the mark is 0 or ``max_mark``.
- measurement, graded (``"graded": true``): any mark in [0, max_mark], e.g. a theory paper's score.
- measurement with tolerance bands: the judge enters the measured value; the mark is
  ``max_mark * fraction`` of the first band with ``|value - nominal| <= deviation``, else 0.
"""
import math
from dataclasses import dataclass

from common.errors import BadRequest

MEASUREMENT = "measurement"
JUDGEMENT = "judgement"
ASPECT_KINDS = (MEASUREMENT, JUDGEMENT)

MAX_LEVEL = 3
JUDGEMENT_LEVELS = (0, 1, 2, 3)
_LEVEL_KEYS = frozenset(str(level) for level in JUDGEMENT_LEVELS)

# The split most Chinese skills competitions use when the organiser sets none.
DEFAULT_COMPONENTS = (
    {"key": "theory", "name": "理论", "weight": 30},
    {"key": "practical", "name": "实操", "weight": 70},
)

# Measured values are decimals typed by a judge (25.02) and compared with decimal deviations (0.02);
# in binary floating point 25.02 - 25.0 is 0.0200000000000018, which would throw a measurement that
# is exactly on the band's edge out of the band. Allow this much relative slack on the edge.
_EDGE_SLACK = 1e-9

# Modes, as small ints because scoring dispatches on them for every aspect of every entry.
JUDGED, FULL_OR_ZERO, GRADED, BANDED = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Component:
    key: str
    name: str
    weight: float


@dataclass(frozen=True, slots=True)
class Aspect:
    id: str
    kind: str
    component: str
    max_mark: float
    description: str = ""
    nominal: float | None = None
    bands: tuple = ()  # ((deviation, fraction), ...), by increasing deviation
    graded: bool = False
    criterion: str = ""
    sub_criterion: str = ""

    @property
    def mode(self):
        if self.kind == JUDGEMENT:
            return JUDGED
        if self.bands:
            return BANDED
        return GRADED if self.graded else FULL_OR_ZERO

    @classmethod
    def from_dict(cls, data, component="", criterion="", sub_criterion=""):
        bands = tuple((float(b["deviation"]), float(b["fraction"])) for b in data.get("tolerance_bands") or ())
        nominal = data.get("nominal")
        return cls(
            id=data["id"],
            kind=data["kind"],
            component=component,
            max_mark=float(data["max_mark"]),
            description=data.get("description", ""),
            nominal=None if nominal is None else float(nominal),
            bands=bands,
            graded=bool(data.get("graded", False)),
            criterion=criterion,
            sub_criterion=sub_criterion,
        )


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def components_of(scheme):
    """The scheme's components, or the default 30/70 theory/practical split when it names none."""
    return [dict(c) for c in (scheme.get("components") or DEFAULT_COMPONENTS)]


def validate_scheme(scheme):
    """Check the semantic rules of a marking scheme; raise BadRequest naming every field at fault."""
    fields = {}

    def fail(path, problem):
        fields.setdefault(path, []).append(problem)

    components = components_of(scheme)
    keys = set()
    weight_sum = 0.0
    for i, component in enumerate(components):
        key = component.get("key")
        if key in keys:
            fail(f"components.{i}.key", f"the component {key!r} appears twice")
        keys.add(key)
        weight = component.get("weight")
        # A component that carries no weight would have a score that counts for nothing; leave it out.
        if not _is_number(weight) or weight <= 0:
            fail(f"components.{i}.weight", "must be a number greater than 0")
        else:
            weight_sum += weight
    if not fields and abs(weight_sum - 100) > 1e-9:
        fail("components", f"the weights must add up to 100, not {weight_sum:g}")

    ids = {}  # every id, criterion to aspect, is one namespace: marks and appeals refer to them bare
    aspects_per_component = {key: 0 for key in keys}
    total_aspects = 0
    for ci, criterion in enumerate(scheme.get("criteria") or ()):
        path = f"criteria.{ci}"
        _check_id(criterion.get("id"), f"{path}.id", ids, fail)
        component = criterion.get("component")
        if component not in keys:
            known = ", ".join(str(c.get("key")) for c in components)
            fail(f"{path}.component", f"no component {component!r}; the components are {known}")
        for si, sub in enumerate(criterion.get("sub_criteria") or ()):
            sub_path = f"{path}.sub_criteria.{si}"
            _check_id(sub.get("id"), f"{sub_path}.id", ids, fail)
            for ai, aspect in enumerate(sub.get("aspects") or ()):
                aspect_path = f"{sub_path}.aspects.{ai}"
                _check_id(aspect.get("id"), f"{aspect_path}.id", ids, fail)
                _check_aspect(aspect, aspect_path, fail)
                total_aspects += 1
                if component in aspects_per_component:
                    aspects_per_component[component] += 1

    if total_aspects == 0:
        fail("criteria", "the scheme needs at least one aspect to mark")
    else:
        for i, component in enumerate(components):
            if aspects_per_component.get(component.get("key")) == 0:
                fail(f"components.{i}.key", f"the component {component.get('key')!r} has no aspect to mark")

    if fields:
        raise BadRequest("the marking scheme is not valid", fields)


def _check_id(value, path, ids, fail):
    if not isinstance(value, str) or not value:
        fail(path, "must be a non-empty text")
    elif value in ids:
        fail(path, f"the id {value!r} is already used at {ids[value]}")
    else:
        ids[value] = path.rsplit(".", 1)[0]


def _check_aspect(aspect, path, fail):
    kind = aspect.get("kind")
    if kind not in ASPECT_KINDS:
        fail(f"{path}.kind", f"must be one of {', '.join(ASPECT_KINDS)}")
        return
    max_mark = aspect.get("max_mark")
    if not _is_number(max_mark) or max_mark <= 0:
        fail(f"{path}.max_mark", "must be a number greater than 0")

    bands = aspect.get("tolerance_bands")
    nominal = aspect.get("nominal")
    if kind == JUDGEMENT:
        for key in ("tolerance_bands", "nominal", "graded"):
            if aspect.get(key) not in (None, False, []):
                fail(f"{path}.{key}", "only measurement aspects have this; judges give a level 0-3")
        levels = aspect.get("levels")
        if levels is not None and set(map(str, levels)) != _LEVEL_KEYS:
            fail(f"{path}.levels", "describe each of the levels 0, 1, 2 and 3")
        return

    if aspect.get("levels"):
        fail(f"{path}.levels", "only judgement aspects have levels")
    if bands:
        if aspect.get("graded"):
            fail(f"{path}.graded", "an aspect is either graded or marked by tolerance bands, not both")
        if nominal is None:
            fail(f"{path}.nominal", "tolerance bands need the nominal value they measure from")
        elif not _is_number(nominal):
            fail(f"{path}.nominal", "must be a number")
        previous = None
        for bi, band in enumerate(bands):
            band_path = f"{path}.tolerance_bands.{bi}"
            deviation, fraction = band.get("deviation"), band.get("fraction")
            if not _is_number(deviation) or deviation < 0:
                fail(f"{band_path}.deviation", "must be a number of at least 0")
                deviation = None
            if not _is_number(fraction) or not 0 < fraction <= 1:
                fail(f"{band_path}.fraction", "must be a number greater than 0 and at most 1")
                fraction = None
            if previous is not None:
                if deviation is not None and previous[0] is not None and deviation <= previous[0]:
                    fail(f"{band_path}.deviation", "bands go from the tightest to the widest deviation")
                # A wider band never earns more than a tighter one.
                if fraction is not None and previous[1] is not None and fraction > previous[1]:
                    fail(f"{band_path}.fraction", "a wider band cannot earn a larger fraction")
            previous = (deviation, fraction)
    elif nominal is not None:
        fail(f"{path}.nominal", "a nominal value only means something with tolerance bands")


class SchemeIndex:
    """A validated scheme indexed for marking and scoring; build it once per event and reuse it."""

    def __init__(self, scheme, validate=True):
        if validate:
            validate_scheme(scheme)
        self.components = tuple(
            Component(c["key"], c.get("name", c["key"]), float(c["weight"])) for c in components_of(scheme)
        )
        self.aspects = {}
        for criterion in scheme.get("criteria") or ():
            for sub in criterion.get("sub_criteria") or ():
                for data in sub.get("aspects") or ():
                    aspect = Aspect.from_dict(data, criterion["component"], criterion["id"], sub["id"])
                    self.aspects[aspect.id] = aspect
        self.aspect_ids = tuple(self.aspects)
        self.component_max = {c.key: 0.0 for c in self.components}
        for aspect in self.aspects.values():
            self.component_max[aspect.component] += aspect.max_mark

        # What scoring needs per aspect, flattened into tuples so that its loop does no attribute
        # lookups or calls: (id, mode, component position, max mark, mark per level, nominal,
        # ((deviation with edge slack, mark), ...)).
        position = {c.key: i for i, c in enumerate(self.components)}
        self.plan = tuple(
            (
                a.id,
                a.mode,
                position[a.component],
                a.max_mark,
                a.max_mark / MAX_LEVEL,
                a.nominal,
                tuple((d + _EDGE_SLACK * max(1.0, abs(a.nominal or 0.0)), a.max_mark * f) for d, f in a.bands),
            )
            for a in self.aspects.values()
        )
        self.component_keys = tuple(c.key for c in self.components)
        # Per component for scoring: (key, weight, factor turning a sum of marks into a 0..100
        # score scaled by 1e9, the first step of rounding it).
        self.score_parts = tuple((c.key, c.weight, 1e11 / self.component_max[c.key]) for c in self.components)

    def aspect(self, aspect_id):
        try:
            return self.aspects[aspect_id]
        except KeyError:
            raise BadRequest(
                f"no aspect {aspect_id!r} in this event's marking scheme",
                {"aspect_id": ["not an aspect of the marking scheme"]},
            ) from None

    def mark_value(self, aspect_id, value):
        return mark_value(self.aspect(aspect_id), value)


def _bad_value(message):
    return BadRequest(message, {"value": [message]})


def mark_value(aspect, value):
    """Check one judge's raw input for ``aspect`` and return what it is worth.

    For a judgement aspect that is the level (an int 0..3; scoring turns the judges' levels into a
    mark); for a measurement aspect it is the mark awarded. ``aspect`` is an Aspect or a scheme dict.
    """
    if isinstance(aspect, dict):
        aspect = Aspect.from_dict(aspect)
    if not _is_number(value):
        raise _bad_value("the value must be a number")
    mode = aspect.mode
    if mode == JUDGED:
        if value != int(value) or not 0 <= value <= MAX_LEVEL:
            raise _bad_value(f"a judgement is a whole level from 0 to {MAX_LEVEL}")
        return int(value)
    if mode == BANDED:
        # The raw value is the measured dimension, not a mark, so any finite number is possible.
        return _banded_mark(aspect, float(value))
    if value < 0:
        raise _bad_value("a mark cannot be negative")
    if mode == GRADED:
        if value > aspect.max_mark:
            raise _bad_value(f"the mark cannot exceed the aspect's maximum of {aspect.max_mark:g}")
        return float(value)
    if value != 0 and value != aspect.max_mark:
        raise _bad_value(f"this aspect is full marks or zero: enter 0 or {aspect.max_mark:g}")
    return float(value)


def _banded_mark(aspect, measured):
    off = abs(measured - aspect.nominal)
    slack = _EDGE_SLACK * max(1.0, abs(aspect.nominal))
    for deviation, fraction in aspect.bands:
        if off <= deviation + slack:
            return aspect.max_mark * fraction
    return 0.0
