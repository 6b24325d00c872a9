"""Playlists the relay writes: sliding window, discontinuities that survive sliding out, VOD end."""

from __future__ import annotations

from chirp.video import hls
from chirp.video.ladder import CODECS, plan_ladder


def _segments() -> list[hls.Segment]:
    first = [hls.Segment(f"r000-{i:05d}.ts", 2.0, False) for i in range(4)]
    second = [hls.Segment(f"r001-{i:05d}.ts", 2.0, i == 0) for i in range(4)]
    return first + second


def test_live_window_slides_and_counts_discontinuities_that_left_it() -> None:
    text = hls.media_playlist(_segments(), window=3, target=2.0, ended=False)
    assert "#EXT-X-MEDIA-SEQUENCE:5\n" in text
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:1\n" in text  # the r001 boundary slid out
    assert "#EXT-X-ENDLIST" not in text and "PLAYLIST-TYPE" not in text
    assert [line for line in text.splitlines() if line.endswith(".ts")] == [
        "r001-00001.ts", "r001-00002.ts", "r001-00003.ts",
    ]  # fmt: skip


def test_window_holding_the_reconnect_marks_it() -> None:
    text = hls.media_playlist(_segments(), window=6, target=2.0, ended=False)
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:0\n" in text
    assert "#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\nr001-00000.ts\n" in text


def test_ended_stream_keeps_every_segment() -> None:
    text = hls.media_playlist(_segments(), window=None, target=2.0, ended=True)
    assert text.count("#EXTINF") == 8 and "#EXT-X-MEDIA-SEQUENCE:0\n" in text
    assert "#EXT-X-PLAYLIST-TYPE:VOD\n" in text and text.endswith("#EXT-X-ENDLIST\n")


def test_target_duration_covers_the_longest_segment() -> None:
    long = [hls.Segment("r000-00000.ts", 2.6, False)]
    assert "#EXT-X-TARGETDURATION:3\n" in hls.media_playlist(long, window=6, target=2, ended=False)


def test_master_lists_every_rung_with_bandwidth_resolution_codecs() -> None:
    text = hls.master_playlist(plan_ladder(1280, 720, cores=2).rungs)
    infos = [line for line in text.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert len(infos) == 3
    assert "RESOLUTION=1280x720" in infos[0] and f'CODECS="{CODECS}"' in infos[0]
    assert int(infos[0].split("BANDWIDTH=")[1].split(",")[0]) > 2_800_000
    assert "480p/index.m3u8" in text


def test_parse_ffmpeg_playlist_only_lists_finished_segments() -> None:
    text = "#EXTM3U\n#EXTINF:2.000000,\nr000-00000.ts\n#EXTINF:bad,\nx.ts\n#EXTINF:1.5,\nr000-00001.ts\n"
    assert hls.parse_ffmpeg_playlist(text) == [("r000-00000.ts", 2.0), ("r000-00001.ts", 1.5)]


def test_target_duration_rounds_to_the_nearest_integer() -> None:
    ntsc = [hls.Segment(f"r000-{i:05d}.ts", 2.002, False) for i in range(3)]
    assert "#EXT-X-TARGETDURATION:2\n" in hls.media_playlist(ntsc, window=6, target=2, ended=False)
    assert hls.rounded(2.5) == 3 and hls.rounded(2.499) == 2 and hls.rounded(0.4) == 0
    # Over every segment so far, not the window: the target never shrinks as it slides.
    slid = [hls.Segment("r000-00000.ts", 2.6, False), *ntsc]
    assert "#EXT-X-TARGETDURATION:3\n" in hls.media_playlist(slid, window=2, target=2, ended=False)


def test_measure_peak_over_runs_of_half_to_one_and_a_half_targets() -> None:
    segments = [
        hls.Segment("a.ts", 2.0, False, 250_000),  # 1 Mbit/s
        hls.Segment("b.ts", 2.0, False, 500_000),  # 2 Mbit/s
        hls.Segment("c.ts", 0.5, False, 250_000),  # 4 Mbit/s, too short alone to count
    ]
    rates = hls.measure(segments, target=2)
    assert rates is not None
    assert rates.average == 1_777_778  # 8 Mbit over 4.5 s
    assert rates.peak == 2_400_000  # b+c: 6 Mbit over 2.5 s
    assert hls.measure([hls.Segment("x.ts", 2.0, False)], target=2) is None  # size unknown
    short = hls.measure([hls.Segment("x.ts", 0.5, False, 1000)], target=2)
    assert short == hls.Bitrates(16_000, 16_000)


def test_master_takes_measured_rates_and_frame_rate() -> None:
    rungs = plan_ladder(1280, 720, cores=2).rungs
    text = hls.master_playlist(rungs, {"480p": hls.Bitrates(1_300_000, 1_450_000)}, 29.97003)
    infos = [line for line in text.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert infos[1].startswith("#EXT-X-STREAM-INF:BANDWIDTH=1450000,AVERAGE-BANDWIDTH=1300000,")
    assert (
        f"BANDWIDTH={rungs[0].bandwidth},AVERAGE-BANDWIDTH={rungs[0].average_bandwidth},"
        in (infos[0])
    )
    assert all(line.endswith(",FRAME-RATE=29.970") for line in infos)
    assert "FRAME-RATE" not in hls.master_playlist(rungs)
