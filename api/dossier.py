"""A finding's dossier for an appeal (Art. 16) or a referral (Art. 15): JSON, or a zip with a summary in Chinese.

The zip holds everything an outside reader needs to check it without the service: the JSON, an
HTML summary (``summary.html``), the signed checkpoint, the public key, one proof file per case
and the standalone verifier (``verify_proof.py``, Python standard library only)::

    python verify_proof.py proofs/<id>.json checkpoint.txt public-key.txt
"""

from __future__ import annotations

import html
import io
import zipfile
from pathlib import Path
from typing import Any

import orjson

from accountability.clauses import CLAUSE_TEXT
from api.presenters import present_case, present_finding, present_history
from foundation.actors import Actor
from replay import verify_proof
from replay.audit import Dossier
from replay.heads import b64
from replay.timeline import DECISION_LABELS, FINDING_STATUS_LABELS, article_zh, timeline


def present_dossier(dossier: Dossier, actor: Actor) -> dict[str, Any]:
    finding = dossier.finding
    return {
        "finding": present_finding(finding),
        "decisions": [record.model_dump(mode="json") for record in finding.records],
        "cases": [
            {
                "id": str(case.id),
                "number": case.number,
                "case": present_case(case, actor),
                "history": present_history(case, events, actor),
            }
            for case, events in dossier.cases
        ],
        "hidden_cases": dossier.hidden,
        "review": dossier.review,
        "integrity": {
            "origin": dossier.origin,
            "tree_size": dossier.head.size,
            "root_hash": b64(dossier.head.root),
            "checkpoint": dossier.head.checkpoint,
            "public_key": b64(dossier.public_key),
        },
        "proofs": dossier.proofs,
        "generated_at": dossier.generated_at.isoformat(),
    }


def dossier_zip(dossier: Dossier, body: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("dossier.json", orjson.dumps(body, option=orjson.OPT_INDENT_2))
        archive.writestr("summary.html", summary_html(body))
        archive.writestr("checkpoint.txt", dossier.head.checkpoint)
        archive.writestr("public-key.txt", b64(dossier.public_key) + "\n")
        for aggregate_id, proof in dossier.proofs.items():
            archive.writestr(f"proofs/{aggregate_id}.json", orjson.dumps(proof, option=orjson.OPT_INDENT_2))
        archive.writestr("verify_proof.py", Path(verify_proof.__file__).read_text(encoding="utf-8"))
    return buffer.getvalue()


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def summary_html(body: dict[str, Any]) -> str:
    """A printable page in Chinese: the finding, its decisions, the review, the basis cases, the proofs."""
    finding, integrity, review = body["finding"], body["integrity"], body["review"]
    subject = finding["subject"]
    parts = [
        f"<h1>问责卷宗：{_e(CLAUSE_TEXT.get(finding['clause'], article_zh(finding['clause'])))}</h1>",
        "<table>",
        f"<tr><th>编号</th><td>{_e(finding['id'])}</td></tr>",
        f"<tr><th>问责对象</th><td>{_e(subject.get('unit'))}{'（' + _e(subject.get('staff')) + '）' if subject.get('staff') else ''}</td></tr>",
        f"<tr><th>状态</th><td>{_e(FINDING_STATUS_LABELS.get(finding['status'], finding['status']))}</td></tr>",
        f"<tr><th>提出</th><td>{'规则自动提出' if finding['raised_by'] == 'rules' else _e(finding['raised_by'])}，{_e(finding['raised_at'])}</td></tr>",
        f"<tr><th>情形</th><td>{_e(finding['description'])}</td></tr>",
        f"<tr><th>生成时间</th><td>{_e(body['generated_at'])}</td></tr>",
        "</table>",
        "<h2>处理记录</h2><table><tr><th>时间</th><th>事项</th><th>经办</th><th>内容</th></tr>",
    ]
    for record in body["decisions"]:
        details = "；".join(f"{_e(k)}：{_e(v)}" for k, v in record.get("details", {}).items() if v not in (None, "", []))
        parts.append(
            f"<tr><td>{_e(record['at'])}</td><td>{_e(DECISION_LABELS.get(record['action'], record['action']))}</td>"
            f"<td>{_e(record['by'])}</td><td>{details}</td></tr>"
        )
    parts.append("</table>")
    parts.append("<h2>复核（第十六条）</h2>")
    now = review.get("now", {}).get("rule", {})
    parts.append(f"<p>按现有记录重新适用规则：{'仍然成立' if review.get('still_holds') else '不再成立'}。{_e(now.get('explanation'))}</p>")
    parts.append("<table><tr><th>决定</th><th>时间</th><th>当时是否成立</th><th>说明</th></tr>")
    for point in review.get("at_decisions", []):
        rule = point.get("rule", {})
        parts.append(
            f"<tr><td>{_e(DECISION_LABELS.get(point['action'], point['action']))}</td><td>{_e(point['at'])}</td>"
            f"<td>{'成立' if rule.get('holds') else '不成立'}</td><td>{_e(rule.get('explanation'))}</td></tr>"
        )
    parts.append("</table>")
    parts.append("<h2>依据办件</h2>")
    for case in body["cases"]:
        parts.append(f"<h3>办件 {_e(case['number'])}</h3><pre>{_e(chr(10).join(timeline(case['history'])))}</pre>")
    if body["hidden_cases"]:
        parts.append(f"<p>另有 {len(body['hidden_cases'])} 件依据办件您无权查看，未列出。</p>")
    parts.append("<h2>完整性证明</h2>")
    parts.append(
        "<p>每个事件按其存储的（加密的）字节计算哈希，并纳入 RFC 9162 默克尔树；下列签名树头（C2SP checkpoint）"
        "由热线中心的 Ed25519 密钥签署。离线核验（仅需 Python 标准库）：</p>"
        "<pre>python verify_proof.py proofs/&lt;编号&gt;.json checkpoint.txt public-key.txt</pre>"
    )
    parts.append(f"<pre>{_e(integrity['checkpoint'])}</pre><p>公钥（base64）：<code>{_e(integrity['public_key'])}</code></p>")
    parts.append("<table><tr><th>对象</th><th>已纳入的事件</th><th>尚未纳入该树头的事件</th></tr>")
    for aggregate_id, proof in body["proofs"].items():
        parts.append(f"<tr><td>{_e(aggregate_id)}</td><td>{len(proof['leaves'])}</td><td>{len(proof['pending'])}</td></tr>")
    parts.append("</table>")
    style = (
        "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}"
        "pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap}"
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>问责卷宗</title>'
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>"
    )
