"""Issue 13 §7: the cockpit's area heat map is readable in both languages — every month labelled (ECharts
otherwise skips every other category label when they are crowded: "M1, M3, M5"), long English area names
cut to a fixed width instead of running off the card, the colour legend below the month labels."""

from __future__ import annotations

from parkcarbon.web.pages.cockpit import HEAT_LABEL_PX, heat_options


def test_every_month_is_labelled_and_names_are_cut_to_the_grid() -> None:
    names = ["South light-industry & R&D zone", "North heavy-industry zone"]
    monthly = [[100.0] * 12, [3312.0] * 11 + [None]]
    for en in (False, True):
        opts = heat_options(names, monthly, 12, en)
        assert opts["xAxis"]["axisLabel"]["interval"] == 0
        assert opts["xAxis"]["data"][1] == ("M2" if en else "2月")
        label = opts["yAxis"]["axisLabel"]
        assert label["overflow"] == "truncate" and label["width"] == HEAT_LABEL_PX
        assert opts["grid"]["left"] > HEAT_LABEL_PX  # the names fit left of the grid
        assert opts["visualMap"]["bottom"] == 0 and opts["grid"]["bottom"] >= 60  # legend under the labels
        assert [11, 1, 0] in opts["series"][0]["data"]  # a month without data is 0, not dropped
        assert opts["visualMap"]["max"] == 3312.0
