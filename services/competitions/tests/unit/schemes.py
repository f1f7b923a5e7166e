"""Marking schemes shared by the unit tests."""
import copy

LEVELS = {"0": "below standard", "1": "meets", "2": "good", "3": "excellent"}


def aspect_judgement(aspect_id, max_mark=3.0):
    return {"id": aspect_id, "kind": "judgement", "description": "finish", "max_mark": max_mark, "levels": dict(LEVELS)}


def sample_scheme():
    """Theory: one graded paper. Practical: full-or-zero, banded and two judgement aspects."""
    return copy.deepcopy(
        {
            "components": [
                {"key": "theory", "name": "理论", "weight": 30},
                {"key": "practical", "name": "实操", "weight": 70},
            ],
            "criteria": [
                {
                    "id": "T",
                    "name": "theory",
                    "component": "theory",
                    "sub_criteria": [
                        {
                            "id": "T0",
                            "name": "paper",
                            "aspects": [
                                {"id": "T1", "kind": "measurement", "description": "theory paper", "max_mark": 100,
                                 "graded": True}
                            ],
                        }
                    ],
                },
                {
                    "id": "A",
                    "name": "part",
                    "component": "practical",
                    "sub_criteria": [
                        {
                            "id": "A1",
                            "name": "dimensions",
                            "aspects": [
                                {"id": "A1.1", "kind": "measurement", "description": "thread", "max_mark": 2.0},
                                {"id": "A1.2", "kind": "measurement", "description": "diameter", "max_mark": 2.0,
                                 "nominal": 25.0,
                                 "tolerance_bands": [{"deviation": 0.02, "fraction": 1.0},
                                                     {"deviation": 0.05, "fraction": 0.5}]},
                            ],
                        },
                        {
                            "id": "A2",
                            "name": "workmanship",
                            "aspects": [aspect_judgement("A2.1"), aspect_judgement("A2.2", max_mark=6.0)],
                        },
                    ],
                },
            ],
        }
    )
