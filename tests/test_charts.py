"""web.charts: the server-drawn bar charts (no script, no inline style; text escaped)."""

import re

from web.charts import Series, bar_chart, nice_step


def test_it_steps_the_value_axis_by_round_numbers():
    assert [nice_step(n) for n in (0, 4, 9, 37, 1200, 0.8)] == [1, 1, 2, 10, 500, 0.2]


def test_it_draws_one_bar_per_non_zero_value_and_piles_up_a_stack():
    svg = bar_chart(
        "证书", ["南京市", "苏州市"], [Series("正常", "JC"), Series("注销", "JC")], [[3, 1], [2, 0]]
    )
    bars = re.findall(
        r'<rect class="bar (s\d)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"[^>]*><title>(.*?)</title>', svg
    )
    assert [b[4] for b in bars] == ["南京市 正常：3", "南京市 注销：1", "苏州市 正常：2"]
    first, second = bars[0], bars[1]
    assert float(second[1]) == float(first[1]) + float(first[3])  # 注销 starts where 正常 ends
    assert "style=" not in svg and "<script" not in svg


def test_counts_are_never_ticked_by_fractions():
    svg = bar_chart("待办", ["苏州市"], [Series("待接收")], [[1]])
    assert re.findall(r'<text class="tick"[^>]*>([^<]*)</text>', svg) == ["0", "1"]


def test_it_escapes_labels():
    svg = bar_chart("<b>", ["<script>"], [Series("a&b")], [[1]], horizontal=False)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a&amp;b" in svg and "<b>" not in svg
