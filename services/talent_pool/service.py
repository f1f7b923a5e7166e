"""The talent pool service (高技能人才库): thin nameko entrypoints over the use cases.

Competition awards come in as ``competition.contestant_awarded`` events, and the studios'
star ratings, their revocations and verified innovation results as ``studio.rated``,
``studio.rating_revoked`` and ``result.verified``, each through a reliable handler (retried with
backoff, then parked: never lost, never a hot loop); curators and
organisers come in through the gateway's RPC calls, every one taking the caller (the gateway's
verified principal, as a dict) first; admins list and replay its parked messages
(``ParkedMessagesAdmin``). Talent changes go out as ``talent.admitted`` /
``talent.updated`` events through the outbox.
"""
from nameko.timer import timer

from common.auth import caller_from
from common.consumer import reliable_event_handler
from common.parking import ParkedMessagesAdmin
from common.rpc import CorrelationId, rpc
from common.storage import Store
from services.talent_pool import admission, curation, search, studio_records
from services.talent_pool.events import (CONSUMED_SOURCE, CONTESTANT_AWARDED, RATING_REVOKED,
                                         RESULT_VERIFIED, STUDIO_RATED, STUDIOS_SOURCE)
from services.talent_pool.repository import TalentRepository
from services.talent_pool.settings import Settings


class TalentPoolService(ParkedMessagesAdmin):
    name = "talent_pool"

    store = Store(TalentRepository)
    settings = Settings()
    correlation_id = CorrelationId()

    # admission from competition results

    @reliable_event_handler(CONSUMED_SOURCE, CONTESTANT_AWARDED)
    def contestant_awarded(self, envelope):
        return admission.record_award(self.store, self.settings.policy, envelope)

    # studio ratings and verified results

    @reliable_event_handler(STUDIOS_SOURCE, STUDIO_RATED)
    def studio_rated(self, envelope):
        return studio_records.record_studio_rating(self.store, self.settings.policy, envelope)

    @reliable_event_handler(STUDIOS_SOURCE, RATING_REVOKED)
    def studio_rating_revoked(self, envelope):
        return studio_records.record_rating_revoked(self.store, self.settings.policy, envelope)

    @reliable_event_handler(STUDIOS_SOURCE, RESULT_VERIFIED)
    def result_verified(self, envelope):
        return studio_records.record_verified_result(self.store, envelope)

    # finding talents

    @rpc
    def search_talents(self, caller, query):
        return search.search_talents(self.store, caller_from(caller), query)

    @rpc
    def talent_statistics(self, caller, query):
        return search.talent_statistics(self.store, caller_from(caller), query)

    @rpc
    def export_talents(self, caller, query=None, cursor=None):
        return search.export_talents(self.store, caller_from(caller), query, cursor)

    @rpc
    def get_talent(self, caller, talent_id):
        return search.get_talent(self.store, caller_from(caller), talent_id)

    # curation

    @rpc
    def change_talent_status(self, caller, talent_id, payload):
        return curation.change_talent_status(self.store, self.settings.policy, caller_from(caller),
                                             talent_id, payload, self.correlation_id)

    @rpc
    def nominate(self, caller, payload):
        return curation.nominate(self.store, self.settings.protector, caller_from(caller), payload)

    @rpc
    def list_nominations(self, caller, query):
        return curation.list_nominations(self.store, caller_from(caller), query)

    @rpc
    def get_nomination(self, caller, nomination_id):
        return curation.get_nomination(self.store, caller_from(caller), nomination_id)

    @rpc
    def review_nomination(self, caller, nomination_id, payload):
        return curation.review_nomination(self.store, self.settings.policy, caller_from(caller),
                                          nomination_id, payload, self.correlation_id)

    @timer(interval=10)
    def resume_admissions(self):
        """Finish admitting any nominee a crash left half done."""
        curation.resume_admissions(self.store, self.settings.policy)
