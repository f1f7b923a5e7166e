"""The rules of the high-skill talent pool (高技能人才库), free of any framework: plain functions
over plain dicts, so that they can be tested (and property-tested) on their own.

- policy: which competition awards and studio ratings admit a worker automatically (configured
  per deployment)
- talent: one person's record across every source: applying an award or an admitted nomination,
  the fields derived from its honours and sources, its search keys
- studios: a studio's star rating and its revocation on the lead's record, verified innovation
  results on each author's, whatever order a studio's events arrive in
- status: the explicit status changes curators make (expire, remove, re-activate)
- nomination: the manual nomination's review workflow 资格审查 -> 专家初评 -> 综合复审

Functions never change the dicts they are given: they return new ones. Time comes in as ``now``
(an aware datetime), so every rule is deterministic. A change the rules do not allow in the
record's present state raises common.errors.Conflict (409); one the rules do not let this person
make, common.errors.Forbidden (403).
"""
