"""Requester data by role (masked for every role but agent and center; confidential: center only)."""

from cases.privacy import mask_address, mask_id_number, mask_name, mask_phone, requester_for
from tests.builders import REQUESTER


def test_masks() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳修文") == "欧***"
    assert mask_id_number("360702199001011234") == "360***********1234"
    assert mask_address("江西省赣州市章贡区红旗大道1号") == "江西省赣州市****"


def test_agent_and_center_see_everything_others_see_masks() -> None:
    assert requester_for(REQUESTER, confidential=False, roles=["agent"]) == REQUESTER.model_dump()
    assert requester_for(REQUESTER, confidential=False, roles=["center"]) == REQUESTER.model_dump()
    for role in ("unit_handler", "unit_leader", "city_gov", "discipline", "auditor", "admin"):
        seen = requester_for(REQUESTER, confidential=False, roles=[role])
        assert seen == {"name": "张*", "phone": "138****5678", "id_number": "360***********1234", "address": "江西省赣州市****"}


def test_a_confidential_requester_is_seen_by_the_center_only() -> None:
    assert requester_for(REQUESTER, confidential=True, roles=["center"]) == REQUESTER.model_dump()
    assert requester_for(REQUESTER, confidential=True, roles=["agent"]) is None
    assert requester_for(REQUESTER, confidential=True, roles=["unit_leader"]) is None
