"""The studios service: thin nameko entrypoints over the use cases.

Union admins and reviewers, studio leads and organisers come in through the gateway's RPC calls,
every one taking the caller (the gateway's verified principal, as a dict) first. Verified results
and ratings go out as events through the outbox; a timer in every instance puts ratings into
effect once their public notice closes, claiming each round in the store first.
"""
from nameko.timer import timer

from common.auth import caller_from
from common.files import Files
from common.rpc import CorrelationId, rpc
from common.storage import Store
from services.studios import rating_rounds, registry, submissions
from services.studios import reporting
from services.studios.repository import StudiosRepository
from services.studios.settings import Settings

EFFECT_INTERVAL = 5  # seconds between two runs of the effect job


class StudiosService:
    name = "studios"

    store = Store(StudiosRepository)
    settings = Settings()
    files = Files()
    correlation_id = CorrelationId()

    # studios

    @rpc
    def register_studio(self, caller, payload):
        return registry.register_studio(self.store, self.settings.protector, caller_from(caller), payload)

    @rpc
    def list_studios(self, caller, query):
        return registry.list_studios(self.store, caller_from(caller), query)

    @rpc
    def public_studios(self, query):
        return registry.public_studios(self.store, query)

    @rpc
    def get_studio(self, caller, studio_id):
        return registry.get_studio(self.store, caller_from(caller), studio_id)

    @rpc
    def add_members(self, caller, studio_id, payload):
        return registry.add_members(self.store, self.settings.protector, caller_from(caller),
                                    studio_id, payload)

    @rpc
    def remove_member(self, caller, studio_id, member_id, payload):
        return registry.remove_member(self.store, caller_from(caller), studio_id, member_id, payload)

    @rpc
    def change_lead(self, caller, studio_id, payload):
        return registry.change_lead(self.store, caller_from(caller), studio_id, payload)

    @rpc
    def change_status(self, caller, studio_id, payload):
        return registry.change_status(self.store, caller_from(caller), studio_id, payload,
                               self.correlation_id)

    @rpc
    def revoke_stars(self, caller, studio_id, payload):
        return registry.revoke_stars(self.store, caller_from(caller), studio_id, payload,
                               self.correlation_id)

    # alliances

    @rpc
    def create_alliance(self, caller, payload):
        return registry.create_alliance(self.store, caller_from(caller), payload)

    @rpc
    def list_alliances(self, caller, query):
        return registry.list_alliances(self.store, caller_from(caller), query)

    @rpc
    def get_alliance(self, caller, alliance_id):
        return registry.get_alliance(self.store, caller_from(caller), alliance_id)

    @rpc
    def join_alliance(self, caller, alliance_id, payload):
        return registry.join_alliance(self.store, caller_from(caller), alliance_id, payload)

    @rpc
    def leave_alliance(self, caller, alliance_id, payload):
        return registry.leave_alliance(self.store, caller_from(caller), alliance_id, payload)

    @rpc
    def rotate_convenor(self, caller, alliance_id, payload):
        return registry.rotate_convenor(self.store, caller_from(caller), alliance_id, payload)

    @rpc
    def add_joint_project(self, caller, alliance_id, payload):
        return registry.add_joint_project(self.store, caller_from(caller), alliance_id, payload)

    # results

    @rpc
    def create_result(self, caller, studio_id, payload):
        return submissions.create_result(self.store, caller_from(caller), studio_id, payload)

    @rpc
    def edit_result(self, caller, result_id, payload):
        return submissions.edit_result(self.store, caller_from(caller), result_id, payload)

    @rpc
    def submit_result(self, caller, result_id):
        return submissions.submit_result(self.store, self.settings, caller_from(caller), result_id)

    @rpc
    def add_evidence(self, caller, result_id, payload):
        return submissions.add_evidence(self.store, self.files, caller_from(caller), result_id, payload)

    @rpc
    def evidence_file(self, caller, result_id, file_id):
        return submissions.evidence_file(self.store, self.files, caller_from(caller), result_id, file_id)

    @rpc
    def review_result(self, caller, result_id, payload):
        return submissions.review_result(self.store, caller_from(caller), result_id, payload,
                                         self.correlation_id)

    @rpc
    def list_results(self, caller, query):
        return submissions.list_results(self.store, caller_from(caller), query)

    @rpc
    def get_result(self, caller, result_id):
        return submissions.get_result(self.store, caller_from(caller), result_id)

    # rating rounds

    @rpc
    def open_round(self, caller, payload):
        return rating_rounds.open_round(self.store, self.settings, caller_from(caller), payload)

    @rpc
    def list_rounds(self, caller, query):
        return rating_rounds.list_rounds(self.store, caller_from(caller), query)

    @rpc
    def get_round(self, caller, round_id):
        return rating_rounds.get_round(self.store, caller_from(caller), round_id)

    @rpc
    def list_ratings(self, caller, round_id, query):
        return rating_rounds.list_ratings(self.store, caller_from(caller), round_id, query)

    @rpc
    def record_panel_scores(self, caller, round_id, payload):
        return rating_rounds.record_panel_scores(self.store, caller_from(caller), round_id, payload)

    @rpc
    def compute_proposals(self, caller, round_id):
        return rating_rounds.compute_proposals(self.store, caller_from(caller), round_id)

    @rpc
    def open_notice(self, caller, round_id, payload=None):
        return rating_rounds.open_notice(self.store, caller_from(caller), round_id, payload)

    @rpc
    def public_notice(self, round_id, query):
        return rating_rounds.public_notice(self.store, round_id, query)

    @rpc
    def get_rating(self, caller, rating_id):
        return rating_rounds.get_rating(self.store, caller_from(caller), rating_id)

    @rpc
    def file_objection(self, caller, rating_id, payload):
        return rating_rounds.file_objection(self.store, caller_from(caller), rating_id, payload)

    @rpc
    def answer_objection(self, caller, rating_id, objection_id, payload):
        return rating_rounds.answer_objection(self.store, caller_from(caller), rating_id,
                                              objection_id, payload)

    @timer(interval=EFFECT_INTERVAL)
    def take_effect(self):
        """Put into effect the ratings whose public notice has closed, or closes before the next
        run (waited for: the round takes effect as its notice closes)."""
        rating_rounds.take_effect(self.store, self.settings.instance, within=EFFECT_INTERVAL)

    # reports

    @rpc
    def studio_report(self, caller, query):
        return reporting.studio_report(self.store, caller_from(caller), query)
