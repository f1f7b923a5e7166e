"""The events the competitions service publishes: versioned contracts (see docs/events.md).

No full ID number travels in an event: a contestant is named by the protected person key, and
shown by the masked number.
"""
from marshmallow import fields

from common.events import Contract, make_event

SOURCE = "competitions"
RESULTS_PUBLISHED = "competition.results_published"
CONTESTANT_AWARDED = "competition.contestant_awarded"



class PodiumPlaceSchema(Contract):
    rank = fields.Integer(required=True)
    name = fields.String(required=True)
    employer = fields.String(required=True)
    total = fields.Float(required=True)
    prize = fields.String(allow_none=True, required=True)


class PublishedEventSummarySchema(Contract):
    event_id = fields.String(required=True)
    trade = fields.String(required=True)
    finalists = fields.Integer(required=True)
    prizes = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    certified = fields.Integer(required=True)
    podium = fields.List(fields.Nested(PodiumPlaceSchema), required=True)


class CompetitionFacts(Contract):
    competition_id = fields.String(required=True)
    competition_name = fields.String(required=True)
    level = fields.String(required=True)
    industry_chain = fields.String(required=True)
    organising_unit = fields.String(required=True)
    year = fields.Integer(allow_none=True, required=True)
    publication_version = fields.Integer(required=True)
    correction = fields.Boolean(required=True)
    correction_reason = fields.String(allow_none=True, required=True)


class ResultsPublishedV1(CompetitionFacts):
    """competition.results_published v1: a competition's results are out (or were corrected)."""
    published_at = fields.String(required=True)
    events = fields.List(fields.Nested(PublishedEventSummarySchema), required=True)


class ContestantAwardedV1(CompetitionFacts):
    """competition.contestant_awarded v1: one contestant's prize, title, promotion or certificate.

    Sent for every contestant with any of these, and in a correction also for those who lost theirs
    (then all of them are empty): the latest ``publication_version`` of a competition wins.
    """
    event_id = fields.String(required=True)
    trade = fields.String(required=True)
    entry_id = fields.String(required=True)
    person_key = fields.String(required=True)
    name = fields.String(required=True)
    employer = fields.String(required=True)
    region_code = fields.String(required=True)
    # Added to v1: events sent before it have none, and results frozen before it announce null.
    id_number_masked = fields.String(allow_none=True, load_default=None)
    skill_level = fields.String(required=True)
    rank = fields.Integer(required=True)
    finalists = fields.Integer(required=True)
    total = fields.Float(required=True)
    components = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    prize = fields.String(allow_none=True, required=True)
    prize_name = fields.String(allow_none=True, required=True)
    titles = fields.List(fields.String(), required=True)
    promotion_level = fields.String(allow_none=True, required=True)
    certificate_level = fields.String(allow_none=True, required=True)


# The contract of each event type this service publishes. The events are built to fit it, field
# for field, and the tests prove that they do on the events a real publication sends: checking
# every event again as it is made would cost a good share of a publication.
CONTRACTS = {RESULTS_PUBLISHED: ResultsPublishedV1, CONTESTANT_AWARDED: ContestantAwardedV1}


def competition_facts(competition, version, correction_reason=None):
    return {
        "competition_id": competition["_id"], "competition_name": competition["name"],
        "level": competition["level"], "industry_chain": competition["industry_chain"],
        "organising_unit": competition["organising_unit"], "year": competition.get("year"),
        "publication_version": version, "correction": correction_reason is not None,
        "correction_reason": correction_reason,
    }


def results_published(competition, version, published_at, summaries, correlation_id,
                      correction_reason=None):
    data = {**competition_facts(competition, version, correction_reason),
            "published_at": published_at, "events": summaries}
    return make_event(RESULTS_PUBLISHED, data, source=SOURCE, correlation_id=correlation_id)


def contestant_awarded(competition, result, version, finalists, correlation_id,
                       correction_reason=None):
    data = {**competition_facts(competition, version, correction_reason),
            **{key: result[key] for key in (
                "event_id", "trade", "entry_id", "person_key", "name", "employer", "region_code",
                "skill_level", "rank", "total", "components", "prize", "prize_name",
                "promotion_level", "certificate_level")},
            "id_number_masked": result.get("id_number_masked"),
            "titles": list(result["titles"]), "finalists": finalists}
    return make_event(CONTESTANT_AWARDED, data, source=SOURCE, correlation_id=correlation_id)
