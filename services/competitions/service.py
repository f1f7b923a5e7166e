"""The competitions service: thin nameko entrypoints over the use cases.

Every RPC takes the caller (the gateway's verified principal, as a dict) first: what the caller
may see and touch is decided here, by the service that owns the data.
"""
from nameko.timer import timer

from common.auth import caller_from
from common.rpc import CorrelationId, rpc
from common.storage import Store
from services.competitions import entry_sheets, judging, organising, registration, results
from services.competitions.repository import CompetitionRepository
from services.competitions.settings import Settings


class CompetitionsService:
    name = "competitions"

    store = Store(CompetitionRepository)
    settings = Settings()
    correlation_id = CorrelationId()  # the gateway request's id, stamped on the events it causes

    # organising

    @rpc
    def create_competition(self, caller, payload):
        return organising.create_competition(self.store, caller_from(caller), payload)

    @rpc
    def list_competitions(self, caller, query):
        return organising.list_competitions(self.store, caller_from(caller), query)

    @rpc
    def get_competition(self, caller, competition_id):
        return organising.get_competition(self.store, caller_from(caller), competition_id)

    @rpc
    def add_event(self, caller, competition_id, payload):
        return organising.add_event(self.store, caller_from(caller), competition_id, payload)

    @rpc
    def update_event(self, caller, competition_id, event_id, payload):
        return organising.update_event(self.store, caller_from(caller), competition_id, event_id, payload)

    @rpc
    def set_officials(self, caller, competition_id, payload):
        return organising.set_officials(self.store, caller_from(caller), competition_id, payload)

    @rpc
    def change_status(self, caller, competition_id, payload):
        return organising.change_status(self.store, caller_from(caller), competition_id, payload)

    # registration

    @rpc
    def register_entry(self, caller, competition_id, event_id, payload):
        return registration.register_entry(self.store, self.settings.protector, caller_from(caller),
                                           competition_id, event_id, payload)

    @rpc
    def preview_entry_sheet(self, caller, competition_id, event_id, payload):
        return entry_sheets.preview_entry_sheet(self.store, self.settings.protector, caller_from(caller),
                                                competition_id, event_id, payload)

    @rpc
    def import_entry_sheet(self, caller, competition_id, event_id, payload):
        return entry_sheets.import_entry_sheet(self.store, self.settings.protector, caller_from(caller),
                                               competition_id, event_id, payload)

    @rpc
    def list_entries(self, caller, competition_id, event_id, query):
        return registration.list_entries(self.store, caller_from(caller), competition_id, event_id, query)

    @rpc
    def decide_entry(self, caller, competition_id, event_id, entry_id, payload):
        return registration.decide_entry(self.store, caller_from(caller), competition_id, event_id,
                                         entry_id, payload)

    # judging

    @rpc
    def assign_judge(self, caller, competition_id, event_id, payload):
        return judging.assign_judge(self.store, caller_from(caller), competition_id, event_id, payload)

    @rpc
    def marking_sheet(self, caller, competition_id, event_id):
        return judging.marking_sheet(self.store, caller_from(caller), competition_id, event_id)

    @rpc
    def submit_mark(self, caller, competition_id, event_id, payload):
        return judging.submit_mark(self.store, caller_from(caller), competition_id, event_id, payload)

    @rpc
    def submit_sheet(self, caller, competition_id, event_id, payload):
        return judging.submit_sheet(self.store, caller_from(caller), competition_id, event_id, payload)

    @rpc
    def record_completion_time(self, caller, competition_id, event_id, payload):
        return judging.record_completion_time(self.store, caller_from(caller), competition_id,
                                              event_id, payload)

    @rpc
    def mark_history(self, caller, competition_id, event_id, entry_code):
        return judging.mark_history(self.store, caller_from(caller), competition_id, event_id, entry_code)

    # results

    @rpc
    def live_ranking(self, caller, competition_id, event_id):
        return results.live_ranking(self.store, caller_from(caller), competition_id, event_id)

    @rpc
    def sign_off(self, caller, competition_id):
        return results.sign_off(self.store, caller_from(caller), competition_id)

    @rpc
    def publish(self, caller, competition_id):
        return results.publish(self.store, caller_from(caller), competition_id, self.correlation_id)

    @rpc
    def correct_results(self, caller, competition_id, payload):
        return results.correct(self.store, caller_from(caller), competition_id, payload,
                               self.correlation_id)

    @rpc
    def published_results(self, caller, competition_id, event_id=None):
        """Public: ``caller`` may be None; nothing shows before publication."""
        return results.published_results(self.store, competition_id, event_id)

    @timer(interval=10)
    def resume_announcements(self):
        """Finish announcing any publication a crash interrupted."""
        results.resume_announcements(self.store)
