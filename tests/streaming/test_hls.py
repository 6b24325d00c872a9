"""Playlists the relay writes: sliding window, discontinuities that survive sliding out, VOD end."""

from __future__ import annotations

from chirp.streaming import hls
from chirp.streaming.ladder import CODECS, plan_ladder


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
