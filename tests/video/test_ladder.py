"""The ladder: rungs capped at the source, fewer and faster on fewer cores, and logged."""

from __future__ import annotations

import logging
import re

import pytest
from pydantic import ValidationError

from chirp.config import Settings
from chirp.video.ladder import DEFAULT_LADDER, RungSpec, parse_ladder, plan_ladder
from chirp.video.transcoder import ffmpeg_args


def test_720p_source_on_two_cores_gets_three_rungs() -> None:
    plan = plan_ladder(1280, 720, cores=2)
    assert [(r.width, r.height) for r in plan.rungs] == [(1280, 720), (854, 480), (426, 240)]
    assert [r.video_kbps for r in plan.rungs] == [2800, 1200, 400]
    assert plan.preset == "superfast"


def test_rungs_never_taller_than_the_source() -> None:
    assert [r.name for r in plan_ladder(1920, 1080, cores=8).rungs] == ["720p", "480p", "240p"]
    assert [r.name for r in plan_ladder(640, 360, cores=8).rungs] == ["360p", "240p"]
    assert [r.name for r in plan_ladder(320, 180, cores=8).rungs] == ["180p"]
    portrait = plan_ladder(720, 1280, cores=8).rungs[0]
    assert (portrait.width, portrait.height) == (406, 720)


def test_one_core_gets_two_ultrafast_rungs_and_the_choice_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="chirp.video.ladder"):
        plan = plan_ladder(None, None, cores=1)
    assert [r.name for r in plan.rungs] == ["720p", "480p"] and plan.preset == "ultrafast"
    record = next(r for r in caplog.records if r.getMessage() == "live ladder chosen")
    assert record.cores == 1 and record.rungs.startswith("1280x720@2800k")  # type: ignore[attr-defined]
    assert plan_ladder(1280, 720, cores=4).preset == "veryfast"


def test_estimates_carry_audio_and_the_mpeg_ts_container() -> None:
    low = plan_ladder(1280, 720, cores=2).rungs[-1]
    assert (low.video_kbps, low.audio_kbps) == (400, 96)
    # Audio, 188/184 of packet headers, and the per-frame PES cost that weighs on low rungs.
    assert 530_000 <= low.average_bandwidth <= 560_000
    assert low.average_bandwidth < low.bandwidth <= low.average_bandwidth * 1.12


def test_configured_ladder_named_and_explicit_rungs() -> None:
    ladder = parse_ladder("240p, 1080p,720p@2500,640x360@700")
    assert ladder == (
        RungSpec(1080, 5000), RungSpec(720, 2500), RungSpec(360, 700, 640), RungSpec(240, 400),
    )  # fmt: skip
    assert parse_ladder("") == parse_ladder("  ") == DEFAULT_LADDER
    plan = plan_ladder(1920, 1080, cores=8, ladder=ladder)
    assert [(r.name, r.width, r.video_kbps) for r in plan.rungs] == [
        ("1080p", 1920, 5000), ("720p", 1280, 2500), ("360p", 640, 700), ("240p", 426, 400),
    ]  # fmt: skip
    # A 720p source caps the ladder (the 1080p rung becomes a second 720p, dropped), and two
    # cores keep three rungs.
    capped = plan_ladder(1280, 720, cores=2, ladder=ladder)
    assert [(r.name, r.video_kbps) for r in capped.rungs] == [
        ("720p", 3333), ("360p", 700), ("240p", 400),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("720p,banana", "'banana'"),
        ("900p", "give its bit rate"),
        ("721p@1000", "even sizes"),
        ("1280x720@20", "bit rates"),
        ("720p,1280x720@3000", "same height"),
        ("5000x720@3000", "'5000x720@3000'"),
        (",".join(f"{h}p@500" for h in range(200, 400, 20)), "at most 6"),
    ],
)
def test_bad_ladders_are_refused_at_start_with_the_reason(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        parse_ladder(text)
    with pytest.raises(ValidationError, match=re.escape(says)):
        Settings(live_ladder=text)
    assert Settings(live_ladder="1080p,480p").live_ladder == "1080p,480p"


def test_a_source_that_fits_the_top_rung_passes_through() -> None:
    plan = plan_ladder(1280, 720, cores=2, passthrough_kbps=2500)
    top = plan.rungs[0]
    assert (top.passthrough, top.width, top.height, top.video_kbps) == (True, 1280, 720, 2500)
    assert not any(r.passthrough for r in plan.rungs[1:])
    # Too many bits, too tall, or no known H.264 rate: encoded as before.
    assert not plan_ladder(1280, 720, cores=2, passthrough_kbps=4000).rungs[0].passthrough
    assert not plan_ladder(1920, 1080, cores=2, passthrough_kbps=2000).rungs[0].passthrough
    assert not plan_ladder(1280, 720, cores=2).rungs[0].passthrough
    small = plan_ladder(640, 360, cores=2, passthrough_kbps=600).rungs
    assert [(r.name, r.passthrough) for r in small] == [("360p", True), ("240p", False)]


def test_passthrough_rung_is_copied_and_the_others_encoded(tmp_path) -> None:
    plan = plan_ladder(1280, 720, cores=2, passthrough_kbps=2500)
    args = ffmpeg_args(plan, "flv", tmp_path, 2.0, 0)
    graph = args[args.index("-filter_complex") + 1]
    assert graph.startswith("[0:v:0]split=2[s1][s2];") and "[s0]" not in graph
    assert args.count("copy") == 1 and args.count("libx264") == 2
    copied = args.index("copy")
    assert args[copied - 3 : copied + 1] == ["-map", "0:v:0", "-c:v:0", "copy"]
    single = ffmpeg_args(
        plan_ladder(320, 180, cores=2, passthrough_kbps=300), "flv", tmp_path, 2, 0
    )
    assert "-filter_complex" not in single and "libx264" not in single


def test_one_output_and_one_audio_encode_for_all_rungs(tmp_path) -> None:
    """Every rung is a slave of one `tee` output selecting its video and the shared audio: the
    source's audio is encoded once, not once per rung."""
    plan = plan_ladder(1280, 720, cores=2)
    args = ffmpeg_args(plan, "flv", tmp_path, 2.0, 0, {"720p": 7, "480p": 8, "240p": 9}, 1 / 3)
    assert args.count("-f") == 2 and args.count("aac") == 1 and args.count("libx264") == 3
    assert args.count("-map") == 4 and args[-2] == "tee"
    slaves = args[-1].split("|")
    assert len(slaves) == 6
    for index, rung in enumerate(plan.rungs):
        hls, parts = slaves[2 * index], slaves[2 * index + 1]
        assert hls.startswith(f"[select=\\'v:{index},a:0\\':f=hls:")
        assert hls.endswith(f"/{rung.name}/ffmpeg.m3u8")
        assert parts.startswith(f"[select=\\'v:{index},a:0\\':f=mp4:")
        assert parts.endswith(f"]pipe:{7 + index}")
    regular = ffmpeg_args(plan, "flv", tmp_path, 2.0, 0)
    assert len(regular[-1].split("|")) == 3 and "global_header" not in " ".join(regular)
