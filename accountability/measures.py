"""The measures of accountability: Art. 13 on units, Art. 14 on staff, in order of severity.

Art. 15: the form follows the severity; measures may be imposed singly or together; responsibility
is told apart as collective or individual, direct or leadership.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Measure = Literal[
    "13(1)", "13(2)", "13(3)",
    "14(1)", "14(2)", "14(3)", "14(4)", "14(5)", "14(6)", "14(7)", "14(8)", "14(9)", "14(10)",
]


class MeasureInfo(NamedTuple):
    code: str
    article: int
    name: str
    severity: int
    """1 is the mildest; the regulation lists each article's measures from mild to severe."""


UNIT_MEASURES: dict[str, MeasureInfo] = {
    code: MeasureInfo(code, 13, name, i + 1)
    for i, (code, name) in enumerate([("13(1)", "通报批评"), ("13(2)", "责令书面检查"), ("13(3)", "责令公开道歉")])
}
STAFF_MEASURES: dict[str, MeasureInfo] = {
    code: MeasureInfo(code, 14, name, i + 1)
    for i, (code, name) in enumerate(
        [
            ("14(1)", "责令书面检查"),
            ("14(2)", "诫勉谈话"),
            ("14(3)", "通报批评"),
            ("14(4)", "责令公开道歉"),
            ("14(5)", "停职检查"),
            ("14(6)", "调离工作岗位"),
            ("14(7)", "引咎辞职"),
            ("14(8)", "责令辞职"),
            ("14(9)", "免职"),
            ("14(10)", "解聘或辞退"),
        ]
    )
}
MEASURES: dict[str, MeasureInfo] = {**UNIT_MEASURES, **STAFF_MEASURES}

SCOPE_TEXT = {"collective": "集体责任", "individual": "个人责任"}
KIND_TEXT = {"direct": "直接责任", "leadership": "领导责任"}
