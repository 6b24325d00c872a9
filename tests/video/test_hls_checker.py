"""The HLS checker catches each rule it claims to check (so a passing conformance run means
something)."""

from __future__ import annotations

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
