// Chirp's live watch page: plays a stream (hls.js, or native HLS on Safari/iOS), keeps it near
// the live edge, shows chat and the viewer count from the streaming websocket, and sends the
// player heartbeats that viewer counts come from. Served with `script-src 'self'`: no inline
// code, and no server or user text is ever parsed as HTML (textContent only).
(() => {
  "use strict";

  const root = document.getElementById("watch");
  const streamId = root.dataset.streamId;
  const streamingUrl = root.dataset.streaming;
  const API = `/api/v1/chirp/streams/${streamId}`;
  const HEARTBEAT_MS = 10000;
  const CHAT_KEEP = 200;
  // Near the edge: 1.5 target durations behind the newest segment (3 s at 2 s segments), past
  // 5 the player jumps back; in between it plays up to 15 % fast to catch up.
  const HLS_CONFIG = {
    enableWorker: false, // a blob: worker would need a looser CSP; transmuxing is cheap
    liveSyncDurationCount: 1.5,
    liveMaxLatencyDurationCount: 5,
    maxLiveSyncPlaybackRate: 1.15,
    backBufferLength: 30,
    manifestLoadingMaxRetry: 4,
    levelLoadingMaxRetry: 4,
    fragLoadingMaxRetry: 6,
  };
  // Low-Latency HLS (the stream's `low_latency_url`): hls.js aims at PART-HOLD-BACK behind the
  // live edge, so none of the segment-count targets above; live-edge.js holds the player there
  // (hls.js's own catch-up off).
  const LL_CONFIG = {
    enableWorker: false,
    lowLatencyMode: true,
    maxLiveSyncPlaybackRate: 1,
    backBufferLength: 30,
    manifestLoadingMaxRetry: 4,
    levelLoadingMaxRetry: 4,
    fragLoadingMaxRetry: 6,
  };
  // `?latency=regular` on the page's URL plays regular HLS even where low latency is offered.
  const WANTS_REGULAR = new URLSearchParams(location.search).get("latency") === "regular";

  const $ = (id) => document.getElementById(id);
  const video = $("video");
  const ui = {
    title: $("title"), avatar: $("avatar"), streamer: $("streamer"), acct: $("acct"),
    state: $("state"), viewers: $("viewers"), status: $("status"), quality: $("quality"),
    golive: $("golive"), latency: $("latency"), signout: $("signout"),
    messages: $("messages"), chatnote: $("chatnote"), chatform: $("chatform"),
    chattext: $("chattext"),
  };

  // The access token (followers-only streams, chat) and API calls: session.js.
  const { token, call, forget } = window.chirpSession;

  function randomId() {
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
  }

  // Chat content is the text HTML-escaped (never markup): undo the escaping, show as text.
  const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#39;": "'" };
  const unescapeHtml = (s) => String(s).replace(/&(?:amp|lt|gt|quot|#x27|#39);/g, (m) => ENTITIES[m]);
  const httpUrl = (s) => typeof s === "string" && /^https?:\/\//i.test(s);

  function status(text) {
    ui.status.textContent = text || "";
    ui.status.hidden = !text;
  }

  // -- the stream ---------------------------------------------------------------------------
  let stream = null;
  let me = null;
  let refreshTimer = 0;

  function showStream(s) {
    stream = s;
    ui.title.textContent = s.title;
    document.title = `${s.title} · live on Chirp`;
    const account = s.account || {};
    ui.streamer.textContent = account.display_name || account.username || "";
    ui.acct.textContent = account.acct ? `@${account.acct}` : "";
    if (httpUrl(account.avatar_static || account.avatar)) {
      ui.avatar.src = account.avatar_static || account.avatar;
      ui.avatar.hidden = false;
    }
    const labels = { created: "Starting soon", live: "LIVE", ended: "Ended" };
    ui.state.textContent = labels[s.state] || s.state;
    ui.state.className = `state ${s.state}`;
    showViewers(s.viewers_count);
    if (s.state === "ended") {
      ui.golive.hidden = true;
      ui.chatform.hidden = true;
      ui.chatnote.textContent = "The stream has ended; chat is closed.";
    }
  }

  function showViewers(count) {
    if (typeof count !== "number" || !stream || stream.state !== "live") {
      ui.viewers.hidden = true;
      return;
    }
    ui.viewers.textContent = `${count} watching`;
    ui.viewers.hidden = false;
  }

  async function loadStream() {
    clearTimeout(refreshTimer);
    let s;
    try {
      s = await call("GET", API);
    } catch (error) {
      if (error.status === 404) {
        status(token
          ? "This stream does not exist, or it is for its streamer's followers only."
          : "This stream does not exist, or it is for followers only: open this page with your access token (see the docs).");
        return null;
      }
      status("Cannot reach the server; retrying…");
      refreshTimer = setTimeout(loadStream, 5000);
      return null;
    }
    showStream(s);
    if (s.playback_url) {
      status("");
      const low = s.low_latency_url && !WANTS_REGULAR && window.Hls && window.Hls.isSupported();
      play(low ? s.low_latency_url : s.playback_url, low ? "low" : "regular");
      scheduleUrlRefresh(s.playback_url);
    } else {
      status("The stream has not started yet. It will play here as soon as it goes live.");
      refreshTimer = setTimeout(loadStream, 5000);
    }
    return s;
  }

  // Followers-only streams play through a signed URL that expires: fetch a fresh one shortly
  // before (and switch to it), as the docs ask.
  function scheduleUrlRefresh(url) {
    const expires = Number(new URL(url, location.href).searchParams.get("expires"));
    if (!expires || !stream || stream.state === "ended") return;
    const wait = Math.max(10000, (expires - 60) * 1000 - Date.now());
    refreshTimer = setTimeout(loadStream, Math.min(wait, 2 ** 31 - 1));
  }

  // -- the player ---------------------------------------------------------------------------
  let hls = null;
  let releaseEdge = () => {}; // stops holding a low-latency player at the live edge
  let native = false;
  let source = null;

  function play(url, mode) {
    if (url === source) return;
    source = url;
    if (window.Hls && window.Hls.isSupported()) {
      if (hls && window.chirpWatch.mode !== mode) {
        destroyHls();
      }
      window.chirpWatch.mode = mode;
      if (!hls) startHls(mode === "low" ? LL_CONFIG : HLS_CONFIG);
      hls.loadSource(url);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      native = true; // Safari / iOS: the browser plays HLS and picks renditions itself
      ui.quality.title = "This browser chooses the quality itself";
      video.src = url;
    } else {
      status("This browser cannot play live video (no Media Source Extensions, no native HLS).");
      return;
    }
    const started = video.play();
    if (started) started.catch(() => status("Press play to start watching."));
  }

  function destroyHls() {
    releaseEdge();
    releaseEdge = () => {};
    hls.destroy();
    hls = null;
  }

  function startHls(config) {
    const Hls = window.Hls;
    hls = new Hls(config);
    window.chirpWatch.hls = hls;
    hls.attachMedia(video);
    if (config.lowLatencyMode) releaseEdge = window.chirpLiveEdge.holdLiveEdge(hls, video);
    hls.on(Hls.Events.MANIFEST_PARSED, () => fillLevels());
    hls.on(Hls.Events.LEVEL_SWITCHED, () => showAutoLevel());
    hls.on(Hls.Events.ERROR, (event, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
        // The signed URL may have expired, or the stream ended: ask the API again.
        status("Reconnecting…");
        source = null;
        setTimeout(loadStream, 2000);
      } else {
        status("The player failed; reloading…");
        destroyHls();
        source = null;
        setTimeout(loadStream, 3000);
      }
    });
    hls.on(Hls.Events.FRAG_BUFFERED, () => { if (ui.status.textContent === "Reconnecting…") status(""); });
  }

  function levelLabel(level) {
    const height = level.height ? `${level.height}p` : "?";
    return `${height} (${(level.bitrate / 1e6).toFixed(1)} Mbit/s)`;
  }

  function fillLevels() {
    const levels = hls.levels.map((level, index) => ({ level, index }));
    levels.sort((a, b) => (b.level.height || 0) - (a.level.height || 0));
    ui.quality.replaceChildren(new Option("Auto", "-1"));
    for (const { level, index } of levels) ui.quality.append(new Option(levelLabel(level), String(index)));
    ui.quality.disabled = levels.length < 2;
    root.dataset.levels = String(levels.length);
    showAutoLevel();
  }

  function showAutoLevel() {
    if (!hls) return;
    const playing = hls.levels[hls.currentLevel];
    ui.quality.options[0].textContent = playing && hls.autoLevelEnabled && playing.height
      ? `Auto (${playing.height}p)` : "Auto";
  }

  ui.quality.addEventListener("change", () => {
    if (!hls) return;
    const chosen = Number(ui.quality.value);
    hls.currentLevel = chosen; // -1: back to automatic (bandwidth-driven) switching
    showAutoLevel();
  });

  // Distance behind the live edge, and the button that jumps back to it.
  function liveEdge() {
    if (hls && hls.liveSyncPosition !== null && hls.liveSyncPosition !== undefined) return hls.liveSyncPosition;
    const ranges = video.seekable;
    return ranges.length ? ranges.end(ranges.length - 1) - 3 : null;
  }

  function latency() {
    if (hls) return Number.isFinite(hls.latency) ? hls.latency : null;
    const ranges = video.seekable;
    return ranges.length ? ranges.end(ranges.length - 1) - video.currentTime : null;
  }

  // A native player can sit on a live master playlist without ever loading a segment (seen
  // with chromium's own HLS): when nothing at all has loaded for 8 s, start the source over.
  let emptySince = 0;
  function watchNative() {
    if (!native || !source || video.readyState > 0) {
      emptySince = 0;
      return;
    }
    if (!emptySince) emptySince = Date.now();
    if (Date.now() - emptySince < 8000) return;
    emptySince = 0;
    video.src = source;
    video.play().catch(() => {});
  }

  video.addEventListener("error", () => {
    if (!native) return; // hls.js reports its own errors
    status("Reconnecting…");
    source = null; // the URL may have expired: ask the API again
    setTimeout(loadStream, 3000);
  });
  video.addEventListener("playing", () => {
    if (ui.status.textContent === "Reconnecting…") status("");
  });

  function watchLatency() {
    if (!stream || stream.state !== "live" || !source) {
      ui.golive.hidden = true;
      ui.latency.textContent = "";
      return;
    }
    const behind = latency();
    const target = hls ? hls.targetLatency || 3 : 3;
    if (behind === null) return;
    ui.latency.textContent = `${behind.toFixed(1)} s behind live`;
    ui.golive.hidden = !(video.paused || behind > target + 4);
    if (native && !video.paused) {
      // hls.js nudges the rate itself (maxLiveSyncPlaybackRate); do the same for native HLS.
      video.playbackRate = behind > target + 1.5 ? 1.1 : 1;
    }
  }

  ui.golive.addEventListener("click", () => {
    const edge = liveEdge();
    if (edge !== null && Number.isFinite(edge)) video.currentTime = edge;
    video.play().catch(() => {});
  });

  // -- heartbeats (viewer counts) -------------------------------------------------------------
  const viewer = randomId();

  async function heartbeat() {
    if (!stream || stream.state !== "live") return;
    try {
      const answer = await call("POST", `${API}/heartbeat`, { viewer });
      showViewers(answer.viewers_count);
    } catch (error) { /* the next one will tell */ }
  }

  // -- chat -----------------------------------------------------------------------------------
  let socket = null;
  let backoff = 1000;
  let lastEventId = null;
  let mutedUntil = 0;

  // The streamer's chat moderators (ids): they delete and ban too, and wear a badge.
  let moderators = new Set();

  async function loadModerators() {
    try {
      const found = await call("GET", `${API}/moderators`);
      moderators = new Set(found.map((account) => account.id));
    } catch (error) { /* no badges, no moderator buttons */ }
  }

  function moderates() {
    return Boolean(me && stream && (me.id === stream.account.id || moderators.has(me.id)));
  }

  function canModerate(message) {
    if (!me || !stream) return false;
    return moderates() || me.id === (message.account || {}).id;
  }

  function canBan(account) {
    if (!moderates() || account.id === me.id || account.id === stream.account.id) return false;
    return me.id === stream.account.id || !moderators.has(account.id);
  }

  function addMessage(message) {
    if (!message || !message.id || document.getElementById(`m${message.id}`)) return;
    const item = document.createElement("li");
    item.id = `m${message.id}`;
    item.dataset.id = message.id;
    const account = message.account || {};
    const who = document.createElement("span");
    who.className = "author";
    who.textContent = account.display_name || account.username || "?";
    who.title = account.acct ? `@${account.acct}` : "";
    if (stream && account.id === stream.account.id) who.classList.add("streamer");
    if (moderators.has(account.id)) {
      who.classList.add("moderator");
      who.title = `${who.title} (moderator)`.trim();
    }
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = unescapeHtml(message.content);
    item.append(who, " ", text);
    if (canModerate(message)) {
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "delete";
      remove.textContent = "Delete";
      remove.addEventListener("click", () => {
        call("DELETE", `${API}/chat/${message.id}`).catch((error) => note(error.message));
      });
      item.append(" ", remove);
      if (canBan(account)) {
        const ban = document.createElement("button");
        ban.type = "button";
        ban.className = "ban";
        ban.textContent = "Ban";
        ban.addEventListener("click", () => {
          call("POST", `${API}/bans`, { account_id: account.id })
            .then(() => note(`${who.textContent} can no longer chat here.`))
            .catch((error) => note(error.message));
        });
        item.append(" ", ban);
      }
    }
    const atBottom = ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 40;
    // Keep the list in id (time) order: history and live frames may interleave on reconnects.
    let before = null;
    for (const other of ui.messages.children) {
      if (BigInt(other.dataset.id) > BigInt(message.id)) { before = other; break; }
    }
    ui.messages.insertBefore(item, before);
    while (ui.messages.children.length > CHAT_KEEP) ui.messages.firstElementChild.remove();
    if (atBottom) ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  function removeMessage(id) {
    const item = document.getElementById(`m${id}`);
    if (item) item.remove();
  }

  function note(text) { ui.chatnote.textContent = text || ""; }

  async function loadChat() {
    try {
      const recent = await call("GET", `${API}/chat?limit=50`);
      for (const message of recent.reverse()) addMessage(message);
    } catch (error) { /* the socket will bring new messages */ }
  }

  function parsePayload(payload) {
    if (typeof payload !== "string") return payload;
    try { return JSON.parse(payload); } catch (e) { return payload; }
  }

  function onFrame(frame) {
    if (frame.id) lastEventId = frame.id;
    if (frame.error && !frame.event) { // our subscribe was refused
      note(frame.status === 404 ? "Chat is not available for this stream." : frame.error);
      return;
    }
    const payload = parsePayload(frame.payload);
    switch (frame.event) {
      case "stream.chat": addMessage(payload); break;
      // The raw id: parsed as JSON it would become a Number and lose its last digits.
      case "stream.chat.delete": removeMessage(String(frame.payload)); break;
      case "stream.viewers": showViewers(payload.viewers_count); break;
      case "stream.ended":
        showStream(payload);
        status("The stream has ended.");
        break;
      case "error": {
        const wait = Number(payload.retry_after || 0);
        if (wait) mutedUntil = Date.now() + wait * 1000;
        note(wait ? `Slow down: you can send again in ${wait} s.` : payload.error);
        break;
      }
      default: break;
    }
  }

  function connect() {
    if (stream && stream.state === "ended") return;
    // Browsers cannot set headers on websockets: the token travels as the subprotocol.
    socket = token ? new WebSocket(`${streamingUrl}/api/v1/streaming`, [token])
      : new WebSocket(`${streamingUrl}/api/v1/streaming`);
    socket.binaryType = "arraybuffer";
    socket.addEventListener("open", () => {
      backoff = 1000;
      const subscribe = { type: "subscribe", stream: "chirp:live", id: streamId };
      if (lastEventId) subscribe.last_event_id = lastEventId;
      socket.send(JSON.stringify(subscribe));
    });
    socket.addEventListener("message", (event) => {
      const text = typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data);
      let frame;
      try { frame = JSON.parse(text); } catch (e) { return; }
      if (frame && typeof frame === "object") onFrame(frame);
    });
    socket.addEventListener("close", () => {
      socket = null;
      if (stream && stream.state === "ended") return;
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 30000);
    });
  }

  ui.chatform.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.chattext.value.trim();
    if (!text) return;
    if (Date.now() < mutedUntil) {
      note(`Slow down: you can send again in ${Math.ceil((mutedUntil - Date.now()) / 1000)} s.`);
      return;
    }
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "chat", id: streamId, text }));
      ui.chattext.value = "";
      note("");
    } else {
      call("POST", `${API}/chat`, { text })
        .then((message) => { addMessage(message); ui.chattext.value = ""; note(""); })
        .catch((error) => note(error.message));
    }
  });

  ui.signout.addEventListener("click", () => {
    forget();
    location.reload();
  });

  // -- start ----------------------------------------------------------------------------------
  window.chirpWatch = { video, hls: null, viewer, mode: null };

  async function start() {
    video.muted = true; // autoplay is allowed muted; the viewer unmutes with the controls
    if (token) {
      ui.signout.hidden = false;
      try { me = await call("GET", "/api/v1/accounts/verify_credentials"); } catch (e) { me = null; }
    }
    const s = await loadStream();
    if (!s) return;
    if (me && s.state !== "ended") {
      ui.chatform.hidden = false;
    } else if (!me && s.state !== "ended") {
      note("Read-only: open this page with your access token to chat.");
    }
    await loadModerators();
    await loadChat();
    connect();
    heartbeat();
    setInterval(heartbeat, HEARTBEAT_MS);
    setInterval(watchLatency, 1000);
    setInterval(watchNative, 1000);
  }

  start();
})();
