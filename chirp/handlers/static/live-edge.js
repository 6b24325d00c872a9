// Keeps a low-latency hls.js player at its target distance behind the live edge (the
// playlist's PART-HOLD-BACK, which hls.js widens after each stall). Shared by the watch page
// and the embeddable player; served with `script-src 'self'`.
//
// hls.js's own catch-up plays faster only while more than a second is buffered ahead, which a
// one-second target seldom has, so it settles a few tenths of a second further back than the
// target; and after a slow start (a loaded device, a slow first part) it creeps back at 1.15x.
// Here: a little faster (RATE, FAR_RATE when further than FAR behind) while at least MIN_AHEAD
// seconds are buffered, which is more than the next part needs to arrive; and a jump to the
// target when more than JUMP seconds behind it with the media to get there already buffered.
// And each stall widens the target by one part, not hls.js's whole second (which nearly
// doubles a one-second target after a single hiccup, for as long as the page plays).
(() => {
  "use strict";

  const RATE = 1.1; // 10 % fast: hardly heard (browsers keep the pitch), 0.1 s caught up per s
  const FAR_RATE = 1.25; // a start-up's half second behind, caught up in two seconds
  const FAR = 0.4;
  const SLACK = 0.1; // within this much of the target, play at normal speed
  const MIN_AHEAD = 0.5;
  const JUMP = 1.0;

  function bufferedAhead(video) {
    const ranges = video.buffered;
    for (let i = 0; i < ranges.length; i++) {
      if (ranges.start(i) <= video.currentTime + 0.1 && video.currentTime < ranges.end(i)) {
        return ranges.end(i) - video.currentTime;
      }
    }
    return 0;
  }

  // `hls` must be made with `maxLiveSyncPlaybackRate: 1` (hls.js's catch-up off: it would set
  // the rate back to 1 on every time update). Returns a function that stops holding.
  function holdLiveEdge(hls, video) {
    function tick() {
      if (video.paused || video.seeking || !hls.media) return;
      const latency = hls.latency;
      const target = hls.targetLatency;
      const details = hls.latestLevelDetails;
      if (!details || !details.live || !target || !Number.isFinite(latency) || latency <= 0) {
        if (video.playbackRate !== 1) video.playbackRate = 1;
        return;
      }
      const behind = latency - target;
      const ahead = bufferedAhead(video);
      if (behind > JUMP && ahead - behind > MIN_AHEAD) {
        video.currentTime += behind;
        return;
      }
      let rate = 1;
      if (behind > SLACK && ahead > MIN_AHEAD) rate = behind > FAR ? FAR_RATE : RATE;
      if (video.playbackRate !== rate) video.playbackRate = rate;
    }
    function stallStep(event, data) {
      if (data.details.partTarget) hls.config.liveSyncOnStallIncrease = data.details.partTarget;
    }
    video.addEventListener("timeupdate", tick);
    hls.on(window.Hls.Events.LEVEL_UPDATED, stallStep);
    return () => {
      video.removeEventListener("timeupdate", tick);
      hls.off(window.Hls.Events.LEVEL_UPDATED, stallStep);
      video.playbackRate = 1;
    };
  }

  window.chirpLiveEdge = { holdLiveEdge };
})();
