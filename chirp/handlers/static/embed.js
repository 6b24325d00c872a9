// Chirp's embeddable player (`/live/<id>/embed`): a public stream's video for other sites'
// iframes. Plays the low-latency URL with hls.js (the regular one natively), sends the player
// heartbeats viewer counts come from, and re-reads the stream now and then for its state.
// Served with `script-src 'self'`; server text is only ever set as textContent.
(() => {
  "use strict";

  const root = document.getElementById("embed");
  const API = `/api/v1/chirp/streams/${root.dataset.streamId}`;
  const video = document.getElementById("video");
  const ui = {
    title: document.getElementById("title"), state: document.getElementById("state"),
    viewers: document.getElementById("viewers"), status: document.getElementById("status"),
  };
  // hls.js's catch-up off: live-edge.js holds the player at its target behind the live edge.
  const CONFIG = { enableWorker: false, lowLatencyMode: true, maxLiveSyncPlaybackRate: 1, backBufferLength: 30 };
  const viewer = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  let hls = null;
  let source = null;
  let stream = null;

  function status(text) {
    ui.status.textContent = text || "";
    ui.status.hidden = !text;
  }

  function show(s) {
    stream = s;
    ui.title.textContent = s.title;
    const labels = { created: "Starting soon", live: "LIVE", ended: "Ended" };
    ui.state.textContent = labels[s.state] || s.state;
    ui.state.className = `state ${s.state}`;
    showViewers(s.viewers_count);
  }

  function showViewers(count) {
    ui.viewers.hidden = !(stream && stream.state === "live" && typeof count === "number");
    ui.viewers.textContent = `${count} watching`;
  }

  function play(s) {
    const useHls = window.Hls && window.Hls.isSupported();
    const url = useHls && s.low_latency_url ? s.low_latency_url : s.playback_url;
    if (!url || url === source) return;
    source = url;
    if (useHls) {
      if (!hls) {
        hls = new window.Hls(CONFIG);
        hls.attachMedia(video);
        window.chirpLiveEdge.holdLiveEdge(hls, video);
        hls.on(window.Hls.Events.ERROR, (event, data) => {
          if (!data.fatal) return;
          if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); return; }
          source = null;
          status("Reconnecting…");
          setTimeout(load, 3000);
        });
        hls.on(window.Hls.Events.FRAG_BUFFERED, () => status(""));
      }
      hls.loadSource(url);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = url;
    } else {
      status("This browser cannot play live video.");
      return;
    }
    video.play().catch(() => status("Press play to start watching."));
  }

  async function load() {
    try {
      const response = await fetch(API, { headers: { Accept: "application/json" } });
      if (!response.ok) { status("This stream is not available."); return; }
      const s = await response.json();
      show(s);
      if (s.playback_url) { play(s); } else { status("The stream has not started yet."); }
    } catch (error) {
      status("Cannot reach the server; retrying…");
    }
  }

  async function heartbeat() {
    if (!stream || stream.state !== "live") return;
    try {
      const response = await fetch(`${API}/heartbeat`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ viewer }),
      });
      if (response.ok) showViewers((await response.json()).viewers_count);
    } catch (error) { /* the next one will tell */ }
  }

  window.chirpEmbed = { video, get hls() { return hls; } };
  load().then(heartbeat);
  setInterval(heartbeat, 10000);
  setInterval(() => { if (!stream || stream.state !== "ended") load(); }, 15000);
})();
