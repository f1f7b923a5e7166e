"""The innovation studios service (劳模和工匠人才创新工作室).

It owns the studios (lead, members, enterprise, level, status, history), their alliances
(创新工作室联盟), the innovation results their leads submit with evidence files and the reviewers'
verification of them, and the yearly star rating (星级评定): rounds, rubric, panel scores, public
notice (公示) with objections, effect, 复评 and revocation. It publishes ``studio.rated``,
``studio.rating_revoked`` and ``result.verified`` (docs/events.md); the talent pool consumes them.
"""
