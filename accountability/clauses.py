"""The circumstances that call for accountability (Art. 9-11), Art. 12 mitigation, Art. 15 talks.

The Chinese texts are abridged from the measures (赣市府办发〔2022〕25号) so that an official reading
a finding sees which clause produced it, in the words of the regulation.
"""

from __future__ import annotations

from typing import Literal, get_args

Clause = Literal[
    "9", "10", "11(1)", "11(2)", "11(3)", "11(4)", "11(5)", "11(6)", "11(7)", "11(8)", "11(9)", "11(10)", "11(11)", "11(12)"
]
CLAUSES: tuple[str, ...] = get_args(Clause)

CLAUSE_TEXT: dict[str, str] = {
    "9": "第九条：坐席话务员接处态度差、用语不规范，受理诉求事项未履行职责，违反保密规定，未及时上报突发、紧急情况",
    "10": "第十条：市12345热线管理中心及其工作人员无正当理由不及时处理办件、监督不到位造成不良影响、未及时上报重大信息或滥用职权、徇私舞弊",
    "11(1)": "第十一条第（一）项：对群众诉求消极应付或拒不处理，经两次催办仍超过办理时限10个工作日且不报告说明正当理由",
    "11(2)": "第十一条第（二）项：无正当理由逾期办件每月累计达到5件以上（含5件）",
    "11(3)": "第十一条第（三）项：对紧急类办件未能及时响应，造成不良后果",
    "11(4)": "第十一条第（四）项：联合办理事项中牵头单位无正当理由拒不办理、推诿扯皮，或协办单位不配合，导致逾期办理或过期未办理",
    "11(5)": "第十一条第（五）项：回复或答复情况与实际办理结果不一致，造成不良影响或严重后果",
    "11(6)": "第十一条第（六）项：上报或对外发布有关情况时弄虚作假、隐瞒真实情况",
    "11(7)": "第十一条第（七）项：因工作不负责任、失职渎职而未能妥善处理群众诉求",
    "11(8)": "第十一条第（八）项：对领导调度、接听、批示件及热线督办件没有按督办要求处理",
    "11(9)": "第十一条第（九）项：不按规定处理办件，造成诉求人上访、社会群体性事件等不良影响",
    "11(10)": "第十一条第（十）项：干扰、阻碍或者不配合监督管理部门对其办件处理问题进行调查",
    "11(11)": "第十一条第（十一）项：因失密、泄密等行为泄露诉求人信息，致使群众受到打击报复",
    "11(12)": "第十一条第（十二）项：其他需要问责的情形",
}

RULE_CLAUSES: frozenset[str] = frozenset({"11(1)", "11(2)", "11(3)", "11(4)", "11(5)", "11(8)"})
"""Raised by the rules themselves (they can also be raised by hand)."""
HARM_CLAUSES: frozenset[str] = frozenset({"11(3)", "11(4)", "11(5)"})
"""A person must record the harm (不良后果 / 不良影响) before such a finding is confirmed."""

MitigationGround = Literal["12(1)", "12(2)", "12(3)", "12(4)"]
MITIGATION_TEXT: dict[str, str] = {
    "12(1)": "第十二条第（一）项：诉求人的诉求不明确且要求对个人信息保密，导致未能按规定处理办件",
    "12(2)": "第十二条第（二）项：责任人主动承担责任并及时纠正过错行为，未造成或能够及时消除不良影响",
    "12(3)": "第十二条第（三）项：积极配合调查并及时纠正过错行为，未造成或能够及时消除不良影响",
    "12(4)": "第十二条第（四）项：其他可以从轻、减轻或免予追究责任的情节",
}
Effect = Literal["lighten", "reduce", "waive"]
EFFECT_TEXT: dict[str, str] = {"lighten": "从轻", "reduce": "减轻", "waive": "免予追究"}

TalkKind = Literal["reminder_talk", "written_inquiry"]
TALK_TEXT: dict[str, str] = {"reminder_talk": "谈话提醒", "written_inquiry": "约谈函询"}
