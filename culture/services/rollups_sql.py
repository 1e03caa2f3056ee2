"""Roll-ups computed inside PostgreSQL: three set-based INSERT ... SELECT statements.

They write exactly the rows `culture.services.rollups.rollup_rows_python` builds (the tests compare
both on the same data), for any number of rounds at once, so a round of 10,000 people, or a seed of
two years of history, is rolled up without moving its answers into Python.

Scoring follows `culture.statistics`: an agreement answer is reverse-scored as top + 1 - value,
favourable from top - 1 (4 of 5, 6 of 7), mapped to 0-100 as (scored - 1) / (top - 1) * 100; a
respondent's dimension score is the mean of their answered items in it; eNPS answers count as
favourable from 9. Subtree rows add each team's own figures to every team on its path in the
round's frozen tree (`checkins_roundteam`, A3), never today's.
"""

from __future__ import annotations

from django.db import connection

# The round's questions with what scoring needs, and every answer with a value to one of them.
_SCORED = """
rq AS (
    SELECT rq.round_id, rq.question_version_id AS version_id, q.scale, q.reverse_scored,
           q.dimension_id,
           CASE q.scale WHEN 'agree5' THEN 5 WHEN 'agree7' THEN 7 END AS top
    FROM checkins_roundquestion rq
    JOIN checkins_questionversion qv ON qv.id = rq.question_version_id
    JOIN checkins_question q ON q.id = qv.question_id
    WHERE rq.round_id = ANY(%(rounds)s)
),
scored AS (
    SELECT r.round_id, r.team_id, r.id AS response_id, rq.version_id, rq.dimension_id, rq.scale,
           rq.top, a.value,
           CASE WHEN rq.top IS NULL THEN NULL
                WHEN rq.reverse_scored THEN rq.top + 1 - a.value
                ELSE a.value END AS scored
    FROM checkins_answer a
    JOIN checkins_response r ON r.id = a.response_id
    JOIN rq ON rq.round_id = r.round_id AND rq.version_id = a.question_version_id
    WHERE r.round_id = ANY(%(rounds)s) AND a.value IS NOT NULL
),
team_anc AS (
    SELECT rt.round_id, rt.team_id, part::bigint AS ancestor_id
    FROM checkins_roundteam rt, unnest(string_to_array(trim(BOTH '/' FROM rt.path), '/')) AS part
    WHERE rt.round_id = ANY(%(rounds)s)
)
"""

# Every answer value any scale allows (agreement 1-5 or 1-7, eNPS 0-10): the per-value counts are
# eleven columns summed like the other figures, turned into the JSON object at the end, instead of
# a row per value through the subtree sums and a JSON aggregate per group (much slower at two
# years of history). A value outside 0-10 would be a bug elsewhere; it still counts in n.

# Both statements start from the same scored answers (joined, not formatted: constant SQL).
_QUESTIONS = "".join(
    (
        "WITH ",
        _SCORED,
        ",",
        """
own AS (
    SELECT round_id, team_id, version_id, count(*) AS n, sum(value) AS total,
           sum(value * value) AS total_sq,
           count(*) FILTER (
               WHERE (top IS NOT NULL AND scored >= top - 1) OR (scale = 'zero_ten' AND value >= 9)
           ) AS fav,
           count(*) FILTER (WHERE value = 0) AS c0,
           count(*) FILTER (WHERE value = 1) AS c1,
           count(*) FILTER (WHERE value = 2) AS c2,
           count(*) FILTER (WHERE value = 3) AS c3,
           count(*) FILTER (WHERE value = 4) AS c4,
           count(*) FILTER (WHERE value = 5) AS c5,
           count(*) FILTER (WHERE value = 6) AS c6,
           count(*) FILTER (WHERE value = 7) AS c7,
           count(*) FILTER (WHERE value = 8) AS c8,
           count(*) FILTER (WHERE value = 9) AS c9,
           count(*) FILTER (WHERE value = 10) AS c10
    FROM scored GROUP BY round_id, team_id, version_id
),
scoped AS (
    SELECT round_id, team_id, false AS sub, version_id, n, total, total_sq, fav,
           c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10
    FROM own
    UNION ALL
    SELECT o.round_id, ta.ancestor_id, true, o.version_id, sum(o.n), sum(o.total),
           sum(o.total_sq), sum(o.fav),
           sum(o.c0), sum(o.c1), sum(o.c2), sum(o.c3), sum(o.c4), sum(o.c5), sum(o.c6), sum(o.c7), sum(o.c8), sum(o.c9), sum(o.c10)
    FROM own o JOIN team_anc ta ON ta.round_id = o.round_id AND ta.team_id = o.team_id
    GROUP BY o.round_id, ta.ancestor_id, o.version_id
)
INSERT INTO culture_questionrollup
    (round_id, team_id, includes_subteams, question_version_id, n, total, total_sq, favourable,
     counts)
SELECT round_id, team_id, sub, version_id, n, total::float8, total_sq::float8, fav,
       jsonb_strip_nulls(jsonb_build_object(
        '0', nullif(c0, 0),
        '1', nullif(c1, 0),
        '2', nullif(c2, 0),
        '3', nullif(c3, 0),
        '4', nullif(c4, 0),
        '5', nullif(c5, 0),
        '6', nullif(c6, 0),
        '7', nullif(c7, 0),
        '8', nullif(c8, 0),
        '9', nullif(c9, 0),
        '10', nullif(c10, 0)
       ))
FROM scoped
""",
    )
)

_DIMENSIONS = "".join(
    (
        "WITH ",
        _SCORED,
        ",",
        """
per_response AS (
    SELECT round_id, team_id, response_id, dimension_id,
           avg((scored - 1)::float8 / (top - 1) * 100.0::float8) AS score,
           count(*) AS answered,
           count(*) FILTER (WHERE scored >= top - 1) AS fav
    FROM scored WHERE top IS NOT NULL AND dimension_id IS NOT NULL
    GROUP BY round_id, team_id, response_id, dimension_id
),
asked AS (
    SELECT round_id, dimension_id, count(*) AS items FROM rq
    WHERE top IS NOT NULL AND dimension_id IS NOT NULL GROUP BY round_id, dimension_id
),
own AS (
    SELECT p.round_id, p.team_id, p.dimension_id, count(*) AS n, sum(p.score) AS total,
           sum(p.score * p.score) AS total_sq, sum(p.fav) AS fav, sum(p.answered) AS answered,
           count(*) FILTER (WHERE p.answered = a.items) AS complete
    FROM per_response p JOIN asked a USING (round_id, dimension_id)
    GROUP BY p.round_id, p.team_id, p.dimension_id
)
INSERT INTO culture_dimensionrollup
    (round_id, team_id, includes_subteams, dimension_id, n, total, total_sq, favourable, answered,
     complete)
SELECT round_id, team_id, false, dimension_id, n, total, total_sq, fav, answered, complete FROM own
UNION ALL
SELECT o.round_id, ta.ancestor_id, true, o.dimension_id, sum(o.n), sum(o.total),
       sum(o.total_sq), sum(o.fav), sum(o.answered), sum(o.complete)
FROM own o JOIN team_anc ta ON ta.round_id = o.round_id AND ta.team_id = o.team_id
GROUP BY o.round_id, ta.ancestor_id, o.dimension_id
""",
    )
)

# The driver analysis (ADR 0032): per respondent the dimension scores (x) and the outcomes (y:
# the mean of their eNPS answers, outcome 0, or their score on a dimension marked as the outcome),
# then the sums of products over the respondents with both. A dimension is never its own driver.
_DRIVERS = "".join(
    (
        "WITH ",
        _SCORED,
        ",",
        """
per_response AS (
    SELECT round_id, team_id, response_id, dimension_id,
           avg((scored - 1)::float8 / (top - 1) * 100.0::float8) AS score
    FROM scored WHERE top IS NOT NULL AND dimension_id IS NOT NULL
    GROUP BY round_id, team_id, response_id, dimension_id
),
outcomes AS (
    SELECT round_id, response_id, 0 AS outcome_id, avg(value::float8) AS y
    FROM scored WHERE scale = 'zero_ten' GROUP BY round_id, response_id
    UNION ALL
    SELECT p.round_id, p.response_id, p.dimension_id, p.score
    FROM per_response p JOIN checkins_dimension d ON d.id = p.dimension_id AND d.is_outcome
),
own AS (
    SELECT x.round_id, x.team_id, x.dimension_id, o.outcome_id, count(*) AS n,
           sum(x.score) AS sx, sum(o.y) AS sy, sum(x.score * x.score) AS sxx,
           sum(o.y * o.y) AS syy, sum(x.score * o.y) AS sxy
    FROM per_response x
    JOIN outcomes o ON o.round_id = x.round_id AND o.response_id = x.response_id
    WHERE o.outcome_id <> x.dimension_id
    GROUP BY x.round_id, x.team_id, x.dimension_id, o.outcome_id
)
INSERT INTO culture_driverrollup
    (round_id, team_id, includes_subteams, dimension_id, outcome_id, n, sum_x, sum_y, sum_xx,
     sum_yy, sum_xy)
SELECT round_id, team_id, false, dimension_id, nullif(outcome_id, 0), n, sx, sy, sxx, syy, sxy
FROM own
UNION ALL
SELECT o.round_id, ta.ancestor_id, true, o.dimension_id, nullif(o.outcome_id, 0), sum(o.n),
       sum(o.sx), sum(o.sy), sum(o.sxx), sum(o.syy), sum(o.sxy)
FROM own o JOIN team_anc ta ON ta.round_id = o.round_id AND ta.team_id = o.team_id
GROUP BY o.round_id, ta.ancestor_id, o.dimension_id, o.outcome_id
""",
    )
)

_PARTICIPATION = """
WITH invited AS (
    SELECT round_id, team_id, count(*) AS n FROM checkins_participation
    WHERE round_id = ANY(%(rounds)s) GROUP BY round_id, team_id
),
responded AS (
    SELECT round_id, team_id, count(*) AS n FROM checkins_response
    WHERE round_id = ANY(%(rounds)s) GROUP BY round_id, team_id
),
own AS (
    SELECT round_id, team_id, coalesce(i.n, 0) AS invited, coalesce(r.n, 0) AS responded
    FROM invited i FULL JOIN responded r USING (round_id, team_id)
),
team_anc AS (
    SELECT rt.round_id, rt.team_id, part::bigint AS ancestor_id
    FROM checkins_roundteam rt, unnest(string_to_array(trim(BOTH '/' FROM rt.path), '/')) AS part
    WHERE rt.round_id = ANY(%(rounds)s)
)
INSERT INTO culture_participationrollup (round_id, team_id, includes_subteams, invited, responded)
SELECT round_id, team_id, false, invited, responded FROM own
UNION ALL
SELECT o.round_id, ta.ancestor_id, true, sum(o.invited), sum(o.responded)
FROM own o JOIN team_anc ta ON ta.round_id = o.round_id AND ta.team_id = o.team_id
GROUP BY o.round_id, ta.ancestor_id
"""


def rollups_insert_sql(*, round_ids: list[int]) -> None:
    """Insert the dimension, question, participation and driver roll-ups of these rounds
    (PostgreSQL)."""
    params = {"rounds": list(round_ids)}
    with connection.cursor() as cursor:
        for statement in (_DIMENSIONS, _QUESTIONS, _PARTICIPATION, _DRIVERS):
            cursor.execute(statement, params)
