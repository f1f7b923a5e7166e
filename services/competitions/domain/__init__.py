"""The rules of skills competitions, free of any framework: plain functions and small dataclasses.

- lifecycle: a competition's statuses and the actions that move between them
- scheme: the marking scheme (criterion -> sub-criterion -> aspect), its checks, one judge's mark
- scoring: from the judges' marks to an entry's weighted score
- ranking: ranks with the tie-break chain, for results and for the jury's live board
- awards: prize bands, titles, skill-level promotions and certificates
- eligibility: the skill-level ladder and who may enter an event
"""
