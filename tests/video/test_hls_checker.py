"""The HLS checker catches each rule it claims to check (so a passing conformance run means
something)."""

from __future__ import annotations

import pytest

from tests.video import hls_checker


def _media(
    segments: list[tuple[str, float]],
    *,
    sequence: int = 0,
    discontinuity_sequence: int = 0,
    target: int = 2,
    version: int = 3,
    ended: bool = False,
    discontinuity_before: str = "",
) -> str:
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{version}",
        f"#EXT-X-TARGETDURATION:{target}",
        f"#EXT-X-MEDIA-SEQUENCE:{sequence}",
        f"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuity_sequence}",
    ]
    if ended:
        lines.append("#EXT-X-PLAYLIST-TYPE:VOD")
    for uri, duration in segments:
        if uri == discontinuity_before:
            lines.append("#EXT-X-DISCONTINUITY")
        lines += [f"#EXTINF:{duration:.3f},", uri]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


SEGMENTS = [(f"s{i}.ts", 2.002) for i in range(6)]
SIZES = {uri: 250_000 for uri, _ in SEGMENTS}  # 1 Mbit/s (almost: 2.002 s each)


def _rules(problems: list[hls_checker.Problem]) -> set[str]:
    return {p.rule for p in problems}


def test_a_good_playlist_and_its_reloads_pass() -> None:
    # A window of 3 sliding over a reconnect before s3, until that discontinuity slid out.
    live = [_media(SEGMENTS[i : i + 3], sequence=i, discontinuity_before="s3.ts") for i in range(4)]
    live.append(_media(SEGMENTS[4:], sequence=4, discontinuity_sequence=1))
    ended = _media(SEGMENTS, ended=True, discontinuity_before="s3.ts")
    for text in [*live, ended]:
        assert hls_checker.check_media("p", text, SIZES) == []
    assert hls_checker.check_reloads("p", [*live, ended]) == []
    assert hls_checker.check_ended("p", ended) == []


def test_target_rounding_and_changes() -> None:
    long = _media([("a.ts", 2.6)])
    assert _rules(hls_checker.check_media("p", long, {"a.ts": 1})) == {"target"}
    assert hls_checker.check_media("p", _media([("a.ts", 2.499)]), {"a.ts": 1}) == []
    changed = [_media(SEGMENTS[:2]), _media(SEGMENTS[:3], target=3)]
    assert _rules(hls_checker.check_reloads("p", changed)) == {"target"}


def test_version_header_and_missing_segments() -> None:
    old = _media(SEGMENTS[:1], version=2)  # floating EXTINF needs 3
    assert _rules(hls_checker.check_media("p", old, SIZES)) == {"version"}
    headless = _media(SEGMENTS[:1]).replace("#EXTM3U\n", "")
    assert _rules(hls_checker.check_media("p", headless, SIZES)) == {"header"}
    assert _rules(hls_checker.check_media("p", _media(SEGMENTS[:1]), {})) == {"segments"}


def test_sequences_going_back_or_renumbered() -> None:
    back = [_media(SEGMENTS[2:4], sequence=2), _media(SEGMENTS[1:4], sequence=1)]
    assert "media-sequence" in _rules(hls_checker.check_reloads("p", back))
    renumbered = [_media(SEGMENTS[:2]), _media(SEGMENTS[2:4], sequence=1)]
    assert "media-sequence" in _rules(hls_checker.check_reloads("p", renumbered))
    # s1 carried a discontinuity and slid out: the discontinuity sequence must count it.
    slid = [
        _media(SEGMENTS[:3], discontinuity_before="s1.ts"),
        _media(SEGMENTS[2:4], sequence=2),
    ]
    assert "discontinuity-sequence" in _rules(hls_checker.check_reloads("p", slid))


def test_ended_playlists() -> None:
    assert _rules(hls_checker.check_ended("p", _media(SEGMENTS))) == {"endlist"}
    event = _media(SEGMENTS, ended=True).replace("VOD", "EVENT")
    assert _rules(hls_checker.check_ended("p", event)) == {"endlist"}
    changed = [_media(SEGMENTS[:2], ended=True), _media(SEGMENTS[:3], ended=True)]
    assert _rules(hls_checker.check_reloads("p", changed)) == {"endlist"}


def test_master_attributes_and_bandwidth() -> None:
    media = {"a/index.m3u8": _media(SEGMENTS, ended=True)}
    sizes = {"a/index.m3u8": SIZES}
    good = (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=1000000,"
        'AVERAGE-BANDWIDTH=1000000,RESOLUTION=640x360,CODECS="avc1.4d401f,mp4a.40.2",'
        "FRAME-RATE=29.970\na/index.m3u8\n"
    )
    assert hls_checker.check_master(good, media, sizes) == []
    high = good.replace("BANDWIDTH=1000000,AVERAGE", "BANDWIDTH=1150000,AVERAGE")
    assert _rules(hls_checker.check_master(high, media, sizes)) == {"bandwidth"}
    low_average = good.replace("AVERAGE-BANDWIDTH=1000000", "AVERAGE-BANDWIDTH=850000")
    assert _rules(hls_checker.check_master(low_average, media, sizes)) == {"bandwidth"}
    no_rate = good.replace(",FRAME-RATE=29.970", "")
    assert _rules(hls_checker.check_master(no_rate, media, sizes)) == {"attributes"}
    v4 = good.replace("VERSION:3", "VERSION:4")
    assert _rules(hls_checker.check_master(v4, media, sizes)) == {"version"}


def test_segments_against_their_decoded_media() -> None:
    text = _media(SEGMENTS[:2])
    good = {"s0.ts": (2.002, True), "s1.ts": (2.04, True)}
    assert hls_checker.check_media_segments("p", text, good) == []
    off = {"s0.ts": (2.002, True), "s1.ts": (2.1, True)}
    assert _rules(hls_checker.check_media_segments("p", text, off)) == {"media"}
    no_key = {"s0.ts": (2.002, False), "s1.ts": (2.002, True)}
    assert _rules(hls_checker.check_media_segments("p", text, no_key)) == {"media"}


# -- Low-Latency HLS rules: each catches its violation ------------------------------------------

LL_GOOD = """#EXTM3U
#EXT-X-VERSION:9
#EXT-X-TARGETDURATION:2
#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.101,CAN-SKIP-UNTIL=12
#EXT-X-PART-INF:PART-TARGET=0.367
#EXT-X-MEDIA-SEQUENCE:10
#EXT-X-DISCONTINUITY-SEQUENCE:0
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="ll000-init.mp4"
#EXTINF:2.00000,
ll000-00010.m4s
#EXT-X-PART:DURATION=0.33367,URI="ll000-00011.0.m4s",INDEPENDENT=YES
#EXT-X-PART:DURATION=0.33367,URI="ll000-00011.1.m4s"
#EXT-X-PART:DURATION=0.2,URI="ll000-00011.2.m4s"
#EXTINF:0.86734,
ll000-00011.m4s
#EXT-X-PART:DURATION=0.33367,URI="ll000-00012.0.m4s",INDEPENDENT=YES
#EXT-X-PRELOAD-HINT:TYPE=PART,URI="ll000-00012.1.m4s"
#EXT-X-RENDITION-REPORT:URI="../240p/index.m3u8",LAST-MSN=12,LAST-PART=0
"""


def ll_rules(text: str, **kwargs: bool) -> set[str]:
    return {p.rule for p in hls_checker.check_ll_media("t", text, **kwargs)}


def test_ll_rules_pass_a_good_playlist() -> None:
    assert ll_rules(LL_GOOD) == set()
    assert hls_checker.check_ll_blocking("t", LL_GOOD, 12, 0) == []
    assert hls_checker.check_ll_reports("t", LL_GOOD, {"../240p/index.m3u8": LL_GOOD}) == []


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        ("#EXT-X-VERSION:9", "#EXT-X-VERSION:5", "ll-version"),
        ("CAN-BLOCK-RELOAD=YES,", "", "ll-server-control"),
        ("PART-HOLD-BACK=1.101", "PART-HOLD-BACK=0.5", "ll-server-control"),
        ("CAN-SKIP-UNTIL=12", "CAN-SKIP-UNTIL=6", "ll-server-control"),
        ("#EXT-X-PART-INF:PART-TARGET=0.367\n", "", "ll-part-inf"),
        (
            'DURATION=0.33367,URI="ll000-00011.1.m4s"',
            'DURATION=0.4,URI="ll000-00011.1.m4s"',
            "ll-part-duration",
        ),
        (
            'DURATION=0.33367,URI="ll000-00011.1.m4s"',
            'DURATION=0.2,URI="ll000-00011.1.m4s"',
            "ll-part-duration",
        ),
        ("#EXTINF:0.86734,", "#EXTINF:1.5,", "ll-parts"),
        ('URI="ll000-00011.0.m4s",INDEPENDENT=YES', 'URI="ll000-00011.0.m4s"', "ll-parts"),
        ('URI="ll000-00012.1.m4s"', 'URI="ll000-00012.0.m4s"', "ll-preload-hint"),
        ('#EXT-X-MAP:URI="ll000-init.mp4"\n', "", "ll-map"),
        (
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n",
            "#EXT-X-DISCONTINUITY-SEQUENCE:0\n#EXT-X-SKIP:SKIPPED-SEGMENTS=1\n",
            "ll-skip",
        ),
    ],
)
def test_ll_rules_catch_their_violation(old: str, new: str, rule: str) -> None:
    assert old in LL_GOOD
    assert rule in ll_rules(LL_GOOD.replace(old, new, 1))


def test_ll_hint_after_the_end_blocking_and_reports() -> None:
    ended = LL_GOOD.replace("#EXT-X-RENDITION-REPORT", "#EXT-X-ENDLIST\n#EXT-X-RENDITION-REPORT")
    assert "ll-preload-hint" in ll_rules(ended)
    assert hls_checker.check_ll_blocking("t", LL_GOOD, 12, 1) != []  # part 1 is only hinted
    assert hls_checker.check_ll_blocking("t", LL_GOOD, 13, 0) != []
    ahead = LL_GOOD.replace("LAST-MSN=12,LAST-PART=0", "LAST-MSN=12,LAST-PART=4")
    reports = hls_checker.check_ll_reports("t", ahead, {"../240p/index.m3u8": LL_GOOD})
    assert [p.rule for p in reports] == ["ll-rendition-report"]
    missing = hls_checker.check_ll_reports(
        "t", LL_GOOD, {"../240p/index.m3u8": LL_GOOD, "../480p/index.m3u8": LL_GOOD}
    )
    assert [p.rule for p in missing] == ["ll-rendition-report"]


def test_ll_delta_update_rules() -> None:
    base = LL_GOOD.replace("CAN-SKIP-UNTIL=12", "CAN-SKIP-UNTIL=0.5")  # only for this check
    delta = base.replace('#EXT-X-MAP:URI="ll000-init.mp4"\n#EXTINF:2.00000,\nll000-00010.m4s\n',
                         '#EXT-X-SKIP:SKIPPED-SEGMENTS=1\n#EXT-X-MAP:URI="ll000-init.mp4"\n')  # fmt: skip
    rules = {p.rule for p in hls_checker.check_ll_delta("t", base, delta)}
    assert "ll-skip" not in rules
    assert "ll-skip" in {
        p.rule
        for p in hls_checker.check_ll_delta(
            "t", LL_GOOD, delta.replace("CAN-SKIP-UNTIL=0.5", "CAN-SKIP-UNTIL=12")
        )
    }
    wrong = delta.replace("SKIPPED-SEGMENTS=1", "SKIPPED-SEGMENTS=2")
    assert "ll-skip" in {p.rule for p in hls_checker.check_ll_delta("t", base, wrong)}
